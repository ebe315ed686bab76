#include "api/api_service.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>

#include "api/operation.h"
#include "api/validator.h"
#include "store/store.h"
#include "common/log.h"

namespace kiln::api {
namespace {

using Json = nlohmann::json;


// HTTP statuses of the error names that are not shapes in the model.
int StatusOfExtraError(const std::string& type) {
  static const std::map<std::string, int> kExtra = {
      {kUnknownOperation, 404},
      {kMethodNotAllowed, 405},
      {kSerialization, 400},
      {kNotImplemented, 501},
      {"MissingAuthenticationTokenException", 403},
      {"IncompleteSignatureException", 403},
      {"UnrecognizedClientException", 403},
      {"InvalidSignatureException", 403},
  };
  auto it = kExtra.find(type);
  return it == kExtra.end() ? 0 : it->second;
}

// The error shape for a Status that names none, from its code.
std::string TypeForCode(const Status& s, const Operation* op) {
  switch (s.code()) {
    case Code::kInvalidArgument:
      return op ? ValidationErrorType(*op) : "InvalidRequestException";
    case Code::kNotFound: return "ResourceNotFoundException";
    case Code::kAlreadyExists: return "ResourceAlreadyExistsException";
    case Code::kFailedPrecondition: return "ResourceInUseException";
    case Code::kPermissionDenied: return "ForbiddenException";
    case Code::kUnauthenticated: return "UnrecognizedClientException";
    case Code::kTimeout:
    case Code::kUnavailable: return "ServiceUnavailableException";
    case Code::kUnimplemented: return kNotImplemented;
    default: return "ServiceException";
  }
}

// Rewrites `v` (of shape `s`) in place for the wire.
void ToWire(const Shape& s, Json& v) {
  if (!s.has_timestamp) return;
  switch (s.type) {
    case Shape::Type::kTimestamp:
      if (v.is_string()) {
        double secs;
        if (ParseIso8601(v.get<std::string>(), &secs)) v = secs;
      }
      return;
    case Shape::Type::kStructure:
      if (!v.is_object()) return;
      for (const Member& m : s.members) {
        auto it = v.find(m.name);
        if (it != v.end()) ToWire(*m.shape, *it);
      }
      return;
    case Shape::Type::kList:
      if (v.is_array()) for (auto& e : v) ToWire(*s.member, e);
      return;
    case Shape::Type::kMap:
      if (v.is_object() && s.value) for (auto& [k, e] : v.items()) ToWire(*s.value, e);
      return;
    default:
      return;
  }
}

void DropNulls(Json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (it->is_null()) { it = v.erase(it); } else { DropNulls(*it); ++it; }
    }
  } else if (v.is_array()) {
    for (auto& e : v) DropNulls(e);
  }
}

}  // namespace

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(a >> 32),
                unsigned((a >> 16) & 0xFFFF), unsigned(a & 0xFFFF), unsigned(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

bool ParseIso8601(const std::string& text, double* seconds) {
  int y, mo, d, h, mi;
  double sec;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6)
    return false;
  std::string zone = text.substr(used);
  int offset = 0;
  if (zone == "Z" || zone.empty()) {
    offset = 0;
  } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 6 && zone[3] == ':') {
    int zh = std::atoi(zone.substr(1, 2).c_str()), zm = std::atoi(zone.substr(4, 2).c_str());
    offset = (zone[0] == '+' ? 1 : -1) * (zh * 3600 + zm * 60);
  } else {
    return false;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = 0;
  *seconds = double(timegm(&tm)) + sec - offset;
  return true;
}

ApiService::ApiService(const ServiceModel& model, Authenticator auth, store::Store* store)
    : model_(model), router_(model), auth_(std::move(auth)), store_(store) {}

void ApiService::SetResponseCache(size_t max_bytes) {
  cache_ = max_bytes > 0 ? std::make_unique<ResponseCache>(max_bytes) : nullptr;
}

std::string ApiService::SerializeOutput(const Operation& op, Json output,
                                        const std::string& request_id) {
  if (!output.is_object()) output = Json::object();
  DropNulls(output);
  if (op.output) {
    ToWire(*op.output, output);
    if (op.output->FindMember("requestId") && !output.contains("requestId"))
      output["requestId"] = request_id;
  }
  return output.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpResponse ApiService::ErrorResponse(const Status& status, const Operation* op,
                                       const std::string& request_id) const {
  std::string type = status.type().empty() ? TypeForCode(status, op) : status.type();
  int http = StatusOfExtraError(type);
  if (!http) {
    const Shape* shape = model_.FindShape(type);
    http = shape && shape->is_error ? shape->http_status : 400;
  }
  HttpResponse r;
  r.status = http;
  r.headers.emplace_back("X-Amzn-Errortype", type);
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  Json body = {{"message", status.message()}};
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

HttpResponse ApiService::Handle(const HttpRequest& req, int64_t now_millis) {
  auto start = std::chrono::steady_clock::now();
  metrics_.Begin();
  std::string request_id = NewRequestId();
  const Operation* op = nullptr;
  HttpResponse resp = HandleRouted(req, now_millis, &op, request_id);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.End(op ? op->name : "unknown", resp.status, secs);
  return resp;
}

HttpResponse ApiService::HandleRouted(const HttpRequest& req, int64_t now_millis,
                                      const Operation** op_out, const std::string& request_id) {
  // Route first only to label metrics and errors; the signature is checked
  // before anything about the route is revealed.
  auto route = router_.Match(req);
  if (route.ok()) *op_out = *route;
  auto caller = auth_.Authenticate(req, now_millis);
  if (!caller.ok()) return ErrorResponse(caller.status(), nullptr, request_id);
  if (!route.ok()) return ErrorResponse(route.status(), nullptr, request_id);
  const Operation& op = **route;

  auto input = router_.Bind(op, req);
  if (!input.ok()) return ErrorResponse(input.status(), &op, request_id);
  Status valid = ValidateInput(op, *input);
  if (!valid.ok()) return ErrorResponse(valid, &op, request_id);

  const OperationHandler* handler = FindOperation(op.name);
  if (!handler) {
    return ErrorResponse(Status::Unimplemented("Kiln does not implement the " + op.name +
                                               " operation yet"),
                         &op, request_id);
  }
  // A cacheable read answered before, with nothing written since.
  std::optional<uint64_t> generation;
  std::string cache_key;
  if (cache_ && store_ && ResponseCache::IsCacheable(op.name)) {
    generation = store_->WriteGeneration();
    if (generation) {
      cache_key = op.name + '\n' + caller->account_id + '\n' + caller->region + '\n' +
                  input->dump();
      if (auto body = cache_->Find(cache_key, *generation, request_id)) {
        metrics_.CacheHit();
        HttpResponse r;
        r.status = 200;
        r.headers.emplace_back("x-amzn-RequestId", request_id);
        r.body = std::move(*body);
        return r;
      }
      metrics_.CacheMiss();
    }
  }

  OperationContext ctx{*caller, request_id, store_};
  Result<Json> out = Status::Internal("handler did not run");
  try {
    // Reads of a Get/List run in one store snapshot (one read transaction
    // instead of one per query).
    if (store_ && (op.name.rfind("Get", 0) == 0 || op.name.rfind("List", 0) == 0)) {
      Status snap = store_->ReadSnapshot([&] {
        out = (*handler)(ctx, *input);
        return Status::Ok();
      });
      if (!snap.ok()) out = snap;
    } else {
      out = (*handler)(ctx, *input);
    }
  } catch (const std::exception& e) {  // a handler bug must not take the server down
    log::Error("operation " + op.name + " threw: " + e.what());
    out = Status::Internal("internal error in " + op.name + " (request " + request_id + ")");
  }
  if (!out.ok()) {
    if (out.status().code() == Code::kInternal)
      log::Error("operation " + op.name + " failed: " + out.status().ToString());
    return ErrorResponse(out.status(), &op, request_id);
  }
  HttpResponse r;
  r.status = 200;
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  r.body = SerializeOutput(op, std::move(out).value(), request_id);
  if (generation) cache_->Insert(cache_key, *generation, r.body, request_id);
  return r;
}

}  // namespace kiln::api
