// Cost of turning a stored document back into a tree: the share of a Get or
// List row that the store's caches decide. Decodes the store_scale_bench
// component document (~820 bytes) with nlohmann's parser, with the store's
// DocDecoder (simdjson), and compares with copying an already parsed tree
// (what a document-cache hit costs).
//
// Usage: doc_decode_bench [--iterations N]   (default 200000)
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "store/sqlite/doc_decode.h"

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Mean microseconds per call of `op` over `n` calls (after n/10 warm-up).
double MeanMicros(int n, const std::function<size_t()>& op) {
  size_t sink = 0;
  for (int i = 0; i < n / 10; ++i) sink += op();
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) sink += op();
  double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
  if (sink == 42) std::printf(" ");  // keeps the work observable
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 200000;
  if (argc == 3 && std::string(argv[1]) == "--iterations") n = std::stoi(argv[2]);
  const std::string arn = "arn:aws:imagebuilder:us-east-1:111111111111:component/comp-1234/1.3.0/1";
  const Json doc = {{"arn", arn},          {"name", "comp-1234"},  {"version", "1.3.0"},
                    {"platform", "Linux"}, {"type", "BUILD"},      {"owner", "111111111111"},
                    {"state", {{"status", "ACTIVE"}}}, {"data", std::string(600, 'x')},
                    {"tags", Json::object()}};
  const std::string text = doc.dump();
  kiln::store::sqlite::DocDecoder decoder;
  if (decoder.Decode(text) != doc) {
    std::fprintf(stderr, "DocDecoder disagrees with the document\n");
    return 1;
  }
  double parse = MeanMicros(n, [&] {
    return Json::parse(text.begin(), text.end(), nullptr, false).size();
  });
  double decode = MeanMicros(n, [&] { return decoder.Decode(text).size(); });
  double copy = MeanMicros(n, [&] { return Json(doc).size(); });
  std::printf("doc_decode_bench: %zu-byte component document, %d calls each\n", text.size(), n);
  std::printf("%-28s %8.2f us\n", "nlohmann::json::parse", parse);
  std::printf("%-28s %8.2f us  (%.1fx faster than parse)\n", "DocDecoder (simdjson)", decode,
              parse / decode);
  std::printf("%-28s %8.2f us  (a document-cache hit)\n", "copy of a parsed tree", copy);
  return 0;
}
