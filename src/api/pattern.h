// A compiled model `pattern` constraint (PCRE2 with JIT when available).
//
// Why not std::regex: libstdc++'s matcher recurses once per input character
// and overflows the stack on inputs of ~100 KB (`[^\x00]+` over a document),
// and it is slow. The model's patterns use lookahead ("^(?!aws:)...") and
// are, as in Smithy, not implicitly anchored: a match anywhere counts.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::api {

class Pattern {
 public:
  static Result<std::unique_ptr<Pattern>> Compile(const std::string& source);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // True when the pattern matches somewhere in `text` (thread-safe). Text
  // that is not valid UTF-8 never matches.
  bool Search(std::string_view text) const;
  const std::string& source() const { return source_; }

 private:
  Pattern() = default;
  std::string source_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace kiln::api
