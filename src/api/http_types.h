// The HTTP request and response as the API layer sees them, independent of
// the HTTP library (Boost.Beast lives only in server.cc), so that routing,
// authentication and the fuzzers work on plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln::api {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // raw request-target: "/GetComponent?componentBuildVersionArn=arn%3A..."
  // Header names as received (matching is case-insensitive); repeated
  // headers appear repeatedly.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first header named `name` (case-insensitive), or null.
  const std::string* Header(std::string_view name) const;
  std::string_view Path() const;   // target before '?', still percent-encoded
  std::string_view Query() const;  // target after '?', still percent-encoded ("" if none)
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
};

// Percent-decodes `in`; false on a malformed escape. '+' stays '+' (SDKs
// encode spaces as %20, and SigV4 treats '+' literally).
bool PercentDecode(std::string_view in, std::string* out);

// Splits a raw query string into decoded (key, value) pairs in order; false
// on malformed percent-encoding.
bool ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace kiln::api
