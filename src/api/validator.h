// Validates an operation's input JSON against its input shape, recursively,
// with the model's constraints: required members, types, string length,
// patterns, enums, numeric ranges, list and map sizes. Unknown members are
// ignored (as AWS does). Messages follow the AWS wording, e.g.
//   1 validation error detected: Value '1.0' at 'semanticVersion' failed to
//   satisfy constraint: Member must satisfy regular expression pattern: ...
// Paths name list elements as AWS does: "components.1.member.componentArn".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/service_model.h"
#include "common/status.h"

namespace kiln::api {

// Every violation found under `value` (at most `limit`), as
// "Value ... at '<path>' failed to satisfy constraint: ..." sentences.
std::vector<std::string> FindViolations(const Shape& shape, const nlohmann::json& value,
                                        size_t limit = 10);

// The error shape Kiln answers request-validation failures with for `op`:
// InvalidParameterValueException when the operation declares it, else the
// first declared of InvalidRequestException, InvalidParameterException,
// ClientException (so that SDKs raise a modeled exception class).
const std::string& ValidationErrorType(const Operation& op);

// OK, or an InvalidArgument Status typed with ValidationErrorType(op).
Status ValidateInput(const Operation& op, const nlohmann::json& input);

}  // namespace kiln::api
