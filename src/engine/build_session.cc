#include "engine/build_session.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/hash.h"
#include "common/time.h"
#include "engine/sanitize_script.h"
#include "image/digest.h"
#include "instance/mounts.h"
#include "common/process.h"

namespace kiln::engine {
using namespace kiln::host;  // LastLines, Stream
namespace fs = std::filesystem;
using Kind = ProgressEvent::Kind;

namespace {

constexpr const char* kToe = "/opt/kiln/bin/kiln-toe";
constexpr const char* kRunDir = "/opt/kiln/run";    // documents and configs (read-only)
constexpr const char* kLogDir = "/opt/kiln/logs";   // toe logs and state (writable)
constexpr int kMaxReboots = 10;
constexpr int kReasonLines = 15;
constexpr int64_t kReadyTimeoutMs = 60000;

// kiln-toe's summary (the JSON object it prints last) names the failed
// phase and step.
std::string FailureMessage(const std::string& out, int exit_code) {
  size_t brace = out.rfind("\n{");
  brace = brace == std::string::npos ? out.find('{') : brace + 1;
  if (brace != std::string::npos) {
    try {
      Json summary = Json::parse(out.substr(brace));
      std::string m = summary.value("failureMessage", "");
      if (!m.empty()) return m;
    } catch (const std::exception&) {
    }
  }
  return "kiln-toe exited " + std::to_string(exit_code);
}

// The SendCommand-style outputs of the actions that run commands.
Json CommandOutputs(const std::string& output) {
  return {{"runCommandId", RandomUuid()}, {"status", "Success"}, {"output", LastLines(output, 40)}};
}

}  // namespace

BuildSession::BuildSession(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress)
    : plan_(plan), env_(env), progress_(progress) {}

BuildSession::~BuildSession() {
  for (auto& [id, r] : instances_) (void)r.instance->Remove();
  if (!host_dir_.empty() && !env_.keep_logs) (void)RemoveTree(host_dir_);
}

Status BuildSession::Prepare() {
  if (!env_.store || !env_.provider) return Status::Internal("build environment incomplete");
  std::error_code ec;
  fs::create_directories(env_.work_dir, ec);
  std::string tmpl = env_.work_dir + "/build-XXXXXX";
  if (ec || !mkdtemp(tmpl.data())) return Status::IOError("create build directory in " + env_.work_dir);
  host_dir_ = tmpl;
  fs::create_directories(host_dir_ + "/run/documents", ec);
  fs::create_directories(host_dir_ + "/logs", ec);
  if (plan_.container && !plan_.dockerfile_template.empty()) {
    auto t = ParseDockerfileTemplate(plan_.dockerfile_template);
    if (!t.ok()) return t.status().Prefixed("container recipe");
    dockerfile_ = *t;
  }
  // Components are copied in: the instance sees exactly what was validated.
  for (auto* list : {&plan_.components, &plan_.test_components}) {
    for (const auto& c : *list) {
      fs::copy_file(c.path, host_dir_ + "/run/documents/" + DocName(c), fs::copy_options::overwrite_existing, ec);
      if (ec) return Status::NotFound("component " + c.name + ": cannot read " + c.path + ": " + ec.message());
    }
  }
  return Status::Ok();
}

Result<Json> BuildSession::Run(const StepCall& call) {
  step_ = call.step_name;
  if (env_.cancelled()) return Status::Cancelled("build cancelled");
  const std::string& a = call.action;
  if (a == "LaunchInstance") return LaunchInstance(call);
  if (a == "ExecuteComponents") return ExecuteComponents(call);
  if (a == "RunCommand") return RunCommand(call);
  if (a == "CreateImage") return CreateImage(call);
  if (a == "TerminateInstance") return TerminateInstance(call);
  if (a == "WaitForAction") return WaitForAction(call);
  if (a == "CollectImageMetadata") return CollectImageMetadata(call);
  if (a == "SanitizeInstance") return SanitizeInstance(call);
  if (a == "BootstrapInstanceForContainer") return BootstrapInstanceForContainer(call);
  if (a == "CollectImageScanFindings") return CollectImageScanFindings(call);
  if (a == "RunSysPrep")
    return Status::Unimplemented("RunSysPrep runs Sysprep on Windows instances; this build's platform is " +
                                 plan_.platform + " and Kiln's instances are Linux containers");
  return Status::Invalid("unknown step action " + a);
}

Status BuildSession::Rollback(const StepCall& call, const Json& outputs) {
  if (call.action == "LaunchInstance") {
    std::string id = outputs.value("instanceId", "");
    auto it = instances_.find(id);
    if (it == instances_.end()) return Status::Ok();  // already terminated
    if (it->second.build && !plan_.terminate_on_failure) {
      // "keeps the instance if terminateInstanceOnFailure=false"
      Emit(Kind::kOutput, "", "keeping failed build instance " + id + " (terminateInstanceOnFailure=false)");
      return Status::Ok();
    }
    Status s = it->second.instance->Remove();
    instances_.erase(it);
    return s;
  }
  if (call.action == "CollectImageMetadata") {
    // Forget the inventory the step collected.
    packages_ = Json::array();
    os_version_.clear();
  }
  return Status::Ok();
}

// ---- instances ---------------------------------------------------------------

Result<Json> BuildSession::LaunchInstance(const StepCall& call) {
  const std::string wait_for = call.inputs.value("waitFor", "ssmAgent");
  if (wait_for != "ssmAgent") return Status::Invalid("input waitFor: only 'ssmAgent' is supported, got '" + wait_for + "'");
  const bool build = call.workflow_type == WorkflowType::kBuild;
  if (!build && !output_) return Status::FailedPrecondition("no image to test: the build stage created none");
  const image::Image& from = build ? plan_.parent : *output_;
  KILN_ASSIGN_OR_RETURN(std::vector<std::string> layers, env_.store->LayerDirs(from));
  instance::LaunchSpec spec;
  spec.layers = layers;
  spec.instance_type = plan_.instance_type;
  spec.network = plan_.network;
  spec.tags = plan_.instance_tags;
  spec.tags.emplace_back("kiln:image", plan_.image_arn.empty() ? plan_.name + ":" + plan_.version : plan_.image_arn);
  spec.tags.emplace_back("kiln:stage", build ? "build" : "test");
  spec.mounts = {{host_dir_ + "/run", kRunDir, true}, {host_dir_ + "/logs", kLogDir, false}};
  KILN_ASSIGN_OR_RETURN(auto inst, env_.provider->Launch(spec));
  // waitFor ssmAgent: the instance answers commands.
  instance::ExecRequest ping;
  ping.argv = {"/bin/sh", "-c", "true"};
  ping.timeout_ms = std::min(call.timeout_ms, kReadyTimeoutMs);
  KILN_ASSIGN_OR_RETURN(instance::ExecResult r, inst->Exec(ping));
  if (r.timed_out) return Status::Timeout("Step timed out while step is verifying the agent availability on the target instance " + inst->id());
  if (r.exit_code != 0)
    return Status::FailedPrecondition("instance " + inst->id() + " does not run commands (/bin/sh exited " +
                                      std::to_string(r.exit_code) + "): " + LastLines(r.stderr_data, 3));
  std::string id = inst->id();
  instances_[id] = {std::move(inst), build};
  Emit(Kind::kOutput, "", "launched " + id + " from " + from.name);
  return Json{{"instanceId", id}};
}

Result<instance::Instance*> BuildSession::FindInstance(const StepCall& call) {
  std::string id = call.inputs.value("instanceId", "");
  if (id.empty()) return Status::Invalid("input instanceId is required");
  auto it = instances_.find(id);
  if (it == instances_.end())
    return Status::NotFound("instance " + id + " is not running in this build (terminated, or launched elsewhere)");
  return it->second.instance.get();
}

Result<Json> BuildSession::TerminateInstance(const StepCall& call) {
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  std::string id = inst->id();
  KILN_RETURN_IF_ERROR(inst->Remove());
  instances_.erase(id);
  return Json::object();  // TerminateInstance has no outputs
}

std::string BuildSession::KeepForTroubleshooting() {
  std::string kept;
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (it->second.build && it->second.instance->Keep().ok()) {
      kept = it->first;
      it->second.instance.release();  // alive past this session; `kiln instance terminate` ends it
      it = instances_.erase(it);
    } else {
      ++it;
    }
  }
  return kept;
}

// ---- images ------------------------------------------------------------------

Result<image::Image> BuildSession::Snapshot(instance::Instance& inst) {
  image::CommitOptions commit;
  commit.name = plan_.store_name.empty() ? plan_.name + ":" + plan_.version : plan_.store_name;
  commit.created_by = "kiln " + plan_.name + " " + plan_.version + "/" + std::to_string(plan_.build_number);
  for (const auto& c : plan_.components) commit.comment += (commit.comment.empty() ? "" : ", ") + c.name;
  commit.comment = "components: " + commit.comment;
  commit.layer.compression = plan_.compression;
  for (const auto& p : inst.KilnPaths()) commit.layer.exclude.insert(p.substr(1));
  if (docker_state_) commit.config_changes = docker_state_->ConfigChanges();
  // "stops the instance, creates an image": the upper dir is quiescent. The
  // instance runs again afterwards, as an EC2 instance does after CreateImage.
  KILN_RETURN_IF_ERROR(inst.Stop());
  if (env_.cancelled()) return Status::Cancelled("build cancelled");
  if (output_) return Status::FailedPrecondition("this build already created its image " + output_->name);
  KILN_ASSIGN_OR_RETURN(image::Image img, env_.store->Commit(plan_.parent, inst.WritableLayer(), commit));
  output_ = img;
  KILN_RETURN_IF_ERROR(inst.Start());
  return img;
}

Result<Json> BuildSession::CreateImage(const StepCall& call) {
  if (call.workflow_type != WorkflowType::kBuild)
    return Status::FailedPrecondition("CreateImage runs in build workflows only");
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  if (inst->state() != instance::InstanceState::kRunning)
    return Status::FailedPrecondition("instance " + inst->id() + " must be running when CreateImage starts");
  KILN_ASSIGN_OR_RETURN(image::Image img, Snapshot(*inst));
  Emit(Kind::kOutput, "", "image " + img.name + " " + img.manifest_digest);
  return Json{{"imageId", MachineImageId(img)}};
}

Result<image::Image> BuildSession::SnapshotForContainer(const std::string& instance_id) {
  auto it = instances_.find(instance_id);
  if (it == instances_.end())
    return Status::FailedPrecondition("the build workflow left no running instance " + instance_id +
                                      " to make the container image from");
  return Snapshot(*it->second.instance);
}

Result<image::Image> BuildSession::AdoptParentAsOutput() {
  std::string name = plan_.store_name.empty() ? plan_.name + ":" + plan_.version : plan_.store_name;
  KILN_RETURN_IF_ERROR(env_.store->Tag(name, plan_.parent.manifest_digest, plan_.parent.manifest_size));
  KILN_ASSIGN_OR_RETURN(image::Image img, env_.store->Get(name));
  output_ = img;
  return img;
}

void BuildSession::DiscardOutput() {
  if (output_) (void)env_.store->Remove(output_->name);
  output_.reset();
}

// ---- commands ----------------------------------------------------------------

std::function<void(Stream, std::string_view)> BuildSession::OutputLines(const std::string& component) {
  // Chunks end anywhere; a line is emitted once its newline arrived.
  auto pending = std::make_shared<std::string>();
  return [this, component, pending](Stream, std::string_view data) {
    pending->append(data);
    size_t nl;
    while ((nl = pending->find('\n')) != std::string::npos) {
      Emit(Kind::kOutput, component, pending->substr(0, nl));
      pending->erase(0, nl + 1);
    }
  };
}

Result<std::string> BuildSession::Execute(instance::Instance& inst, instance::ExecRequest req,
                                          const std::string& component, const std::string& what) {
  req.cancelled = env_.cancelled;
  req.on_output = OutputLines(component);
  KILN_ASSIGN_OR_RETURN(instance::ExecResult r, inst.Exec(req));
  std::string out = r.stdout_data + r.stderr_data;
  if (r.cancelled) return Status::Cancelled(what + " cancelled");
  if (r.timed_out) return Status::Timeout(what + " timed out after " + std::to_string(req.timeout_ms / 1000) + " s");
  if (r.exit_code != 0)
    return Status::IOError(what + " failed (exit " + std::to_string(r.exit_code) + "); last output:\n" +
                           LastLines(out, kReasonLines));
  return out;
}

Result<std::string> BuildSession::Shell(instance::Instance& inst, const std::string& script, int64_t timeout_ms,
                                        const std::string& what) {
  instance::ExecRequest req;
  req.argv = {"/bin/sh", "-c", script};
  req.timeout_ms = timeout_ms;
  return Execute(inst, std::move(req), "", what);
}

Result<Json> BuildSession::RunCommand(const StepCall& call) {
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  const std::string doc = call.inputs.value("documentName", "");
  // Only the shell-script command document exists off AWS (decision D-engine-8).
  if (doc != "AWS-RunShellScript")
    return Status::Unimplemented("input documentName: SSM document '" + doc +
                                 "' is not available in Kiln; use AWS-RunShellScript");
  Json params = call.inputs.value("parameters", Json::object());
  if (!params.is_object() || !params.contains("commands") || !params["commands"].is_array())
    return Status::Invalid("input parameters.commands: AWS-RunShellScript needs a list of commands");
  std::string script = "set -e\n";
  if (params.contains("workingDirectory") && params["workingDirectory"].is_array() &&
      !params["workingDirectory"].empty())
    script += "cd '" + params["workingDirectory"][0].get<std::string>() + "'\n";
  for (const auto& c : params["commands"]) {
    if (!c.is_string()) return Status::Invalid("input parameters.commands: every command must be a string");
    script += c.get<std::string>() + "\n";
  }
  int64_t timeout = call.timeout_ms;
  if (params.contains("executionTimeout") && params["executionTimeout"].is_array() &&
      !params["executionTimeout"].empty()) {
    timeout = std::min<int64_t>(timeout, std::atoll(params["executionTimeout"][0].get<std::string>().c_str()) * 1000);
  }
  KILN_ASSIGN_OR_RETURN(std::string out, Shell(*inst, script, timeout, "RunCommand " + doc));
  Json lines = Json::array();
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return Json{{"runCommandId", RandomUuid()}, {"status", "Success"}, {"output", lines}};
}

Result<Json> BuildSession::SanitizeInstance(const StepCall& call) {
  if (plan_.container) return Status::FailedPrecondition("SanitizeInstance does not apply to container images");
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  KILN_ASSIGN_OR_RETURN(std::string out,
                        Shell(*inst, SanitizeScript(plan_.working_directory), call.timeout_ms, "sanitize script"));
  return CommandOutputs(out);
}

Result<Json> BuildSession::BootstrapInstanceForContainer(const StepCall& call) {
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  // Kiln makes the container image from the instance's own file system, so
  // nothing (Docker, the AWS CLI) needs installing: the step checks that the
  // instance runs commands (decision D-engine-9).
  KILN_ASSIGN_OR_RETURN(std::string out, Shell(*inst, "echo ready", call.timeout_ms, "bootstrap"));
  return CommandOutputs(out + "Kiln snapshots container instances directly; no Docker install needed\n");
}

Result<Json> BuildSession::CollectImageScanFindings(const StepCall& call) {
  KILN_RETURN_IF_ERROR(FindInstance(call).status());
  return CommandOutputs("no image scanner is configured in Kiln: no findings collected\n");
}

Result<Json> BuildSession::CollectImageMetadata(const StepCall& call) {
  if (call.workflow_type != WorkflowType::kBuild || plan_.container)
    return Status::FailedPrecondition("CollectImageMetadata runs only in build workflows of machine images");
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  // The OS name and the installed packages, from whichever package manager
  // the image has (SSM Inventory's job on EC2).
  static const char* kScript = R"(if [ -r /etc/os-release ]; then . /etc/os-release; fi; echo "os	${PRETTY_NAME:-${NAME:-Linux}}"
if [ -f /var/lib/dpkg/status ] && command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='pkg	${Package}	${Version}\n'
elif [ -d /var/lib/rpm ] && command -v rpm >/dev/null 2>&1; then rpm -qa --qf 'pkg	%{NAME}	%{VERSION}-%{RELEASE}\n'
elif [ -f /lib/apk/db/installed ] && command -v apk >/dev/null 2>&1; then apk info -v | sed 's/^\(.*\)-\([^-]*-r[0-9]*\)$/pkg	\1	\2/'
fi)";
  KILN_ASSIGN_OR_RETURN(std::string out, Shell(*inst, kScript, call.timeout_ms, "inventory collection"));
  std::istringstream in(out);
  Json packages = Json::array();
  std::string os = "Linux";
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string kind, a, b;
    std::getline(fields, kind, '\t');
    std::getline(fields, a, '\t');
    std::getline(fields, b);
    if (kind == "os" && !a.empty()) os = a;
    if (kind == "pkg" && !a.empty()) packages.push_back({{"packageName", a}, {"packageVersion", b}});
  }
  packages_ = packages;
  os_version_ = os;
  return Json{{"osVersion", os}, {"associationId", "kiln-inventory-" + RandomUuid()}};
}

Result<Json> BuildSession::WaitForAction(const StepCall& call) {
  if (!env_.wait_for_action)
    return Status::Unimplemented("WaitForAction needs SendWorkflowStepAction to answer it: run this build "
                                 "through `kiln serve` (CreateImage), not `kiln build`");
  Emit(Kind::kOutput, "", "waiting for SendWorkflowStepAction on " + call.step_execution_id);
  KILN_ASSIGN_OR_RETURN(Json answer, env_.wait_for_action(call));
  if (answer.value("action", "") == "STOP") {
    std::string reason = answer.value("reason", "");
    return Status::FailedPrecondition("stopped by SendWorkflowStepAction" + (reason.empty() ? "" : ": " + reason));
  }
  return Json{{"action", answer.value("action", "RESUME")}, {"reason", answer.value("reason", "")}};
}

// ---- components --------------------------------------------------------------

Result<Json> BuildSession::ExecuteComponents(const StepCall& call) {
  KILN_ASSIGN_OR_RETURN(instance::Instance * inst, FindInstance(call));
  const bool build = call.workflow_type == WorkflowType::kBuild;
  std::vector<const ComponentRef*> list;
  for (const auto& c : plan_.components) list.push_back(&c);
  if (!build)
    for (const auto& c : plan_.test_components) list.push_back(&c);
  const int64_t deadline = MonotonicMillis() + std::min(call.timeout_ms, build ? plan_.build_timeout_ms : plan_.test_timeout_ms);
  std::string summary;
  // A container build runs its Dockerfile template around the components.
  const bool docker = build && dockerfile_ && !docker_state_;
  if (docker) {
    docker_state_.emplace(plan_.parent.config.value("config", Json::object()));
    KILN_RETURN_IF_ERROR(RunInstructions(*inst, dockerfile_->before, deadline));
  }
  for (const ComponentRef* c : list) {
    const std::string id = (build ? "build-" : "test-") + std::to_string(++runs_);
    const int64_t left = deadline - MonotonicMillis();
    if (left <= 0) return Status::Timeout("ExecuteComponents timed out before component " + c->name);
    Emit(Kind::kStepStarted, c->name, "");
    const int64_t start = MonotonicMillis();
    Status s = RunComponent(*inst, *c, id, build ? "build,validate" : "test", left);
    ProgressEvent done{Kind::kStepFinished, stage_, step_, c->name, c->name, s, MonotonicMillis() - start};
    if (progress_) progress_(done);
    if (!s.ok()) return s;
    summary += c->name + ": " + (build ? "build, validate" : "test") + " ok\n";
  }
  if (docker) KILN_RETURN_IF_ERROR(RunInstructions(*inst, dockerfile_->after, deadline));
  return CommandOutputs(summary);
}

// Runs Dockerfile instructions in order: RUN in the instance (with the ENV
// and ARG values so far, in the WORKDIR), the others update the image
// configuration the snapshot writes.
Status BuildSession::RunInstructions(instance::Instance& inst, const std::vector<DockerInstruction>& list,
                                     int64_t deadline) {
  DockerfileState& state = *docker_state_;
  for (const auto& ins : list) {
    KILN_ASSIGN_OR_RETURN(std::vector<std::string> argv, state.Apply(ins));
    const std::string what = "Dockerfile template line " + std::to_string(ins.line) + " (" + ins.keyword + ")";
    if (ins.keyword == "WORKDIR") {
      KILN_RETURN_IF_ERROR(Shell(inst, "mkdir -p '" + state.workdir() + "'", 60000, what).status());
    }
    if (argv.empty()) continue;
    if (!state.user().empty() && state.user() != "root" && state.user() != "0")
      return Status::Unimplemented(what + ": RUN as USER " + state.user() + " is not supported; put USER last");
    instance::ExecRequest req;
    req.argv = argv;
    req.env = state.run_env();
    req.cwd = state.workdir();
    req.timeout_ms = std::max<int64_t>(1, deadline - MonotonicMillis());
    KILN_RETURN_IF_ERROR(Execute(inst, std::move(req), "Dockerfile", what).status());
  }
  return Status::Ok();
}

// Runs one component's phases with kiln-toe inside the instance, the way
// ExecuteComponents sends AWSTOE through SSM.
Status BuildSession::RunComponent(instance::Instance& inst, const ComponentRef& c, const std::string& id,
                                  const std::string& wanted, int64_t timeout_ms) {
  // Only the phases the document has: Image Builder runs build and
  // validate (or test) of every component, and most lack some of them.
  KILN_ASSIGN_OR_RETURN(std::string phases, PresentPhases(c, wanted));
  if (phases.empty()) {
    Emit(Kind::kOutput, c.name, "no " + wanted + " phase: nothing to run");
    return Status::Ok();
  }
  Json params = Json::array();
  for (const auto& [k, v] : c.parameters) params.push_back({{"name", k}, {"value", v}});
  Json config = {{"documents", {{{"path", std::string(kRunDir) + "/documents/" + DocName(c)}, {"parameters", params}}}},
                 {"phases", phases},
                 {"trace", true},  // step output on stdout: streamed with -v, quoted on failure
                 {"executionId", id},
                 {"logDirectory", std::string(kLogDir) + "/" + id},
                 {"stateDirectory", std::string(kLogDir) + "/state/" + id}};
  std::ofstream(host_dir_ + "/run/" + id + ".json") << config.dump(2);
  std::error_code ec;
  fs::create_directories(host_dir_ + "/logs/" + id, ec);

  instance::ExecRequest req;
  req.argv = {kToe, "run", "--config", std::string(kRunDir) + "/" + id + ".json"};
  req.timeout_ms = timeout_ms;
  req.cancelled = env_.cancelled;
  req.on_output = OutputLines(c.name);
  std::string output;
  for (int reboots = 0;; reboots++) {
    KILN_ASSIGN_OR_RETURN(instance::ExecResult r, inst.Exec(req));
    output += r.stdout_data + r.stderr_data;
    if (r.cancelled) return Status::Cancelled("cancelled while running component " + c.name);
    if (r.timed_out) {
      return Status::Timeout("component " + c.name + " timed out after " + std::to_string(timeout_ms / 1000) +
                             " s; last output:\n" + LastLines(output, kReasonLines));
    }
    if (r.exit_code == 0) return Status::Ok();
    if (r.exit_code == 194 && reboots < kMaxReboots) {
      // A step asked for a reboot: restart the instance on the same disk
      // and run the same command again; kiln-toe resumes from its state.
      KILN_RETURN_IF_ERROR(inst.Stop());
      KILN_RETURN_IF_ERROR(inst.Start());
      continue;
    }
    return Status::IOError("component " + c.name + " (phases " + phases + ") failed: " +
                           FailureMessage(r.stdout_data, r.exit_code) + "\nlast output:\n" +
                           LastLines(ConsoleLog(id, output), kReasonLines));
  }
}

// The phases of `wanted` ("build,validate") that the document defines,
// comma-separated, in the wanted order.
Result<std::string> BuildSession::PresentPhases(const ComponentRef& c, const std::string& wanted) {
  std::set<std::string> present;
  try {
    YAML::Node doc = YAML::LoadFile(c.path);
    for (const auto& p : doc["phases"]) present.insert(p["name"].as<std::string>(""));
  } catch (const std::exception& e) {
    return Status::Invalid("component " + c.path + ": " + e.what());
  }
  std::string out, phase;
  std::istringstream list(wanted);
  while (std::getline(list, phase, ',')) {
    if (present.count(phase)) out += (out.empty() ? "" : ",") + phase;
  }
  return out;
}

std::string BuildSession::DocName(const ComponentRef& c) const {
  // Unique per component, keeping the file name for readable logs.
  return image::DigestOf(c.path).substr(7, 8) + "-" + fs::path(c.path).filename().string();
}

// The run's console.log (the steps' own output), else what toe printed.
std::string BuildSession::ConsoleLog(const std::string& id, const std::string& fallback) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(host_dir_ + "/logs/" + id, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == "console.log") {
      std::ifstream in(it->path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      if (!text.empty()) return text;
    }
  }
  return fallback;
}

void BuildSession::Emit(Kind kind, const std::string& component, const std::string& detail) {
  if (progress_) progress_({kind, stage_, step_, component, detail, {}, 0});
}

}  // namespace kiln::engine
