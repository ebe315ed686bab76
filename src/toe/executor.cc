#include "toe/executor.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/time.h"
#include "toe/condition.h"
#include "toe/document.h"
#include "toe/document_source.h"
#include "toe/expression.h"
#include "toe/linux_inputs.h"
#include "toe/loop.h"
#include "toe/registry.h"
#include "toe/run_log.h"
#include "toe/validator.h"

namespace kiln::toe {
namespace {

using OJson = nlohmann::ordered_json;

constexpr int kMaxNestingDepth = 3;  // ExecuteDocument levels below the top document
constexpr const char* kStateFile = "kiln-toe-state.json";

// A document ready to run: parsed, validated, with its parameter values.
struct LoadedDoc {
  Document doc;
  FetchedDocument source;
  std::vector<NamedValue> parameters;
};

struct Counters {
  int executed = 0, failed = 0, ignored = 0;
  Json ToJson() const { return {{"executed", executed}, {"failed", failed}, {"ignored", ignored}}; }
  void FromJson(const Json& j) {
    executed = j.value("executed", 0);
    failed = j.value("failed", 0);
    ignored = j.value("ignored", 0);
  }
};

// Where to continue after a reboot.
struct Position {
  size_t doc = 0, phase = 0, step = 0;
  Json step_resume;  // {"if": "Execute", "values": [...], "iteration": n, "outputs": {...}} or null
};

enum class StepFlow { kNext, kAbort, kReboot };

std::string Lower(const char* s) {
  std::string r = s;
  if (!r.empty()) r[0] = static_cast<char>(std::tolower(r[0]));
  return r;
}

// Roll-up of child statuses: failed > successWithIgnoredFailure > success.
std::string RollUp(const std::string& current, const std::string& child) {
  if (current == "failed" || child == "failed") return "failed";
  if (current == "successWithIgnoredFailure" || child == "ignoredFailure" ||
      child == "successWithIgnoredFailure")
    return "successWithIgnoredFailure";
  return "success";
}

// Joins outputs key by key with "\n" (loop iterations, awstoe.md §4.1.5).
void MergeOutputs(Json* into, const Json& more) {
  if (!more.is_object()) return;
  for (auto it = more.begin(); it != more.end(); ++it) {
    std::string v = it->is_string() ? it->get<std::string>() : it->dump();
    if (into->contains(it.key())) {
      Json& cur = (*into)[it.key()];
      cur = (cur.is_string() ? cur.get<std::string>() : cur.dump()) + "\n" + v;
    } else {
      (*into)[it.key()] = *it;
    }
  }
}

Json AsList(const Json& v) {
  if (v.is_null()) return Json::array();
  if (v.is_array()) return v;
  return Json::array({v});
}

std::map<std::string, std::string> Variables(const LoadedDoc& ld, const std::vector<NamedValue>& global,
                                             std::string* missing) {
  std::map<std::string, std::string> vars;
  for (const Variable& c : ld.doc.constants) vars[c.name] = c.value.value_or("");
  std::set<std::string> params;
  for (const Variable& p : ld.doc.parameters) {
    params.insert(p.name);
    if (p.value) vars[p.name] = *p.value;
  }
  // Per-document values beat global ones; names the document does not
  // declare as parameters (including constants) are ignored.
  for (const auto* list : {&global, &ld.parameters})
    for (const NamedValue& nv : *list)
      if (params.count(nv.name)) vars[nv.name] = nv.value;
  for (const Variable& p : ld.doc.parameters)
    if (!vars.count(p.name) && missing->empty()) *missing = p.name;
  return vars;
}

class Runner;

// One document being run (top-level or nested through ExecuteDocument).
struct DocRun {
  LoadedDoc* loaded;
  std::map<std::string, std::string> vars;
  StepValues values;  // chaining: "phase.step" -> {inputs, outputs}
  std::set<std::string> phases;  // selected (empty = all)
  int depth = 0;
  std::vector<std::string> chain;  // identities of the documents above, for cycles
  Counters* counters;
  bool nested = false;
};

class Runner {
 public:
  Runner(const RunOptions& opts, RunLog* log) : opts_(opts), log_(log) {}

  // Runs every document from `pos` (the start, or a resume point).
  int RunAll(std::vector<LoadedDoc>& docs, OJson& run, Counters& counters, Position pos, int reboots);

  const Position& reboot_position() const { return reboot_pos_; }
  const Json& chaining() const { return chaining_; }
  const std::vector<StepValues>& doc_values() const { return doc_values_; }
  void set_doc_values(std::vector<StepValues> v) { doc_values_ = std::move(v); }
  void set_chaining(Json c) { chaining_ = std::move(c); }
  const std::string& reboot_step() const { return reboot_step_; }

 private:
  // Returns the document's status; fills `record`.
  StepFlow RunDocument(DocRun& dr, OJson& record, size_t doc_index, const Position* resume);
  StepFlow RunStep(DocRun& dr, const Phase& phase, const Step& step, OJson& record, const Json& resume);
  Result<Json> RunNested(const Json& inputs, const StepContext& parent, DocRun& dr);

  bool Cancelled() const { return opts_.cancelled && opts_.cancelled(); }

  const RunOptions& opts_;
  RunLog* log_;
  Json chaining_ = Json::object();
  std::vector<StepValues> doc_values_;
  int reboots_ = 0;
  Position reboot_pos_;
  std::string reboot_step_;
  size_t cur_doc_ = 0, cur_phase_ = 0, cur_step_ = 0;
};

OJson NewRunRecord(const std::string& id) {
  OJson r;
  r["executionId"] = id;
  r["status"] = "success";
  r["startTime"] = Rfc3339Local(NowMillis());
  r["endTime"] = "";
  r["failureMessage"] = "";
  r["documents"] = OJson::array();
  return r;
}

Json Summary(const OJson& run, const Counters& c, const std::string& log_url) {
  // nlohmann::json sorts keys, which gives the order of the guide's sample.
  return Json{{"executedStepCount", c.executed},
              {"executionId", run.value("executionId", "")},
              {"failedStepCount", c.failed},
              {"failureMessage", run.value("failureMessage", "")},
              {"ignoredFailedStepCount", c.ignored},
              {"logUrl", log_url},
              {"status", run.value("status", "")}};
}

int Runner::RunAll(std::vector<LoadedDoc>& docs, OJson& run, Counters& counters, Position pos, int reboots) {
  reboots_ = reboots;
  if (doc_values_.size() < docs.size()) doc_values_.resize(docs.size());
  std::set<std::string> phases(opts_.phases.begin(), opts_.phases.end());
  for (size_t d = pos.doc; d < docs.size(); ++d) {
    DocRun dr;
    dr.loaded = &docs[d];
    std::string missing;
    dr.vars = Variables(docs[d], opts_.parameters, &missing);
    dr.phases = phases;
    dr.chain = {docs[d].source.identity};
    dr.counters = &counters;
    dr.values = doc_values_[d];
    OJson* record;
    const bool resuming = d == pos.doc && run["documents"].size() > d;
    if (resuming) {
      record = &run["documents"][d];
    } else {
      run["documents"].push_back(OJson::object());
      record = &run["documents"].back();
    }
    StepFlow flow = RunDocument(dr, *record, d, resuming ? &pos : nullptr);
    doc_values_[d] = dr.values;
    run["status"] = RollUp(run["status"], (*record)["status"]);
    if (run["failureMessage"] == "" && (*record)["failureMessage"] != "")
      run["failureMessage"] = (*record)["failureMessage"];
    if (flow == StepFlow::kReboot) return 194;
    if (flow == StepFlow::kAbort) break;
  }
  run["endTime"] = Rfc3339Local(NowMillis());
  return run["status"] == "failed" ? 1 : 0;
}

StepFlow Runner::RunDocument(DocRun& dr, OJson& rec, size_t doc_index, const Position* resume) {
  const Document& doc = dr.loaded->doc;
  if (!resume) {
    rec["name"] = doc.name;
    rec["filePath"] = doc.source;
    rec["status"] = "success";
    rec["description"] = doc.description;
    rec["startTime"] = Rfc3339Local(NowMillis());
    rec["endTime"] = "";
    rec["failureMessage"] = "";
    rec["phases"] = OJson::array();
  }
  log_->Info("document '" + doc.source + "' started (execution depth " + std::to_string(dr.depth) + ")");
  StepFlow flow = StepFlow::kNext;
  size_t phase_start = resume ? resume->phase : 0;
  for (size_t p = phase_start; p < doc.phases.size() && flow == StepFlow::kNext; ++p) {
    const Phase& phase = doc.phases[p];
    if (!dr.phases.empty() && !dr.phases.count(phase.name)) continue;
    OJson* prec = nullptr;
    const bool resuming_phase = resume && p == resume->phase && !rec["phases"].empty() &&
                                rec["phases"].back()["name"] == phase.name;
    if (resuming_phase) {
      prec = &rec["phases"].back();
    } else {
      OJson pr;
      pr["name"] = phase.name;
      pr["status"] = "success";
      pr["startTime"] = Rfc3339Local(NowMillis());
      pr["endTime"] = "";
      pr["failureMessage"] = "";
      pr["steps"] = OJson::array();
      rec["phases"].push_back(std::move(pr));
      prec = &rec["phases"].back();
    }
    log_->Info("phase '" + phase.name + "' started");
    size_t step_start = resuming_phase ? resume->step : 0;
    for (size_t s = step_start; s < phase.steps.size(); ++s) {
      if (Cancelled()) {
        (*prec)["status"] = "failed";
        (*prec)["failureMessage"] = "the run was cancelled";
        flow = StepFlow::kAbort;
        break;
      }
      if (!dr.nested) {
        cur_doc_ = doc_index;
        cur_phase_ = p;
        cur_step_ = s;
      }
      OJson srec;
      Json step_resume = resuming_phase && s == resume->step ? resume->step_resume : Json();
      flow = RunStep(dr, phase, phase.steps[s], srec, step_resume);
      if (flow == StepFlow::kReboot) {
        if (srec.contains("name")) (*prec)["steps"].push_back(srec);  // the Reboot module's step
        break;
      }
      (*prec)["steps"].push_back(srec);
      const std::string st = srec["status"];
      (*prec)["status"] = RollUp((*prec)["status"], st);
      if (st == "failed" && (*prec)["failureMessage"] == "")
        (*prec)["failureMessage"] = "step '" + phase.steps[s].name + "' failed: " + srec["failureMessage"].get<std::string>();
      log_->Flush();
      if (flow == StepFlow::kAbort) break;
    }
    if (flow != StepFlow::kReboot) (*prec)["endTime"] = Rfc3339Local(NowMillis());
    rec["status"] = RollUp(rec["status"], (*prec)["status"]);
    if (rec["failureMessage"] == "" && (*prec)["failureMessage"] != "")
      rec["failureMessage"] = "phase '" + phase.name + "': " + (*prec)["failureMessage"].get<std::string>();
    log_->Info("phase '" + phase.name + "' ended: " + (*prec)["status"].get<std::string>());
  }
  if (flow != StepFlow::kReboot) rec["endTime"] = Rfc3339Local(NowMillis());
  return flow;
}

StepFlow Runner::RunStep(DocRun& dr, const Phase& phase, const Step& step, OJson& rec, const Json& resume) {
  const std::string where = phase.name + "." + step.name;
  const ModuleInfo* info = FindModuleInfo(step.action);
  const Module* module = info ? info->impl : nullptr;
  const int64_t timeout = step.action == "ExecuteDocument" ? -1 : step.timeout_seconds;
  rec["name"] = step.name;
  rec["status"] = "success";
  rec["failureMessage"] = "";
  rec["timeoutSeconds"] = timeout;
  rec["onFailure"] = OnFailureName(step.on_failure);
  rec["maxAttempts"] = step.max_attempts;
  rec["action"] = step.action;
  rec["startTime"] = Rfc3339Local(NowMillis());
  rec["endTime"] = "";
  rec["inputs"] = "[]";
  rec["outputs"] = "[]";
  rec["loop"] = nullptr;
  rec["detailedOutput"] = nullptr;
  log_->Info("step '" + where + "' (" + step.action + ") started");

  Scope scope;
  scope.variables = &dr.vars;
  scope.steps = &dr.values;
  scope.warn = [&](const std::string& m) { log_->Warn("step '" + where + "': " + m); };
  scope.chained = [&](const std::string& e, const std::string& v) { chaining_[e] = v; };

  auto finish = [&](const std::string& status, const std::string& message) {
    rec["status"] = status;
    rec["failureMessage"] = message;
    rec["endTime"] = Rfc3339Local(NowMillis());
    log_->Info("step '" + where + "' ended: " + status + (message.empty() ? "" : " (" + message + ")"));
  };
  auto fail = [&](const std::string& message) -> StepFlow {
    dr.counters->executed++;
    if (step.on_failure == OnFailure::kIgnore) {
      dr.counters->ignored++;
      finish("ignoredFailure", message);
      return StepFlow::kNext;
    }
    dr.counters->failed++;
    finish("failed", message);
    return step.on_failure == OnFailure::kAbort ? StepFlow::kAbort : StepFlow::kNext;
  };

  if (!module) return fail("action module '" + step.action + "' is not available in this build");

  // `if` is evaluated once; after a reboot its remembered result is reused.
  IfAction action = IfAction::kExecute;
  if (resume.is_object() && resume.contains("if")) {
    std::string a = resume["if"];
    action = a == "Skip" ? IfAction::kSkip : a == "Abort" ? IfAction::kAbort : IfAction::kExecute;
  } else if (step.condition) {
    auto cond = SubstituteJson(*step.condition, scope);
    if (!cond.ok()) return fail("if: " + cond.status().message());
    auto r = EvaluateIf(*cond);
    if (!r.ok()) return fail("if: " + r.status().message());
    action = *r;
    log_->Info("step '" + where + "': if chose " + IfActionName(action));
  }
  if (action == IfAction::kSkip) {
    finish("skipped", "");
    return StepFlow::kNext;
  }
  if (action == IfAction::kAbort) return fail("the step's 'if' condition chose Abort");

  // Loop values are computed once when the step starts (kept across reboots).
  std::vector<std::string> values;
  bool looping = step.loop.has_value();
  if (looping) {
    if (resume.is_object() && resume.contains("values")) {
      values = resume["values"].get<std::vector<std::string>>();
    } else {
      auto v = LoopValues(*step.loop, scope);
      if (!v.ok()) return fail("loop: " + v.status().message());
      values = std::move(v).value();
    }
  } else {
    values = {""};
  }

  const Json raw_inputs = step.inputs.is_null() ? Json::object() : step.inputs;
  Json last_inputs;
  Json outputs = Json::object();
  Json detailed;
  std::string failure;
  bool ok = false;
  for (int64_t attempt = 1; attempt <= step.max_attempts && !ok; ++attempt) {
    if (attempt > 1) log_->Info("step '" + where + "': attempt " + std::to_string(attempt) + " of " + std::to_string(step.max_attempts));
    const int64_t start = MonotonicMillis();
    const int64_t deadline = timeout < 0 ? -1 : start + timeout * 1000;
    size_t first = 0;
    outputs = Json::object();
    if (attempt == 1 && resume.is_object() && resume.contains("iteration")) {
      first = resume["iteration"].get<size_t>();
      outputs = resume.value("outputs", Json::object());
    }
    failure.clear();
    ok = true;
    detailed = Json();
    for (size_t i = first; i < values.size(); ++i) {
      LoopVars lv;
      if (looping) {
        lv.name = step.loop->name;
        lv.index = static_cast<int64_t>(i);
        lv.value = values[i];
        scope.loop = &lv;
      }
      if (deadline >= 0 && MonotonicMillis() >= deadline) {
        failure = looping ? "the loop run timed out after " + std::to_string(timeout) + " seconds"
                          : "the step timed out after " + std::to_string(timeout) + " seconds";
        ok = false;
        break;
      }
      auto inputs = SubstituteJson(raw_inputs, scope);
      scope.loop = nullptr;
      if (!inputs.ok()) {
        failure = inputs.status().message();
        ok = false;
        break;
      }
      last_inputs = *inputs;
      // Resolved references may have produced a Windows path (D-toe-13).
      if (Status s = CheckInputsForLinux(step.action, *inputs); !s.ok()) {
        failure = s.message();
        if (looping) failure = "loop iteration " + std::to_string(i) + " failed: " + failure;
        ok = false;
        break;
      }
      StepContext ctx;
      ctx.document_name = dr.loaded->doc.name;
      ctx.phase = phase.name;
      ctx.step = step.name;
      ctx.deadline_ms = deadline;
      ctx.console = &log_->console();
      ctx.cancelled = [this] { return Cancelled(); };
      ctx.work_dir = log_->folder() + "/scripts";
      ctx.document_location = dr.loaded->source.local_dir;
      ctx.execute_document = [this, &dr](const Json& in, const StepContext& parent) {
        return RunNested(in, parent, dr);
      };
      ModuleResult r = module->Execute(*inputs, ctx);
      log_->console().flush();
      if (!r.detailed_output.is_null()) {
        if (detailed.is_null()) detailed = Json::array();
        for (const Json& d : AsList(r.detailed_output)) detailed.push_back(d);
      }
      if (r.reboot_requested) {
        if (dr.nested) {
          failure = "a reboot was requested inside a nested document (ExecuteDocument); kiln-toe does not "
                    "support reboots in nested documents";
          ok = false;
          break;
        }
        if (reboots_ >= opts_.max_reboots) {
          failure = "reboot requested again after " + std::to_string(reboots_) +
                    " reboots in this execution (limit " + std::to_string(opts_.max_reboots) + ")";
          ok = false;
          break;
        }
        const bool reboot_module = step.action == "Reboot";
        if (reboot_module) MergeOutputs(&outputs, r.outputs);
        reboot_step_ = where;
        reboot_pos_.doc = cur_doc_;
        reboot_pos_.phase = cur_phase_;
        reboot_pos_.step = cur_step_;
        reboot_pos_.step_resume = Json();
        if (reboot_module && (!looping || i + 1 == values.size())) {
          // The Reboot step is complete; continue with the next step.
          reboot_pos_.step++;
          dr.counters->executed++;
          rec["inputs"] = AsList(last_inputs).dump();
          rec["outputs"] = outputs.empty() ? "[]" : Json::array({outputs}).dump();
          dr.values[where] = {{"inputs", AsList(last_inputs)}, {"outputs", AsList(outputs)}};
          finish("success", "");
        } else {
          // Execute* modules rerun the same step (same iteration) after the reboot.
          Json sr = {{"if", IfActionName(action)}, {"iteration", reboot_module ? i + 1 : i}, {"outputs", outputs}};
          if (looping) sr["values"] = values;
          reboot_pos_.step_resume = sr;
          rec = OJson();
        }
        log_->Info("step '" + where + "' requested a reboot");
        return StepFlow::kReboot;
      }
      if (!r.status.ok()) {
        failure = r.status.message();
        if (looping) failure = "loop iteration " + std::to_string(i) + " failed: " + failure;
        if (r.status.code() == Code::kTimeout && looping)
          failure = "the loop run timed out after " + std::to_string(timeout) + " seconds";
        ok = false;
        break;
      }
      MergeOutputs(&outputs, r.outputs);
    }
    if (!ok) log_->Warn("step '" + where + "' attempt " + std::to_string(attempt) + " failed: " + failure);
    if (Cancelled()) break;
  }
  rec["inputs"] = AsList(last_inputs).dump();
  rec["outputs"] = outputs.empty() ? "[]" : Json::array({outputs}).dump();
  if (looping) {
    OJson l;
    l["name"] = step.loop->name;
    l["iterations"] = values.size();
    rec["loop"] = l;
  }
  if (!detailed.is_null()) rec["detailedOutput"] = OJson::parse(detailed.dump());
  dr.values[where] = {{"inputs", AsList(last_inputs)}, {"outputs", ok ? AsList(outputs) : Json::array()}};
  if (!ok) return fail(failure);
  dr.counters->executed++;
  finish("success", "");
  return StepFlow::kNext;
}

Result<Json> Runner::RunNested(const Json& inputs, const StepContext& parent, DocRun& dr) {
  if (dr.depth >= kMaxNestingDepth)
    return Status::FailedPrecondition("ExecuteDocument nesting is limited to " + std::to_string(kMaxNestingDepth) +
                                      " levels");
  const std::string location = inputs.value("document", "");
  KILN_ASSIGN_OR_RETURN(FetchedDocument fetched,
                        FetchDocument(location, inputs.value("document-s3-bucket-owner", ""), parent.document_location));
  for (const std::string& id : dr.chain)
    if (id == fetched.identity)
      return Status::FailedPrecondition("cyclic execution detected: '" + location + "' is already running");
  Problems problems;
  auto doc = LoadAndValidate(fetched.text, location, &problems);
  if (!doc.ok()) return doc.status();
  LoadedDoc child{std::move(doc).value(), fetched, {}};
  if (inputs.contains("parameters") && inputs["parameters"].is_array())
    for (const Json& p : inputs["parameters"])
      child.parameters.push_back({p.value("name", ""), p.value("value", "")});
  DocRun cr;
  cr.loaded = &child;
  std::string missing;
  cr.vars = Variables(child, {}, &missing);
  if (!missing.empty())
    return Status::Invalid("document '" + location + "': parameter '" + missing + "' has no default and no value");
  std::string phases = inputs.value("phases", "");
  std::stringstream ss(phases);
  for (std::string p; std::getline(ss, p, ',');)
    if (!p.empty()) cr.phases.insert(p);
  cr.depth = dr.depth + 1;
  cr.chain = dr.chain;
  cr.chain.push_back(fetched.identity);
  Counters counters;
  cr.counters = &counters;
  cr.nested = true;
  OJson run = NewRunRecord(NewExecutionId());
  run["documents"].push_back(OJson::object());
  log_->Info("ExecuteDocument: running '" + location + "' as execution " + run["executionId"].get<std::string>());
  RunDocument(cr, run["documents"][0], 0, nullptr);
  run["status"] = run["documents"][0]["status"];
  run["failureMessage"] = run["documents"][0]["failureMessage"];
  run["endTime"] = Rfc3339Local(NowMillis());
  Json out = Summary(run, counters, "");
  out["detailedOutput"] = Json::array({Json::parse(run.dump())});
  return out;
}

Result<LoadedDoc> LoadOne(const std::string& location, const std::string& owner, Problems* problems) {
  auto fetched = FetchDocument(location, owner);
  if (!fetched.ok()) {
    problems->Add(Where{location, 0, "", "", ""}, fetched.status().message());
    return fetched.status();
  }
  auto doc = ParseDocument(fetched->text, location, problems);
  if (!doc.ok()) {
    problems->Add(Where{}, doc.status().message());
    return doc.status();
  }
  ValidateDocument(*doc, problems);
  return LoadedDoc{std::move(doc).value(), std::move(fetched).value(), {}};
}

Status CheckPhases(const std::vector<std::string>& phases, const std::vector<const Document*>& docs,
                   Problems* problems) {
  for (const std::string& p : phases) {
    bool found = false;
    for (const Document* d : docs) found = found || d->FindPhase(p);
    if (!found)
      problems->Add(Where{"--phases", 0, "", "", ""}, "no document has a phase named '" + p + "'");
  }
  return problems->ToStatus();
}

Result<std::vector<LoadedDoc>> LoadAll(const RunOptions& opts, Problems* problems) {
  std::vector<LoadedDoc> docs;
  for (const DocumentRequest& req : opts.documents) {
    auto d = LoadOne(req.location, opts.document_s3_bucket_owner, problems);
    if (!d.ok()) continue;
    d->parameters = req.parameters;
    docs.push_back(std::move(d).value());
  }
  std::vector<const Document*> ptrs;
  for (const LoadedDoc& d : docs) ptrs.push_back(&d.doc);
  if (problems->empty()) (void)CheckPhases(opts.phases, ptrs, problems);
  for (const LoadedDoc& d : docs) {
    std::string missing;
    Variables(d, opts.parameters, &missing);
    if (!missing.empty())
      problems->Add(Where{d.doc.source, 0, "", "", "parameters." + missing},
                    "parameter has no default value; give one with --parameters " + missing + "=<value>");
  }
  KILN_RETURN_IF_ERROR(problems->ToStatus());
  return docs;
}

std::string BaseName(const std::string& location) {
  size_t slash = location.find_last_of("/:");
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

Json ValuesToJson(const std::vector<StepValues>& v) {
  Json out = Json::array();
  for (const StepValues& sv : v) out.push_back(Json(sv));
  return out;
}

// Writes the state file atomically (temp file + rename).
Status WriteState(const std::string& path, const Json& state) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << state.dump(2);
    out.close();
    if (!out) return Status::IOError("cannot write the state file '" + tmp + "'");
  }
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IOError("cannot write the state file '" + path + "': " + strerror(errno));
  return Status::Ok();
}

Result<Json> ReadState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path);
  try {
    return Json::parse(in);
  } catch (const Json::exception& e) {
    return Status::Invalid("the state file '" + path + "' is damaged (" + e.what() +
                           "); delete it to start a new execution");
  }
}

}  // namespace

Json RunOptions::ToJson() const {
  Json docs = Json::array();
  for (const DocumentRequest& d : documents) {
    Json params = Json::array();
    for (const NamedValue& p : d.parameters) params.push_back({{"name", p.name}, {"value", p.value}});
    docs.push_back({{"path", d.location}, {"parameters", params}});
  }
  Json params = Json::array();
  for (const NamedValue& p : parameters) params.push_back({{"name", p.name}, {"value", p.value}});
  return {{"documents", docs},           {"parameters", params},
          {"phases", phases},            {"executionId", execution_id},
          {"logDirectory", log_directory}, {"stateDirectory", state_directory},
          {"documentS3BucketOwner", document_s3_bucket_owner}, {"maxReboots", max_reboots}};
}

RunOptions RunOptions::FromJson(const Json& j) {
  RunOptions o;
  for (const Json& d : j.value("documents", Json::array())) {
    DocumentRequest r;
    r.location = d.value("path", "");
    for (const Json& p : d.value("parameters", Json::array()))
      r.parameters.push_back({p.value("name", ""), p.value("value", "")});
    o.documents.push_back(r);
  }
  for (const Json& p : j.value("parameters", Json::array()))
    o.parameters.push_back({p.value("name", ""), p.value("value", "")});
  o.phases = j.value("phases", std::vector<std::string>{});
  o.execution_id = j.value("executionId", "");
  o.log_directory = j.value("logDirectory", ".");
  o.state_directory = j.value("stateDirectory", "");
  o.document_s3_bucket_owner = j.value("documentS3BucketOwner", "");
  o.max_reboots = j.value("maxReboots", 10);
  return o;
}

std::string StateFilePath(const RunOptions& o) {
  std::string dir = o.state_directory.empty() ? o.log_directory : o.state_directory;
  if (dir.empty()) dir = ".";
  return dir + "/" + kStateFile;
}

Status ValidateDocuments(const std::vector<std::string>& locations, const std::string& owner,
                         const std::vector<std::string>& phases, Problems* problems) {
  std::vector<LoadedDoc> docs;
  for (const std::string& loc : locations) {
    auto d = LoadOne(loc, owner, problems);
    if (d.ok()) docs.push_back(std::move(d).value());
  }
  std::vector<const Document*> ptrs;
  for (const LoadedDoc& d : docs) ptrs.push_back(&d.doc);
  if (problems->empty()) (void)CheckPhases(phases, ptrs, problems);
  return problems->ToStatus();
}

Result<RunOutcome> ExecuteRun(const RunOptions& given) {
  RunOptions opts = given;
  const std::string state_path = StateFilePath(given);
  Json state;
  bool resumed = false;
  if (access(state_path.c_str(), F_OK) == 0) {
    KILN_ASSIGN_OR_RETURN(state, ReadState(state_path));
    // The pending execution wins over the command line: after a reboot the
    // same command runs again and must continue where it stopped.
    RunOptions saved = RunOptions::FromJson(state["options"]);
    saved.trace = given.trace;
    saved.trace_stream = given.trace_stream;
    saved.cancelled = given.cancelled;
    opts = saved;
    resumed = true;
  }

  std::vector<LoadedDoc> docs;
  if (resumed) {
    // Run the documents exactly as they were read before the reboot.
    size_t i = 0;
    for (const Json& saved : state["documentTexts"]) {
      Problems problems;
      auto doc = LoadAndValidate(saved["text"], saved["location"], &problems);
      if (!doc.ok()) return doc.status();
      FetchedDocument src{saved["text"], saved.value("identity", ""), saved.value("localDir", "")};
      docs.push_back(LoadedDoc{std::move(doc).value(), src, opts.documents.at(i).parameters});
      ++i;
    }
  } else {
    Problems problems;
    KILN_ASSIGN_OR_RETURN(docs, LoadAll(opts, &problems));
  }
  if (opts.execution_id.empty()) opts.execution_id = NewExecutionId();

  std::ostream* echo = opts.trace ? opts.trace_stream : nullptr;
  std::unique_ptr<RunLog> log;
  OJson run;
  Counters counters;
  Position pos;
  int reboots = 0;
  if (resumed) {
    KILN_ASSIGN_OR_RETURN(log, RunLog::Reopen(state["logFolder"], echo));
    run = OJson::parse(state["run"].dump());
    counters.FromJson(state["counters"]);
    pos.doc = state["position"]["doc"];
    pos.phase = state["position"]["phase"];
    pos.step = state["position"]["step"];
    pos.step_resume = state["position"].value("stepResume", Json());
    reboots = state.value("reboots", 0);
    log->Info("resuming execution " + opts.execution_id + " after reboot " + std::to_string(reboots) +
              " from state file " + state_path);
  } else {
    std::string folder = (opts.log_directory.empty() ? "." : opts.log_directory) + "/" +
                         LogFolderName(NowMillis(), opts.execution_id);
    KILN_ASSIGN_OR_RETURN(log, RunLog::Open(folder, echo));
    run = NewRunRecord(opts.execution_id);
    log->Info("execution " + opts.execution_id + " started");
    if (!docs.empty()) KILN_RETURN_IF_ERROR(log->WriteFile("document.yaml", docs[0].source.text));
    for (size_t i = 0; i < docs.size(); ++i)
      KILN_RETURN_IF_ERROR(log->WriteFile(std::to_string(i + 1) + "_" + BaseName(opts.documents[i].location),
                                          docs[i].source.text));
  }

  Runner runner(opts, log.get());
  if (resumed) {
    std::vector<StepValues> values;
    for (const Json& v : state["values"]) values.push_back(v.get<StepValues>());
    runner.set_doc_values(values);
    runner.set_chaining(state.value("chaining", Json::object()));
  }
  int code = runner.RunAll(docs, run, counters, pos, reboots);

  RunOutcome out;
  out.log_folder = log->folder();
  out.resumed = resumed;
  (void)log->WriteFile("chaining.json", runner.chaining().dump(4));
  if (code == 194) {
    Json st;
    st["options"] = opts.ToJson();
    st["options"]["executionId"] = opts.execution_id;
    st["logFolder"] = log->folder();
    st["run"] = Json::parse(run.dump());
    st["counters"] = counters.ToJson();
    const Position& rp = runner.reboot_position();
    st["position"] = {{"doc", rp.doc}, {"phase", rp.phase}, {"step", rp.step}, {"stepResume", rp.step_resume}};
    st["values"] = ValuesToJson(runner.doc_values());
    st["chaining"] = runner.chaining();
    st["reboots"] = reboots + 1;
    Json texts = Json::array();
    for (size_t i = 0; i < docs.size(); ++i)
      texts.push_back({{"location", opts.documents[i].location},
                       {"text", docs[i].source.text},
                       {"identity", docs[i].source.identity},
                       {"localDir", docs[i].source.local_dir}});
    st["documentTexts"] = texts;
    KILN_RETURN_IF_ERROR(WriteState(state_path, st));
    run["status"] = "rebootPending";
    log->Info("step '" + runner.reboot_step() + "' requested a reboot; state saved in " + state_path +
              "; run the same command again after the reboot to continue");
  } else if (resumed) {
    if (unlink(state_path.c_str()) != 0)
      log->Warn("cannot remove the state file " + state_path + ": " + strerror(errno));
  }
  (void)log->WriteFile("detailedoutput.json", run.dump(4));
  log->Info("execution " + opts.execution_id + " ended: " + run["status"].get<std::string>());
  // kiln-toe's own CPU time apart from the steps' processes (bench/toe_bench.sh).
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto ms = [](const timeval& t) { return std::to_string(t.tv_sec * 1000 + t.tv_usec / 1000); };
  log->Info("cpu: kiln-toe user " + ms(self.ru_utime) + " ms, system " + ms(self.ru_stime) +
            " ms; step processes user " + ms(children.ru_utime) + " ms, system " + ms(children.ru_stime) + " ms");
  log->Flush();
  out.summary = Summary(run, counters, log->folder());
  out.exit_code = code;
  return out;
}

}  // namespace kiln::toe
