// The Image Builder API as a function from HttpRequest to HttpResponse:
// authenticate (SigV4) -> route -> bind -> validate -> run the registered
// handler -> serialise the output or the error, restJson1 style. The HTTP
// server (server.h) feeds it; the fuzzers call it directly.
//
// Errors on the wire: status from the error shape's httpStatusCode, header
// X-Amzn-Errortype: <ShapeName>, body {"message": "..."}; every response
// carries x-amzn-RequestId.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "api/response_cache.h"
#include "api/router.h"
#include "api/service_model.h"

namespace kiln::store { class Store; }

namespace kiln::api {

// Errors Kiln answers with that are not shapes in the service model.
inline constexpr char kNotImplemented[] = "NotImplementedException";  // 501

class ApiService {
 public:
  ApiService(const ServiceModel& model, Authenticator auth, store::Store* store);

  // Handles one API request. `now_millis` is the server's clock (SigV4 skew).
  HttpResponse Handle(const HttpRequest& req, int64_t now_millis);

  // The error response for `status` as `op` would answer it (`op` may be
  // null for requests that match no operation).
  HttpResponse ErrorResponse(const Status& status, const Operation* op,
                             const std::string& request_id) const;

  // Keeps answers of cacheable reads in memory (response_cache.h), up to
  // `max_bytes`; 0 turns the cache off. Only when the store can tell of
  // every write (Store::WriteGeneration). Off by default.
  void SetResponseCache(size_t max_bytes);

  Metrics& metrics() { return metrics_; }
  const ServiceModel& model() const { return model_; }

  // The output JSON serialised per `op`'s output shape: timestamps become
  // epoch seconds (restJson1's default), JSON nulls are dropped, and a
  // missing requestId is filled in.
  static std::string SerializeOutput(const Operation& op, nlohmann::json output,
                                     const std::string& request_id);

 private:
  HttpResponse HandleRouted(const HttpRequest& req, int64_t now_millis, const Operation** op_out,
                            const std::string& request_id);
  const ServiceModel& model_;
  Router router_;
  Authenticator auth_;
  store::Store* store_;
  Metrics metrics_;
  std::unique_ptr<ResponseCache> cache_;
};

// A random RFC 4122 version-4 UUID ("1abcd234-e567-4fa9-8123-4567b890cd12").
std::string NewRequestId();

// Parses "2026-11-27T07:44:07.123Z" (or with an offset) to Unix seconds;
// false when `text` is not ISO-8601.
bool ParseIso8601(const std::string& text, double* seconds);

}  // namespace kiln::api
