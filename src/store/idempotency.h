// clientToken idempotency for create/update/cancel operations.
//
// The first request with a token runs and its response is remembered with a
// fingerprint of the request. The same token with the same request returns
// the remembered response and changes nothing; the same token with a
// different request fails with IdempotentParameterMismatchException. Tokens
// are scoped by account, region and operation.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace kiln::store {

// `request` is the operation input (its clientToken member is ignored for
// the fingerprint comparison only if `ignore_keys` says so; by default the
// whole input is compared). `run` performs the operation inside the same
// store transaction as the token record, so a crash never leaves one
// without the other.
Result<Json> WithClientToken(Store& store, const std::string& scope, const std::string& token,
                             const Json& request, const std::function<Result<Json>(Store&)>& run);

}  // namespace kiln::store
