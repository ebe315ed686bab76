#include "common/yaml_tree.h"

#include <map>
#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace kiln {
namespace {

// Builds the tree from parser events. Each open container sits on `stack_`
// with the key it is waiting to pair (for maps); finished nodes attach to the
// container below them.
class TreeBuilder : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    Finish(Leaf(m, YamlNode::Kind::kNull, "", false), anchor);
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    YamlNode n = it != anchors_.end() ? it->second : Leaf(m, YamlNode::Kind::kNull, "", false);
    Finish(std::move(n), 0);
  }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // yaml-cpp tags plain scalars "?" and quoted/block scalars "!".
    Finish(Leaf(m, YamlNode::Kind::kScalar, value, tag == "!"), anchor);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(m, YamlNode::Kind::kSequence, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(m, YamlNode::Kind::kMap, anchor);
  }
  void OnMapEnd() override { Close(); }

  YamlNode Take() { return root_ ? std::move(*root_) : YamlNode{}; }

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor;
    std::optional<YamlNode> key;
  };

  static YamlNode Leaf(const YAML::Mark& m, YamlNode::Kind kind, const std::string& v, bool quoted) {
    YamlNode n;
    n.kind = kind;
    n.scalar = v;
    n.quoted = quoted;
    n.line = m.line + 1;
    n.column = m.column + 1;
    return n;
  }
  void Open(const YAML::Mark& m, YamlNode::Kind kind, YAML::anchor_t anchor) {
    stack_.push_back(Frame{Leaf(m, kind, "", false), anchor, std::nullopt});
  }
  void Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Finish(std::move(f.node), f.anchor);
  }
  void Finish(YamlNode n, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = n;
    if (stack_.empty()) {
      if (!root_) root_ = std::move(n);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.IsSequence()) {
      top.node.items.push_back(std::move(n));
    } else if (!top.key) {
      top.key = std::move(n);
    } else {
      top.node.entries.emplace_back(std::move(*top.key), std::move(n));
      top.key.reset();
    }
  }

  std::vector<Frame> stack_;
  std::optional<YamlNode> root_;
  std::map<YAML::anchor_t, YamlNode> anchors_;
};

const YamlNode& Missing() {
  static const YamlNode m = [] {
    YamlNode n;
    n.defined = false;
    return n;
  }();
  return m;
}

}  // namespace

const YamlNode& YamlNode::operator[](std::string_view key) const {
  if (IsMap())
    for (const auto& kv : entries)
      if (kv.first.IsScalar() && kv.first.scalar == key) return kv.second;
  return Missing();
}

Result<YamlNode> ParseYamlTree(const std::string& text, const std::string& what) {
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    TreeBuilder builder;
    parser.HandleNextDocument(builder);
    return builder.Take();
  } catch (const YAML::Exception& e) {
    std::string msg = what;
    if (e.mark.line >= 0) msg += ":" + std::to_string(e.mark.line + 1);
    msg += ": not valid YAML or JSON";
    if (e.mark.column >= 0) msg += " (column " + std::to_string(e.mark.column + 1) + ")";
    return Status::Invalid(msg + ": " + e.msg);
  }
}

nlohmann::json YamlToJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar:
      return node.scalar;
    case YamlNode::Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node.items) out.push_back(YamlToJson(item));
      return out;
    }
    case YamlNode::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node.entries) out[kv.first.scalar] = YamlToJson(kv.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace kiln
