#include "common/semver.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace kiln {
namespace {

std::vector<std::string> SplitDots(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

Result<int64_t> ParseNode(const std::string& node, const char* which, const std::string& text) {
  if (node.empty() || node.size() > 10 ||
      !std::all_of(node.begin(), node.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::Invalid("version '" + text + "': " + which + " node '" + node +
                           "' is not a non-negative integer");
  }
  int64_t v = 0;
  std::from_chars(node.data(), node.data() + node.size(), v);
  if (v > kMaxVersionNode) {
    return Status::Invalid("version '" + text + "': " + which + " node " + node +
                           " is larger than 1073741823");
  }
  return v;
}

constexpr const char* kNodeNames[3] = {"major", "minor", "patch"};

}  // namespace

std::string SemVer::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Result<SemVer> ParseSemVer(const std::string& text) {
  auto nodes = SplitDots(text);
  if (nodes.size() != 3) {
    return Status::Invalid("version '" + text + "' must have the form <major>.<minor>.<patch>");
  }
  int64_t n[3];
  for (int i = 0; i < 3; ++i) {
    KILN_ASSIGN_OR_RETURN(n[i], ParseNode(nodes[i], kNodeNames[i], text));
  }
  return SemVer{n[0], n[1], n[2]};
}

bool VersionPattern::Matches(const SemVer& v) const {
  return (!major || *major == v.major) && (!minor || *minor == v.minor) &&
         (!patch || *patch == v.patch);
}

std::string VersionPattern::ToString() const {
  auto node = [](const std::optional<int64_t>& n) { return n ? std::to_string(*n) : "x"; };
  return node(major) + "." + node(minor) + "." + node(patch);
}

Result<VersionPattern> ParseVersionPattern(const std::string& text) {
  auto nodes = SplitDots(text);
  if (nodes.size() != 3) {
    return Status::Invalid("version '" + text + "' must have the form <major>.<minor>.<patch>");
  }
  std::optional<int64_t> n[3];
  bool wildcard_seen = false;
  for (int i = 0; i < 3; ++i) {
    if (nodes[i] == "x") {
      wildcard_seen = true;
      continue;
    }
    if (wildcard_seen) {
      return Status::Invalid("version '" + text + "': after a wildcard 'x', every node to its " +
                             "right must also be 'x'");
    }
    KILN_ASSIGN_OR_RETURN(n[i], ParseNode(nodes[i], kNodeNames[i], text));
  }
  return VersionPattern{n[0], n[1], n[2]};
}

std::string SemverNumber(const SemVer& v, int64_t build) {
  unsigned __int128 x = (static_cast<unsigned __int128>(v.major) << 90) |
                        (static_cast<unsigned __int128>(v.minor) << 60) |
                        (static_cast<unsigned __int128>(v.patch) << 30) |
                        static_cast<unsigned __int128>(build);
  if (x == 0) return "0";
  std::string out;
  while (x > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(x % 10)));
    x /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace kiln
