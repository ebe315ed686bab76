// The contract between the HTTP layer (server, SigV4, routing and validation
// driven by the service model) and the operation handlers.
//
// The router binds a request to the operation's input shape as JSON: members
// from the URI path, query string, headers and body, named as in the service
// model (e.g. "componentBuildVersionArn"), already validated against the
// model's constraints (required, lengths, patterns, enums, ranges). The
// handler returns the output shape as JSON; the router serialises it per the
// model (status code, headers, body). Errors are a Status whose type() is the
// model's error shape name ("ResourceNotFoundException", ...); a Status with
// no type is mapped from its Code.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::store { class Store; }

namespace kiln::api {

using Json = nlohmann::json;

// Who is calling, from the verified SigV4 credential.
struct Caller {
  std::string account_id;  // 12 digits
  std::string region;      // from the credential scope, e.g. "us-east-1"
  std::string access_key_id;
};

struct OperationContext {
  Caller caller;
  std::string request_id;
  store::Store* store = nullptr;
};

using OperationHandler = std::function<Result<Json>(OperationContext&, const Json& input)>;

// Registers the handler for a model operation name ("CreateComponent").
// Called at start-up by each ops_*.cc file's Register*Operations().
void RegisterOperation(const std::string& operation, OperationHandler handler);
const OperationHandler* FindOperation(const std::string& operation);

}  // namespace kiln::api
