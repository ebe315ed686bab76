// Resource-based policies of shareable resources (components, images, image
// recipes, container recipes; resources-api.md §2.10, §7): validation, a
// small evaluator, and the index behind owner=Shared listings.
//
// Kiln evaluates the parts of the IAM policy language that sharing needs:
// Effect Allow/Deny (explicit Deny wins), Principal {"AWS": account id,
// "arn:aws:iam::<account>:root" or "*"} or "*", Action / Resource strings or
// lists with `*` and `?` globs. Conditions are not evaluated, so a policy
// with a Condition is rejected rather than silently widened.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "store/store.h"

namespace kiln::api::policy {

using Json = nlohmann::json;

// The actions a policy on `kind` may grant; empty when `kind` is not shareable.
std::vector<std::string> ShareableActions(const std::string& kind);

// Parses and checks `text` as a policy for resource `arn` of `kind`; returns
// the accounts it grants something to ("*" for everyone). Errors are
// InvalidParameterValueException naming the statement and what is wrong.
Result<std::set<std::string>> Validate(const std::string& text, const std::string& kind,
                                       const std::string& arn);

// True when `policy` allows `account` to perform `action` on `arn`.
bool Allows(const Json& policy, const std::string& account, const std::string& action,
            const std::string& arn);

// Case-insensitive glob match with `*` and `?` (IAM action / resource style).
bool GlobMatch(const std::string& pattern, const std::string& text, bool case_insensitive);

// ARNs of `kind` in `region` shared with `account` (directly or with "*").
Result<std::vector<std::string>> SharedWith(store::Store& store, const std::string& region,
                                            const std::string& account, const std::string& kind);

}  // namespace kiln::api::policy
