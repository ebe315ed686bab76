#include "toe/loop.h"

namespace kiln::toe {
namespace {
// A loop this long is a mistake, not a build step; refuse rather than
// exhaust memory.
constexpr int64_t kMaxIterations = 1000000;
}  // namespace

Status CheckLoop(const Loop& loop) {
  if (loop.kind == Loop::Kind::kFor) {
    if (loop.update_by == 0) return Status::Invalid("loop.for.updateBy must not be 0 (the loop would never end)");
    if (loop.start < loop.end && loop.update_by < 0)
      return Status::Invalid("loop.for counts down (updateBy < 0) but start < end: the loop would never end");
    if (loop.start > loop.end && loop.update_by > 0)
      return Status::Invalid("loop.for counts up (updateBy > 0) but start > end: the loop would never end");
    int64_t span = loop.end > loop.start ? loop.end - loop.start : loop.start - loop.end;
    int64_t step = loop.update_by > 0 ? loop.update_by : -loop.update_by;
    if (span / step + 1 > kMaxIterations)
      return Status::Invalid("loop.for has more than " + std::to_string(kMaxIterations) + " iterations");
  } else if (loop.kind == Loop::Kind::kForEachString) {
    static const std::string kAllowed = ".,;:\n\t -_";
    if (loop.delimiter.find("{{") != std::string::npos)
      return Status::Invalid("loop.forEach.delimiter does not accept expressions");
    if (loop.delimiter.size() != 1 || kAllowed.find(loop.delimiter[0]) == std::string::npos)
      return Status::Invalid("loop.forEach.delimiter must be one character of . , ; : \\n \\t space - _");
  } else if (loop.items.empty()) {
    return Status::Invalid("loop.forEach list is empty");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> LoopValues(const Loop& loop, const Scope& scope) {
  KILN_RETURN_IF_ERROR(CheckLoop(loop));
  std::vector<std::string> out;
  switch (loop.kind) {
    case Loop::Kind::kFor:
      for (int64_t v = loop.start; loop.update_by > 0 ? v <= loop.end : v >= loop.end; v += loop.update_by)
        out.push_back(std::to_string(v));
      break;
    case Loop::Kind::kForEachList:
      for (const std::string& item : loop.items) {
        KILN_ASSIGN_OR_RETURN(std::string s, Substitute(item, scope));
        out.push_back(std::move(s));
      }
      break;
    case Loop::Kind::kForEachString: {
      KILN_ASSIGN_OR_RETURN(std::string list, Substitute(loop.list, scope));
      // Go strings.Split semantics: empty items are kept.
      size_t start = 0;
      while (true) {
        size_t d = list.find(loop.delimiter[0], start);
        out.push_back(list.substr(start, d == std::string::npos ? std::string::npos : d - start));
        if (d == std::string::npos) break;
        start = d + 1;
      }
      break;
    }
  }
  return out;
}

}  // namespace kiln::toe
