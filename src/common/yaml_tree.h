// A parsed YAML (or JSON) document as a light tree, built from yaml-cpp's
// event parser. yaml-cpp's YAML::Node graph costs a shared_ptr and a map per
// node; this tree is several times cheaper to build, which is most of the
// time `kiln-toe validate` spends on a large document.
//
// Scalars keep their text exactly as written (after YAML unquoting and
// folding): `0777` stays "0777". Anchors and aliases are resolved by copying.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln {

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  bool defined = true;  // false only for the "missing key" node operator[] returns
  bool quoted = false;  // a scalar written in quotes or as a block (not plain)
  int line = 0;         // 1-based line where the node starts
  int column = 0;       // 1-based
  std::string scalar;
  std::vector<YamlNode> items;                          // kSequence
  std::vector<std::pair<YamlNode, YamlNode>> entries;   // kMap, in document order

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }
  const std::string& Scalar() const { return scalar; }
  size_t size() const { return IsMap() ? entries.size() : IsSequence() ? items.size() : 0; }
  // The value of a map key (first match), or an undefined node.
  const YamlNode& operator[](std::string_view key) const;
  explicit operator bool() const { return defined; }
};

// Parses the first document in `text`. Errors name `what`, line and column.
Result<YamlNode> ParseYamlTree(const std::string& text, const std::string& what);

// Scalars become JSON strings (raw text), null becomes null.
nlohmann::json YamlToJson(const YamlNode& node);

}  // namespace kiln
