// Image Builder semantic versions: <major>.<minor>.<patch>[/<build>], each
// node an integer in [0, 2^30-1]; wildcard `x` allowed only in trailing nodes
// of a selection pattern (guide L549-575; resources-api.md §1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace kiln {

inline constexpr int64_t kMaxVersionNode = (1 << 30) - 1;  // 1073741823

struct SemVer {
  int64_t major = 0, minor = 0, patch = 0;
  std::string ToString() const;  // "1.2.3"
  auto operator<=>(const SemVer&) const = default;
};

// A concrete version "N.N.N" as given at create time. Leading zeros are
// accepted (compared numerically). Errors name the bad node.
Result<SemVer> ParseSemVer(const std::string& text);

// A selection pattern: "N.N.N", "N.N.x", "N.x.x" or "x.x.x". `x.2.x` and
// `1.x.8` are errors: once a node is x, every node to its right must be x.
struct VersionPattern {
  std::optional<int64_t> major, minor, patch;  // nullopt = wildcard
  bool Matches(const SemVer& v) const;
  bool IsConcrete() const { return major && minor && patch; }
  std::string ToString() const;
};
Result<VersionPattern> ParseVersionPattern(const std::string& text);

// The 120-bit total order used in notifications (major·2^90 + minor·2^60 +
// patch·2^30 + build), printed in decimal.
std::string SemverNumber(const SemVer& v, int64_t build);

}  // namespace kiln
