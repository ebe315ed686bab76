// Maps an HTTP request to a model operation and binds its input: members
// from URI labels ("/tags/{resourceArn}"), the query string, headers and
// the JSON body, named as in the model and converted to the member's type
// (integers, booleans, repeated query keys as lists such as `tagKeys`).
// Binding never judges values; the validator does that afterwards.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "api/service_model.h"
#include "common/status.h"

namespace kiln::api {

// Error shapes for requests that match no operation (not in the model).
inline constexpr char kUnknownOperation[] = "UnknownOperationException";  // 404
inline constexpr char kMethodNotAllowed[] = "MethodNotAllowedException";  // 405
inline constexpr char kSerialization[] = "SerializationException";        // 400

class Router {
 public:
  explicit Router(const ServiceModel& model);

  // The operation for method + path, or an error typed kUnknownOperation /
  // kMethodNotAllowed.
  Result<const Operation*> Match(const HttpRequest& req) const;

  // The input JSON for `op` from `req` (which Match() mapped to `op`).
  // Errors (typed with ValidationErrorType or kSerialization) for bodies
  // that are not a JSON object and for malformed percent-encoding.
  Result<nlohmann::json> Bind(const Operation& op, const HttpRequest& req) const;

 private:
  struct Route {
    const Operation* op;
    std::vector<std::string> segments;  // "tags", "{resourceArn}"
  };
  bool MatchSegments(const Route& r, const std::vector<std::string_view>& path,
                     std::map<std::string, std::string>* labels) const;

  std::map<std::string, std::vector<const Operation*>, std::less<>> literal_;  // path -> ops
  std::vector<Route> templated_;
};

}  // namespace kiln::api
