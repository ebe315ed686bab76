// libFuzzer target: the request path behind the socket — routing, binding,
// validation, output serialisation and the whole ApiService::Handle — on
// arbitrary requests. Input format (so mutations stay meaningful):
//   "<METHOD> <TARGET>\n<Name>: <value>\n...\n\n<body>"
// Built by tests/fuzz/run.sh (not by CMake: needs clang -fsanitize=fuzzer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/api_service.h"
#include "api/router.h"
#include "api/validator.h"

using namespace kiln::api;

static HttpRequest ParseInput(std::string_view in) {
  HttpRequest r;
  auto eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  auto sp = line.find(' ');
  r.method = std::string(line.substr(0, sp));
  if (sp != std::string_view::npos) r.target = std::string(line.substr(sp + 1));
  in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  r.body = std::string(in);
  return r;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ServiceModel& model = ServiceModel::Embedded();
  static Router router(model);
  static ApiService* service = [] {
    KeyTable keys;
    (void)keys.Add("AKIDFUZZ", "fuzz-secret", "123456789012");
    return new ApiService(model, Authenticator(std::move(keys)), nullptr);
  }();
  HttpRequest req = ParseInput(std::string_view(reinterpret_cast<const char*>(data), size));

  // Router + validator directly (the signed path would otherwise hide them).
  auto op = router.Match(req);
  if (op.ok()) {
    auto input = router.Bind(**op, req);
    if (input.ok()) {
      (void)ValidateInput(**op, *input);
      (void)ApiService::SerializeOutput(**op, *input, "rid");
    }
    (void)service->ErrorResponse(kiln::Status::Invalid("x"), *op, "rid");
  }
  // Everything, including SigV4 parsing of whatever headers came in.
  HttpResponse resp = service->Handle(req, 1795000000000);
  if (resp.status < 200 || resp.status > 599) __builtin_trap();
  return 0;
}
