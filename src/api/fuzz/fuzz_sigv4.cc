// libFuzzer target: SigV4 verification as `kiln serve` runs it
// (Authenticator::Authenticate -> common/sigv4 Verify) on hostile
// Authorization headers, presigned query strings, dates and bodies.
// Input: newline-separated fields
//   target \n Authorization \n X-Amz-Date \n x-amz-content-sha256 \n body
// so that the corpus seeds (tests/fuzz/corpus/sigv4) start from real shapes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"

using namespace kiln::api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Authenticator* auth = [] {
    KeyTable keys;
    (void)keys.Add("AKIDFUZZ", "fuzz-secret", "123456789012");
    return new Authenticator(std::move(keys));
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f;
  for (int i = 0; i < 4; ++i) {
    auto eol = in.find('\n');
    f.emplace_back(in.substr(0, eol));
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  }
  HttpRequest req;
  req.method = "POST";
  req.target = f[0].empty() ? "/ListComponents" : f[0];
  req.headers.emplace_back("Host", "127.0.0.1:8080");
  if (!f[1].empty()) req.headers.emplace_back("Authorization", f[1]);
  if (!f[2].empty()) req.headers.emplace_back("X-Amz-Date", f[2]);
  if (!f[3].empty()) req.headers.emplace_back("x-amz-content-sha256", f[3]);
  req.body = std::string(in);
  auto caller = auth->Authenticate(req, 1795000000000);
  // A forged request must never authenticate as the account.
  if (caller.ok() && caller->account_id != "123456789012") __builtin_trap();
  return 0;
}
