#include "toe/validator.h"

#include <map>
#include <set>

#include "toe/condition.h"
#include "toe/expression.h"
#include "toe/linux_inputs.h"
#include "toe/loop.h"
#include "toe/registry.h"

namespace kiln::toe {
namespace {

// Position of a step in document order, for "runs later" checks.
struct StepPos {
  size_t phase, step;
};

class Validator {
 public:
  Validator(const Document& doc, Problems* p, const ValidateOptions& o)
      : doc_(doc), problems_(p), options_(o) {
    for (size_t i = 0; i < doc.phases.size(); ++i)
      for (size_t j = 0; j < doc.phases[i].steps.size(); ++j)
        positions_.emplace(doc.phases[i].name + "." + doc.phases[i].steps[j].name, StepPos{i, j});
  }

  void Run() {
    CheckVariables();
    std::set<std::string> phase_names;
    for (size_t i = 0; i < doc_.phases.size(); ++i) {
      const Phase& phase = doc_.phases[i];
      if (!phase.name.empty() && !phase_names.insert(phase.name).second)
        Error(phase.line, phase.name, "", "name", "duplicate phase name (phase names must be unique)");
      std::set<std::string> step_names, loop_names;
      for (size_t j = 0; j < phase.steps.size(); ++j) {
        const Step& step = phase.steps[j];
        if (!step.name.empty() && !step_names.insert(step.name).second)
          Error(step.line, phase.name, step.name, "name", "duplicate step name in this phase");
        if (step.loop && !step.loop->name.empty() && !loop_names.insert(step.loop->name).second)
          Error(step.loop->line, phase.name, step.name, "loop.name",
                "duplicate loop name '" + step.loop->name + "' in this phase");
        CheckStep(phase, step, {i, j});
      }
    }
    bool standard = false;
    for (const Phase& p : doc_.phases)
      standard = standard || p.name == "build" || p.name == "validate" || p.name == "test";
    if (!doc_.phases.empty() && !standard)
      problems_->AddWarning(Where{doc_.source, 0, "", "", "phases"},
                            "no build, validate or test phase; Image Builder runs only those");
  }

 private:
  void Error(int line, const std::string& phase, const std::string& step, const std::string& field,
             const std::string& msg) {
    problems_->Add(Where{doc_.source, line, phase, step, field}, msg);
  }

  void CheckVariables() {
    std::set<std::string> seen;
    auto check = [&](const Variable& v, bool constant) {
      const std::string field = std::string(constant ? "constants." : "parameters.") + v.name;
      if (!ValidVariableName(v.name))
        Error(v.line, "", "", field, "name must be 3 to 128 characters of letters, digits, '-' and '_'");
      if (!seen.insert(v.name).second)
        Error(v.line, "", "", field, "name is already used by another parameter or constant");
      if (v.type != "string") Error(v.line, "", "", field, "type must be 'string', got '" + v.type + "'");
      if (constant && !v.value) Error(v.line, "", "", field, "a constant needs a 'value'");
    };
    for (const Variable& v : doc_.parameters) check(v, false);
    for (const Variable& v : doc_.constants) check(v, true);
  }

  void CheckStep(const Phase& phase, const Step& step, StepPos pos) {
    auto err = [&](const std::string& field, const std::string& msg) {
      Error(step.LineOf(field), phase.name, step.name, field, msg);
    };
    if (step.timeout_seconds == 0 || step.timeout_seconds < -1)
      err("timeoutSeconds", "must be a positive number of seconds or -1 (no timeout), got " +
                                std::to_string(step.timeout_seconds));
    if (step.max_attempts < 1) err("maxAttempts", "must be at least 1, got " + std::to_string(step.max_attempts));
    if (step.action == "ExecuteDocument") {
      if (step.timeout_given && step.timeout_seconds != -1)
        err("timeoutSeconds", "ExecuteDocument steps run without a timeout: leave it out or set -1");
      if (step.max_attempts_given && step.max_attempts != 1)
        err("maxAttempts", "ExecuteDocument steps run once: leave it out or set 1");
    }
    if (step.action == "Reboot" && step.timeout_given)
      problems_->AddWarning(Where{doc_.source, step.LineOf("timeoutSeconds"), phase.name, step.name, "timeoutSeconds"},
                            "a step timeout does not apply to Reboot and is ignored");
    if (!step.action.empty()) CheckModule(phase, step);
    if (step.loop) {
      Status s = CheckLoop(*step.loop);
      if (!s.ok()) Error(step.loop->line, phase.name, step.name, "loop", s.message());
      for (const std::string& item : step.loop->items) CheckRefs(item, phase, step, pos, "loop.forEach");
      CheckRefs(step.loop->list, phase, step, pos, "loop.forEach.list");
    }
    if (step.condition) {
      Status s = CheckCondition(*step.condition, true);
      if (!s.ok()) err("if", s.message());
      CheckRefsJson(*step.condition, phase, step, pos, "if");
    }
    if (!step.inputs.is_null()) CheckRefsJson(step.inputs, phase, step, pos, "inputs");
  }

  void CheckModule(const Phase& phase, const Step& step) {
    auto err = [&](const std::string& field, const std::string& msg) {
      Error(step.LineOf(field), phase.name, step.name, field, msg);
    };
    const ModuleInfo* info = FindModuleInfo(step.action);
    if (!info) {
      err("action", "unknown action module '" + step.action + "'");
      return;
    }
    unsigned here = options_.platform ? options_.platform : static_cast<unsigned>(CurrentPlatform());
    if (!(info->platforms & here)) {
      err("action", "action module '" + step.action + "' is supported on " + PlatformNames(info->platforms) +
                        " only, not on " + PlatformNames(here));
      return;
    }
    if (!info->impl) {
      if (!options_.require_implementation) return;
      err("action", "action module '" + step.action + "' is not implemented in this build of kiln-toe");
      return;
    }
    const Json inputs = step.inputs.is_null() ? Json::object() : step.inputs;
    Status s = info->impl->Validate(inputs);
    if (s.ok() && !(here & static_cast<unsigned>(Platform::kWindows))) s = CheckInputsForLinux(step.action, inputs);
    if (!s.ok()) err("inputs", step.action + ": " + s.message());
  }

  void CheckRefsJson(const Json& v, const Phase& phase, const Step& step, StepPos pos, const std::string& field) {
    if (v.is_string()) CheckRefs(v.get<std::string>(), phase, step, pos, field);
    else if (v.is_array() || v.is_object())
      for (const Json& item : v) CheckRefsJson(item, phase, step, pos, field);
  }

  void CheckRefs(const std::string& s, const Phase& phase, const Step& step, StepPos pos, const std::string& field) {
    for (const Reference& ref : FindReferences(s)) {
      ParsedRef p = ParseRef(ref.expr);
      const std::string shown = "'{{ " + ref.expr + " }}'";
      auto err = [&](const std::string& msg) { Error(step.LineOf(field.substr(0, field.find('.'))), phase.name, step.name, field, msg); };
      switch (p.kind) {
        case RefKind::kVariable:
          if (!doc_.FindVariable(p.head)) err(shown + " names no parameter or constant declared in this document");
          break;
        case RefKind::kChaining: {
          if (field.rfind("loop.for", 0) == 0 && field != "loop.forEach" && field != "loop.forEach.list") break;
          auto it = positions_.find(p.head + "." + p.step);
          if (it == positions_.end()) {
            err(shown + " refers to step '" + p.step + "' in phase '" + p.head + "', which does not exist");
          } else if (it->second.phase > pos.phase ||
                     (it->second.phase == pos.phase && it->second.step >= pos.step)) {
            err(shown + " refers to step '" + p.head + "." + p.step +
                "', which does not run before this step");
          } else if (!p.path.empty() && p.path[0] != '.' && p.path[0] != '[') {
            err(shown + " is not a valid chaining expression");
          }
          break;
        }
        case RefKind::kLoop:
          if (p.head != "loop" && (!step.loop || step.loop->name != p.head) && !doc_.FindPhase(p.head))
            problems_->AddWarning(Where{doc_.source, step.LineOf(field), phase.name, step.name, field},
                                  shown + " names no loop of this step and is kept as written");
          break;
        case RefKind::kSsm:
          problems_->AddWarning(Where{doc_.source, step.LineOf(field), phase.name, step.name, field},
                                shown + ": SSM Parameter Store references are not supported by kiln-toe; "
                                        "the step will fail when it runs");
          break;
        case RefKind::kOther:
          err(shown + " is not a parameter, constant, loop variable or chaining expression "
                      "(phase.step.inputs.<name> / phase.step.outputs.<name>)");
          break;
      }
    }
  }

  const Document& doc_;
  Problems* problems_;
  ValidateOptions options_;
  std::map<std::string, StepPos> positions_;
};

}  // namespace

bool ValidVariableName(const std::string& n) {
  if (n.size() < 3 || n.size() > 128) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

void ValidateDocument(const Document& doc, Problems* problems, const ValidateOptions& options) {
  Validator(doc, problems, options).Run();
}

Result<Document> LoadAndValidate(const std::string& text, const std::string& source, Problems* problems,
                                 const ValidateOptions& options) {
  KILN_ASSIGN_OR_RETURN(Document doc, ParseDocument(text, source, problems));
  ValidateDocument(doc, problems, options);
  KILN_RETURN_IF_ERROR(problems->ToStatus());
  return doc;
}

}  // namespace kiln::toe
