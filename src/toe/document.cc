#include "toe/document.h"

#include <cerrno>
#include <cstdlib>
#include <set>

#include "common/yaml_tree.h"

namespace kiln::toe {
namespace {

int LineOf(const YamlNode& n) { return n.line; }

std::optional<int64_t> ParseInteger(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

// Context for one document's parse: where problems are reported.
class Parser {
 public:
  Parser(const std::string& source, Problems* problems) : source_(source), problems_(problems) {}

  void Error(int line, const std::string& phase, const std::string& step,
             const std::string& field, const std::string& message) {
    problems_->Add(Where{source_, line, phase, step, field}, message);
  }

  // A scalar (string) value or an error naming the field.
  std::optional<std::string> Scalar(const YamlNode& n, const std::string& phase,
                                    const std::string& step, const std::string& field) {
    if (n.IsScalar()) return n.Scalar();
    Error(LineOf(n), phase, step, field,
          n.IsNull() ? "must not be empty" : "must be a single value, not a list or mapping");
    return std::nullopt;
  }

  // A value that began with "{{" unquoted is read by YAML as a flow mapping
  // whose key is itself a mapping; explain the quoting rule instead.
  bool CheckQuotedReferences(const YamlNode& n, const std::string& phase,
                             const std::string& step, const std::string& field) {
    if (n.IsMap()) {
      for (const auto& kv : n.entries) {
        if (!kv.first.IsScalar()) {
          Error(LineOf(kv.first), phase, step, field,
                "a value that starts with '{{' must be enclosed in quotes");
          return false;
        }
        if (!CheckQuotedReferences(kv.second, phase, step, field)) return false;
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n.items)
        if (!CheckQuotedReferences(item, phase, step, field)) return false;
    }
    return true;
  }

  void ParseVariables(const YamlNode& list, bool constants, Document* doc);
  void ParsePhases(const YamlNode& list, Document* doc);
  void ParseStep(const YamlNode& n, const std::string& phase, Step* step);
  void ParseLoop(const YamlNode& n, const std::string& phase, Step* step);
  void ParseStepInt(const YamlNode& n, const std::string& phase, Step* step,
                    const std::string& field, int64_t* out);

 private:
  std::string source_;
  Problems* problems_;
};

void Parser::ParseVariables(const YamlNode& list, bool constants, Document* doc) {
  const std::string section = constants ? "constants" : "parameters";
  if (!list.IsSequence()) {
    Error(LineOf(list), "", "", section, "must be a list of single-name items");
    return;
  }
  static const std::set<std::string> kAttrs = {"type", "default", "description", "value"};
  for (const auto& item : list.items) {
    Variable v;
    v.line = LineOf(item);
    if (!item.IsMap() || item.size() == 0) {
      Error(v.line, "", "", section, "each item must be a mapping like '- Name: {type: string, ...}'");
      continue;
    }
    YamlNode attrs;
    if (item.size() == 1 && item.entries[0].second.IsMap()) {
      // Nested form: `- Name:` with its attributes indented under it.
      v.name = item.entries[0].first.Scalar();
      attrs = item.entries[0].second;
    } else {
      // Flattened form: `- Name:` followed by attributes at the same indentation.
      std::vector<std::string> names;
      attrs.kind = YamlNode::Kind::kMap;
      for (const auto& kv : item.entries) {
        const std::string key = kv.first.Scalar();
        if (kAttrs.count(key))
          attrs.entries.push_back(kv);
        else
          names.push_back(key);
      }
      if (names.size() != 1) {
        Error(v.line, "", "", section,
              names.empty() ? "item has no name" : "item must declare exactly one name, found " +
                                                       std::to_string(names.size()));
        continue;
      }
      v.name = names[0];
    }
    const std::string field = section + "." + v.name;
    for (const auto& kv : attrs.entries) {
      const std::string key = kv.first.Scalar();
      if (!kAttrs.count(key) || (constants && key == "default") || (!constants && key == "value")) {
        Error(LineOf(kv.first), "", "", field, "unknown attribute '" + key + "'");
        continue;
      }
      auto val = kv.second.IsNull() && key == "default" ? std::optional<std::string>("")
                                                        : Scalar(kv.second, "", "", field + "." + key);
      if (!val) continue;
      if (key == "type") v.type = *val;
      else if (key == "description") v.description = *val;
      else v.value = *val;
    }
    if (!attrs["type"]) Error(v.line, "", "", field, "'type' is required (type: string)");
    (constants ? doc->constants : doc->parameters).push_back(std::move(v));
  }
}

void Parser::ParseStepInt(const YamlNode& n, const std::string& phase, Step* step,
                          const std::string& field, int64_t* out) {
  auto s = Scalar(n, phase, step->name, field);
  if (!s) return;
  auto v = ParseInteger(*s);
  if (!v) {
    Error(LineOf(n), phase, step->name, field,
          "must be an integer, got '" + *s + "'" +
              (s->find("{{") != std::string::npos ? " (expressions are not allowed here)" : ""));
    return;
  }
  *out = *v;
}

void Parser::ParseLoop(const YamlNode& n, const std::string& phase, Step* step) {
  Loop loop;
  loop.line = LineOf(n);
  if (!n.IsMap()) {
    Error(loop.line, phase, step->name, "loop", "must be a mapping with 'for' or 'forEach'");
    return;
  }
  bool has_for = false, has_for_each = false, ok = true;
  for (const auto& kv : n.entries) {
    const std::string key = kv.first.Scalar();
    const int line = LineOf(kv.first);
    if (key == "name") {
      if (auto s = Scalar(kv.second, phase, step->name, "loop.name")) loop.name = *s;
    } else if (key == "for") {
      has_for = true;
      loop.kind = Loop::Kind::kFor;
      if (!kv.second.IsMap()) {
        Error(line, phase, step->name, "loop.for", "must be a mapping with start, end and updateBy");
        ok = false;
        continue;
      }
      for (const char* f : {"start", "end", "updateBy"}) {
        const std::string field = std::string("loop.for.") + f;
        if (!kv.second[f]) {
          Error(line, phase, step->name, field, "is required");
          ok = false;
          continue;
        }
        auto s = Scalar(kv.second[f], phase, step->name, field);
        auto v = s ? ParseInteger(*s) : std::nullopt;
        if (!v) {
          if (s) Error(LineOf(kv.second[f]), phase, step->name, field,
                       "must be an integer, got '" + *s + "' (expressions are not allowed here)");
          ok = false;
          continue;
        }
        (std::string(f) == "start" ? loop.start : std::string(f) == "end" ? loop.end : loop.update_by) = *v;
      }
      for (const auto& f : kv.second.entries)
        if (f.first.Scalar() != "start" && f.first.Scalar() != "end" && f.first.Scalar() != "updateBy")
          Error(LineOf(f.first), phase, step->name, "loop.for", "unknown key '" + f.first.Scalar() + "'");
    } else if (key == "forEach") {
      has_for_each = true;
      if (!CheckQuotedReferences(kv.second, phase, step->name, "loop.forEach")) { ok = false; continue; }
      if (kv.second.IsSequence()) {
        loop.kind = Loop::Kind::kForEachList;
        for (const auto& item : kv.second.items)
          if (auto s = Scalar(item, phase, step->name, "loop.forEach")) loop.items.push_back(*s);
          else ok = false;
      } else if (kv.second.IsMap()) {
        loop.kind = Loop::Kind::kForEachString;
        if (!kv.second["list"]) {
          Error(line, phase, step->name, "loop.forEach.list", "is required");
          ok = false;
        } else if (auto s = Scalar(kv.second["list"], phase, step->name, "loop.forEach.list")) {
          loop.list = *s;
        }
        if (kv.second["delimiter"]) {
          if (auto s = Scalar(kv.second["delimiter"], phase, step->name, "loop.forEach.delimiter"))
            loop.delimiter = *s;
        }
        for (const auto& f : kv.second.entries)
          if (f.first.Scalar() != "list" && f.first.Scalar() != "delimiter")
            Error(LineOf(f.first), phase, step->name, "loop.forEach", "unknown key '" + f.first.Scalar() + "'");
      } else {
        Error(line, phase, step->name, "loop.forEach", "must be a list of strings or a mapping with 'list' and 'delimiter'");
        ok = false;
      }
    } else {
      Error(line, phase, step->name, "loop", "unknown key '" + key + "' (expected name, for or forEach)");
      ok = false;
    }
  }
  if (has_for && has_for_each) {
    Error(loop.line, phase, step->name, "loop", "a loop takes exactly one of 'for' and 'forEach', not both");
    ok = false;
  } else if (!has_for && !has_for_each) {
    Error(loop.line, phase, step->name, "loop", "needs 'for' or 'forEach'");
    ok = false;
  }
  if (ok) step->loop = std::move(loop);
}

void Parser::ParseStep(const YamlNode& n, const std::string& phase, Step* step) {
  step->line = LineOf(n);
  if (!n.IsMap()) {
    Error(step->line, phase, "", "steps", "each step must be a mapping");
    return;
  }
  if (n["name"]) {
    if (auto s = Scalar(n["name"], phase, "", "name")) step->name = *s;
  } else {
    Error(step->line, phase, "", "name", "every step needs a name");
  }
  for (const auto& kv : n.entries) {
    const std::string key = kv.first.Scalar();
    const int line = LineOf(kv.first);
    step->field_lines[key] = line;
    if (key == "name") continue;
    if (key == "action") {
      if (auto s = Scalar(kv.second, phase, step->name, key)) step->action = *s;
    } else if (key == "timeoutSeconds") {
      step->timeout_given = true;
      ParseStepInt(kv.second, phase, step, key, &step->timeout_seconds);
    } else if (key == "maxAttempts") {
      step->max_attempts_given = true;
      ParseStepInt(kv.second, phase, step, key, &step->max_attempts);
    } else if (key == "onFailure") {
      auto s = Scalar(kv.second, phase, step->name, key);
      if (!s) continue;
      if (*s == "Abort") step->on_failure = OnFailure::kAbort;
      else if (*s == "Continue") step->on_failure = OnFailure::kContinue;
      else if (*s == "Ignore") step->on_failure = OnFailure::kIgnore;
      else Error(line, phase, step->name, key, "must be Abort, Continue or Ignore, got '" + *s + "'");
    } else if (key == "if") {
      if (CheckQuotedReferences(kv.second, phase, step->name, key)) step->condition = YamlToJson(kv.second);
    } else if (key == "loop") {
      ParseLoop(kv.second, phase, step);
    } else if (key == "inputs") {
      if (CheckQuotedReferences(kv.second, phase, step->name, key)) step->inputs = YamlToJson(kv.second);
    } else {
      Error(line, phase, step->name, key,
            "unknown step field (expected name, action, inputs, timeoutSeconds, onFailure, "
            "maxAttempts, if or loop)");
    }
  }
  if (!n["action"]) Error(step->line, phase, step->name, "action", "every step needs an action");
}

void Parser::ParsePhases(const YamlNode& list, Document* doc) {
  if (!list.IsSequence() || list.size() == 0) {
    Error(LineOf(list), "", "", "phases", "must be a non-empty list of phases");
    return;
  }
  for (const auto& p : list.items) {
    Phase phase;
    phase.line = LineOf(p);
    if (!p.IsMap()) {
      Error(phase.line, "", "", "phases", "each phase must be a mapping with 'name' and 'steps'");
      continue;
    }
    if (p["name"]) {
      if (auto s = Scalar(p["name"], "", "", "name")) phase.name = *s;
    } else {
      Error(phase.line, "", "", "phases", "every phase needs a name");
    }
    for (const auto& kv : p.entries) {
      const std::string key = kv.first.Scalar();
      if (key != "name" && key != "steps")
        Error(LineOf(kv.first), phase.name, "", key, "unknown phase field (expected name and steps)");
    }
    const YamlNode& steps = p["steps"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
      Error(phase.line, phase.name, "", "steps", "every phase needs a non-empty list of steps");
    } else {
      for (const auto& s : steps.items) {
        Step step;
        ParseStep(s, phase.name, &step);
        phase.steps.push_back(std::move(step));
      }
    }
    doc->phases.push_back(std::move(phase));
  }
}

}  // namespace

const char* OnFailureName(OnFailure f) {
  switch (f) {
    case OnFailure::kAbort: return "Abort";
    case OnFailure::kContinue: return "Continue";
    case OnFailure::kIgnore: return "Ignore";
  }
  return "Abort";
}

int Step::LineOf(const std::string& field) const {
  auto it = field_lines.find(field);
  return it == field_lines.end() ? line : it->second;
}

const Phase* Document::FindPhase(const std::string& n) const {
  for (const Phase& p : phases)
    if (p.name == n) return &p;
  return nullptr;
}

const Variable* Document::FindVariable(const std::string& n) const {
  for (const Variable& v : parameters)
    if (v.name == n) return &v;
  for (const Variable& v : constants)
    if (v.name == n) return &v;
  return nullptr;
}

Result<Document> ParseDocument(const std::string& text, const std::string& source,
                               Problems* problems) {
  KILN_ASSIGN_OR_RETURN(YamlNode root, ParseYamlTree(text, source));
  if (!root.IsMap())
    return Status::Invalid(source + ": a component document must be a mapping with schemaVersion and phases");
  Document doc;
  doc.source = source;
  doc.text = text;
  Parser parser(source, problems);
  for (const auto& kv : root.entries) {
    const std::string key = kv.first.Scalar();
    const int line = LineOf(kv.first);
    if (key == "name" || key == "description") {
      if (auto s = parser.Scalar(kv.second, "", "", key)) (key == "name" ? doc.name : doc.description) = *s;
    } else if (key == "schemaVersion") {
      if (auto s = parser.Scalar(kv.second, "", "", key)) {
        doc.schema_version = *s;
        if (*s != "1.0" && *s != "1")
          parser.Error(line, "", "", key, "must be 1.0 (the only schema version), got '" + *s + "'");
      }
    } else if (key == "parameters" || key == "constants") {
      if (!kv.second.IsNull()) parser.ParseVariables(kv.second, key == "constants", &doc);
    } else if (key == "phases") {
      parser.ParsePhases(kv.second, &doc);
    } else {
      parser.Error(line, "", "", key,
                   "unknown top-level field (expected name, description, schemaVersion, "
                   "parameters, constants, phases)");
    }
  }
  if (!root["schemaVersion"]) parser.Error(1, "", "", "schemaVersion", "is required (schemaVersion: 1.0)");
  if (!root["phases"]) parser.Error(1, "", "", "phases", "is required");
  return doc;
}

}  // namespace kiln::toe
