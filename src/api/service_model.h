// The Image Builder service model (botocore JSON, apiVersion 2019-12-02),
// compiled into the binary, parsed once into shapes and operations that the
// router, validator and serialiser walk. Nothing here knows about HTTP.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/pattern.h"
#include "common/status.h"

namespace kiln::api {

struct Shape;

// Where a structure member travels in the HTTP request.
enum class Location { kBody, kUri, kQuery, kHeader };

struct Member {
  std::string name;           // JSON name, as handlers see it
  const Shape* shape = nullptr;
  Location location = Location::kBody;
  std::string location_name;  // query key, header name or {label}
  bool idempotency_token = false;
};

struct Shape {
  enum class Type { kStructure, kString, kList, kMap, kInteger, kLong, kDouble, kBoolean,
                    kTimestamp, kBlob };
  std::string name;
  Type type = Type::kString;
  std::vector<Member> members;          // structure, in model order
  std::set<std::string> required;       // structure
  const Shape* member = nullptr;        // list element
  const Shape* key = nullptr;           // map key
  const Shape* value = nullptr;         // map value
  std::optional<int64_t> min, max;      // length (string/list/map) or value (numbers)
  std::unique_ptr<Pattern> pattern;     // string
  std::vector<std::string> enum_values; // string
  bool is_error = false;
  int http_status = 400;                // error shapes
  // True when a timestamp occurs anywhere below this shape; the serialiser
  // walks only such outputs.
  bool has_timestamp = false;

  const Member* FindMember(std::string_view json_name) const;
};

struct Operation {
  std::string name;         // "CreateComponent"
  std::string method;       // "PUT"
  std::string request_uri;  // "/CreateComponent" or "/tags/{resourceArn}"
  const Shape* input = nullptr;   // may be null (no input)
  const Shape* output = nullptr;  // may be null
  std::vector<std::string> errors;  // error shape names the operation declares
  bool Declares(std::string_view error) const;
};

class ServiceModel {
 public:
  // Parses botocore-format JSON; every shape reference must resolve and
  // every pattern must compile.
  static Result<std::unique_ptr<ServiceModel>> Parse(std::string_view json);
  // The model embedded at build time (parsed on first use; aborts if the
  // embedded copy is broken, which the unit tests rule out).
  static const ServiceModel& Embedded();
  static std::string_view EmbeddedJson();

  const std::string& signing_name() const { return signing_name_; }
  const std::string& api_version() const { return api_version_; }
  const std::vector<std::unique_ptr<Operation>>& operations() const { return operations_; }
  const Operation* FindOperation(std::string_view name) const;
  const Shape* FindShape(std::string_view name) const;

 private:
  std::string signing_name_, api_version_;
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;
  std::vector<std::unique_ptr<Operation>> operations_;
  std::map<std::string, const Operation*, std::less<>> by_name_;
};

}  // namespace kiln::api
