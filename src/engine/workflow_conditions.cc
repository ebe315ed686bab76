#include "engine/workflow_conditions.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace kiln::engine {
namespace {

const std::vector<std::string> kComparisonOperators = {
    "booleanEquals",         "numberEquals",   "numberGreaterThan",
    "numberGreaterThanEquals", "numberLessThan", "numberLessThanEquals",
    "stringEquals"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsNumberOperator(const std::string& op) { return op.rfind("number", 0) == 0; }

// §3.2 [DECISION]: the documented regex rejects one-digit strings while the
// guide's own example needs them, so the fraction is optional.
std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    static const std::regex kNumber("^-?[0-9]+(\\.[0-9]+)?$");
    const auto& s = v.get_ref<const std::string&>();
    if (std::regex_match(s, kNumber)) return std::strtod(s.c_str(), nullptr);
  }
  return std::nullopt;
}

// Booleans, or the strings "true"/"false" in any case (resolved parameters
// may be strings) [DECISION §3.2].
std::optional<bool> AsBoolean(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = Lower(v.get<std::string>());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

// stringEquals converts non-strings: booleans to true/false, numbers to
// their shortest decimal form.
std::string AsString(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_float()) {
    std::string s = v.dump();  // shortest round-trip form, keeps "5.0"
    return s;
  }
  return v.dump();
}

Status CheckLiteralOperand(const std::string& op, const Json& v, const std::string& where) {
  if (IsDynamicVariable(v)) return ParseVariablePath(v.get<std::string>()).status().Prefixed(where);
  if (IsNumberOperator(op) && !AsNumber(v))
    return Status::Invalid(where + ": " + op + " needs a number (or a numeric string), got " +
                           v.dump());
  if (op == "booleanEquals" && !AsBoolean(v))
    return Status::Invalid(where + ": booleanEquals needs true or false, got " + v.dump());
  if (v.is_object() || v.is_array() || v.is_null())
    return Status::Invalid(where + ": " + op + " needs a scalar operand, got " + v.dump());
  return Status::Ok();
}

Result<Condition> Parse(const Json& node, const std::string& where, int level);

// A `not` child or the parent may be written as a one-element list.
Result<Condition> ParseSingle(const Json& node, const std::string& where, int level) {
  if (node.is_array()) {
    if (node.size() != 1)
      return Status::Invalid(where + ": takes exactly one condition, found " +
                             std::to_string(node.size()));
    return Parse(node[0], where + "[0]", level);
  }
  return Parse(node, where, level);
}

Result<Condition> Parse(const Json& node, const std::string& where, int level) {
  if (level > kMaxConditionDepth)
    return Status::Invalid(where + ": conditions nest at most " +
                           std::to_string(kMaxConditionDepth) + " levels");
  if (!node.is_object() || node.empty())
    return Status::Invalid(where + ": expected a condition (and, or, not or a comparison), got " +
                           node.dump());
  Condition c;
  if (node.size() == 1) {
    const std::string key = node.begin().key();
    const Json& child = node.begin().value();
    if (key == "and" || key == "or") {
      c.kind = key == "and" ? Condition::Kind::kAnd : Condition::Kind::kOr;
      if (!child.is_array() || child.empty() || child.size() > kMaxConditionChildren)
        return Status::Invalid(where + "." + key + ": takes a list of 1 to " +
                               std::to_string(kMaxConditionChildren) + " conditions, found " +
                               (child.is_array() ? std::to_string(child.size()) : child.dump()));
      for (size_t i = 0; i < child.size(); ++i) {
        KILN_ASSIGN_OR_RETURN(Condition sub, Parse(child[i], where + "." + key + "[" +
                                                                 std::to_string(i) + "]",
                                                   level + 1));
        c.children.push_back(std::move(sub));
      }
      return c;
    }
    if (key == "not") {
      c.kind = Condition::Kind::kNot;
      KILN_ASSIGN_OR_RETURN(Condition sub, ParseSingle(child, where + ".not", level + 1));
      c.children.push_back(std::move(sub));
      return c;
    }
    if (IsComparisonOperator(key))
      return Status::Invalid(where + ": comparison '" + key + "' needs a 'value' operand");
    if (key == "value") return Status::Invalid(where + ": 'value' without a comparison operator");
    return Status::Invalid(where + ": unknown statement '" + key +
                           "' (expected and, or, not, booleanEquals, numberEquals, "
                           "numberGreaterThan, numberGreaterThanEquals, numberLessThan, "
                           "numberLessThanEquals or stringEquals)");
  }
  // A comparison: exactly {<operator>: operand, value: operand}.
  if (node.size() != 2 || !node.contains("value")) {
    std::string keys;
    for (auto it = node.begin(); it != node.end(); ++it) keys += (keys.empty() ? "" : ", ") + it.key();
    return Status::Invalid(where + ": only one statement is allowed per level, found keys " + keys);
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == "value") continue;
    if (!IsComparisonOperator(it.key()))
      return Status::Invalid(where + ": unknown comparison operator '" + it.key() + "'");
    c.kind = Condition::Kind::kCompare;
    c.op = it.key();
    c.operand = it.value();
  }
  c.value = node.at("value");
  KILN_RETURN_IF_ERROR(CheckLiteralOperand(c.op, c.operand, where + "." + c.op));
  KILN_RETURN_IF_ERROR(CheckLiteralOperand(c.op, c.value, where + ".value"));
  return c;
}

Result<Json> Operand(const Json& v, const VariableScope& scope) {
  if (IsDynamicVariable(v)) return ResolveVariable(v.get<std::string>(), scope);
  return v;
}

Result<bool> Compare(const Condition& c, const VariableScope& scope) {
  KILN_ASSIGN_OR_RETURN(Json lhs, Operand(c.value, scope));
  KILN_ASSIGN_OR_RETURN(Json rhs, Operand(c.operand, scope));
  if (c.op == "stringEquals") return AsString(lhs) == AsString(rhs);
  if (c.op == "booleanEquals") {
    auto a = AsBoolean(lhs), b = AsBoolean(rhs);
    if (!a || !b)
      return Status::Invalid("booleanEquals: cannot compare " + lhs.dump() + " with " +
                             rhs.dump() + " as booleans");
    return *a == *b;
  }
  auto a = AsNumber(lhs), b = AsNumber(rhs);
  if (!a || !b)
    return Status::Invalid(c.op + ": cannot compare " + lhs.dump() + " with " + rhs.dump() +
                           " as numbers");
  // value <op> operand (§3.2 [DECISION]).
  if (c.op == "numberEquals") return *a == *b;
  if (c.op == "numberGreaterThan") return *a > *b;
  if (c.op == "numberGreaterThanEquals") return *a >= *b;
  if (c.op == "numberLessThan") return *a < *b;
  if (c.op == "numberLessThanEquals") return *a <= *b;
  return Status::Internal("unhandled operator " + c.op);
}

// Case-insensitive object member lookup (system variables).
const Json* FindMember(const Json& obj, const std::string& key, bool ignore_case) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  if (!ignore_case) return nullptr;
  std::string k = Lower(key);
  for (auto i = obj.begin(); i != obj.end(); ++i)
    if (Lower(i.key()) == k) return &i.value();
  return nullptr;
}

Result<Json> ResolveInputValue(const Json& v, const VariableScope& scope);

Result<Json> ResolveInputObject(const Json& inputs, const VariableScope& scope) {
  Json out = Json::object();
  for (auto it = inputs.begin(); it != inputs.end(); ++it) {
    std::string key = it.key();
    bool chained = key.size() > 2 && key.compare(key.size() - 2, 2, ".$") == 0;
    if (chained) key.resize(key.size() - 2);
    KILN_ASSIGN_OR_RETURN(Json value, ResolveInputValue(it.value(), scope));
    out[key] = std::move(value);
  }
  return out;
}

Result<Json> ResolveInputValue(const Json& v, const VariableScope& scope) {
  if (IsDynamicVariable(v)) return ResolveVariable(v.get<std::string>(), scope);
  if (v.is_object()) return ResolveInputObject(v, scope);
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& e : v) {
      KILN_ASSIGN_OR_RETURN(Json r, ResolveInputValue(e, scope));
      out.push_back(std::move(r));
    }
    return out;
  }
  return v;
}

}  // namespace

bool IsComparisonOperator(const std::string& op) {
  return std::find(kComparisonOperators.begin(), kComparisonOperators.end(), op) !=
         kComparisonOperators.end();
}

Result<Condition> ParseCondition(const Json& node) { return ParseSingle(node, "if", 1); }

const std::vector<std::string>& SystemVariableNames() {
  static const std::vector<std::string> kNames = {
      "cloudWatchLogGroup", "cloudWatchLogStream", "collectImageMetadata",
      "collectImageScanFindings", "imageBuildNumber", "imageId", "imageName", "imageType",
      "imageVersionNumber", "instanceProfileName", "platform", "s3Logs", "securityGroups",
      "sourceImageARN", "subnetId", "terminateInstanceOnFailure", "workflowPhase",
      "workingDirectory"};
  return kNames;
}

bool IsDynamicVariable(const Json& s) {
  return s.is_string() && s.get_ref<const std::string&>().rfind("$.", 0) == 0;
}

Result<VariablePath> ParseVariablePath(const std::string& path) {
  auto bad = [&](const std::string& why) {
    return Status::Invalid("dynamic variable '" + path + "': " + why);
  };
  if (path.rfind("$.", 0) != 0) return bad("must start with '$.'");
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 2; i < path.size(); ++i) {
    char ch = path[i];
    if (ch == '.') {
      if (cur.empty()) return bad("empty name at offset " + std::to_string(i));
      parts.push_back(cur);
      cur.clear();
    } else if (ch == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return bad("unclosed '['");
      std::string index = path.substr(i + 1, close - i - 1);
      if (index.empty() || !std::all_of(index.begin(), index.end(), ::isdigit))
        return bad("list index '" + index + "' is not a number");
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
      parts.push_back("[" + index + "]");
      i = close;
      if (i + 1 < path.size() && path[i + 1] == '.') ++i;
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  if (parts.empty()) return bad("names no variable");
  VariablePath p;
  std::string root = parts[0];
  if (Lower(root) == "imagebuilder") root = "imagebuilder";  // the guide writes imageBuilder too
  if (root != "parameters" && root != "stepOutputs" && root != "workflowOutputs" &&
      root != "imagebuilder")
    return bad("unknown node '" + parts[0] +
               "' (expected parameters, stepOutputs, workflowOutputs or imagebuilder)");
  p.root = root;
  p.segments.assign(parts.begin() + 1, parts.end());
  size_t needed = root == "stepOutputs" ? 2 : 1;
  if (p.segments.size() < needed)
    return bad(root == "stepOutputs" ? "expected $.stepOutputs.<step name>.<output name>"
                                     : "expected $." + root + ".<name>");
  if (p.segments[0][0] == '[') return bad("expected a name after '" + root + "'");
  return p;
}

Result<Json> ResolveVariable(const std::string& path, const VariableScope& scope) {
  KILN_ASSIGN_OR_RETURN(VariablePath p, ParseVariablePath(path));
  const Json* cur = nullptr;
  bool ignore_case = false;
  if (p.root == "parameters") cur = &scope.parameters;
  if (p.root == "stepOutputs") cur = &scope.step_outputs;
  if (p.root == "workflowOutputs") cur = &scope.workflow_outputs;
  if (p.root == "imagebuilder") cur = &scope.imagebuilder, ignore_case = true;
  std::string walked = "$." + p.root;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const std::string& seg = p.segments[i];
    if (seg[0] == '[') {
      size_t index = std::stoul(seg.substr(1, seg.size() - 2));
      if (!cur->is_array() || index >= cur->size())
        return Status::Invalid("dynamic variable '" + path + "': " + walked + " has no element " +
                               seg);
      cur = &(*cur)[index];
    } else {
      const Json* next = FindMember(*cur, seg, ignore_case && i == 0);
      if (!next) {
        std::string why = walked + " has no '" + seg + "'";
        if (p.root == "stepOutputs" && i == 0)
          why = "step '" + seg + "' has no outputs (it has not run yet, was skipped, or failed)";
        return Status::Invalid("dynamic variable '" + path + "': " + why);
      }
      cur = next;
    }
    walked += seg[0] == '[' ? seg : "." + seg;
  }
  return *cur;
}

Result<bool> EvaluateCondition(const Condition& c, const VariableScope& scope) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      for (const Condition& sub : c.children) {
        KILN_ASSIGN_OR_RETURN(bool v, EvaluateCondition(sub, scope));
        if (!v) return false;  // short-circuit at the first false
      }
      return true;
    case Condition::Kind::kOr:
      for (const Condition& sub : c.children) {
        KILN_ASSIGN_OR_RETURN(bool v, EvaluateCondition(sub, scope));
        if (v) return true;  // short-circuit at the first true
      }
      return false;
    case Condition::Kind::kNot: {
      KILN_ASSIGN_OR_RETURN(bool v, EvaluateCondition(c.children.at(0), scope));
      return !v;
    }
    case Condition::Kind::kCompare:
      return Compare(c, scope);
  }
  return Status::Internal("unknown condition kind");
}

Result<Json> ResolveStepInputs(const Json& inputs, const VariableScope& scope) {
  if (inputs.is_null()) return Json::object();
  return ResolveInputObject(inputs, scope);
}

}  // namespace kiln::engine
