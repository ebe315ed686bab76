// Opaque, tamper-evident pagination tokens for List operations.
//
// A token carries the keyset cursor (the last row of the page) and a
// fingerprint of the query it belongs to, signed with a per-data-directory
// secret kept in the store. Any change to the token, or using it with a
// different query, fails with InvalidPaginationTokenException.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace kiln::store {

// The secret used to sign tokens, created on first use and kept in the store
// (space "server", key "page-secret") so tokens survive restarts.
Result<std::string> PageSecret(Store& store);

// `query` identifies the listing (operation, caller, filters...); any JSON
// that is equal for the same query works.
std::string EncodePageToken(const Resource& last, const Json& query, const std::string& secret);
Result<Resource> DecodePageToken(const std::string& token, const Json& query,
                                 const std::string& secret);

// Calls `fn` for every resource `q` matches, reading `q.limit` rows at a
// time; stops at the first error (from the store or from `fn`).
Status ForEachResource(Store& store, ListQuery q, const std::function<Status(const Resource&)>& fn);

}  // namespace kiln::store
