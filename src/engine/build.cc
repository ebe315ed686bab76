#include "engine/build.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/time.h"
#include "image/digest.h"
#include "image/registry.h"
#include "instance/mounts.h"
#include "instance/process.h"

namespace kiln::engine {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace fs = std::filesystem;
using Json = nlohmann::json;
using ProgressKind = ProgressEvent::Kind;

namespace {

constexpr const char* kToe = "/opt/kiln/bin/kiln-toe";
constexpr const char* kRunDir = "/opt/kiln/run";    // documents and configs (read-only)
constexpr const char* kLogDir = "/opt/kiln/logs";   // toe logs and state (writable)
constexpr int kMaxReboots = 10;
constexpr int kReasonLines = 15;

// One build's bookkeeping: host directories, progress reporting, and the
// resources to release whatever happens.
class BuildRun {
 public:
  BuildRun(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress)
      : plan_(plan), env_(env), progress_(progress) {}
  ~BuildRun() { Cleanup(); }

  Result<BuildResult> Run() {
    const int64_t start = MonotonicMillis();
    KILN_RETURN_IF_ERROR(Prepare());
    BuildResult result;
    KILN_ASSIGN_OR_RETURN(result.image, Stage("build", [&]() -> Result<image::Image> { return BuildStage(); }));
    image_name_ = result.image.name;  // removed again if a later stage fails
    if (plan_.tests_enabled) {
      KILN_RETURN_IF_ERROR(Stage("test", [&]() -> Result<bool> {
        KILN_RETURN_IF_ERROR(TestStage(result.image));
        return true;
      }).status());
    }
    if (!plan_.outputs.empty()) {
      KILN_ASSIGN_OR_RETURN(result.outputs, Stage("distribute", [&]() -> Result<std::vector<std::string>> {
        return WriteOutputs(result.image);
      }));
    }
    image_name_.clear();  // success: keep the image
    if (env_.keep_logs) result.log_dir = host_dir_ + "/logs";
    result.elapsed_ms = MonotonicMillis() - start;
    return result;
  }

 private:
  // ---- stages --------------------------------------------------------------

  Result<image::Image> BuildStage() {
    KILN_ASSIGN_OR_RETURN(auto instance, Step("LaunchBuildInstance", [&] { return Launch(plan_.parent); }));
    for (size_t i = 0; i < plan_.components.size(); i++) {
      KILN_RETURN_IF_ERROR(Step("ApplyBuildComponents", [&]() -> Result<std::string> {
        KILN_RETURN_IF_ERROR(RunComponent(*instance, plan_.components[i], "build", i, "build,validate",
                                          plan_.build_timeout_ms));
        return plan_.components[i].name + ": build, validate";
      }, plan_.components[i].name).status());
    }
    image::CommitOptions commit;
    commit.name = plan_.name + ":" + plan_.version;
    commit.created_by = "kiln build " + plan_.name + " " + plan_.version;
    for (const auto& c : plan_.components) commit.comment += (commit.comment.empty() ? "" : ", ") + c.name;
    commit.comment = "components: " + commit.comment;
    commit.layer.compression = plan_.compression;
    for (const auto& p : instance->KilnPaths()) commit.layer.exclude.insert(p.substr(1));
    commit.adopt_writable_layer = true;  // the build instance is discarded next
    KILN_ASSIGN_OR_RETURN(image::Image img, Step("CreateOutputImage", [&]() -> Result<image::Image> {
      // "stops the instance, creates an image": the upper dir is quiescent.
      KILN_RETURN_IF_ERROR(instance->Stop());
      if (env_.cancelled()) return Status::Cancelled("build cancelled");
      return env_.store->Commit(plan_.parent, instance->WritableLayer(), commit);
    }));
    image_name_ = img.name;
    KILN_RETURN_IF_ERROR(Step("TerminateBuildInstance", [&]() -> Result<std::string> {
      std::string id = instance->id();
      KILN_RETURN_IF_ERROR(instance->Remove());
      return id;
    }).status());
    return img;
  }

  Status TestStage(const image::Image& img) {
    KILN_ASSIGN_OR_RETURN(auto instance, Step("LaunchTestInstance", [&] { return Launch(img); }));
    size_t n = 0;
    auto run_tests = [&](const std::vector<ComponentRef>& list) -> Status {
      for (const auto& c : list) {
        size_t index = n++;
        KILN_RETURN_IF_ERROR(Step("ApplyTestComponents", [&]() -> Result<std::string> {
          KILN_RETURN_IF_ERROR(RunComponent(*instance, c, "test", index, "test", plan_.test_timeout_ms));
          return c.name + ": test";
        }, c.name).status());
      }
      return Status::Ok();
    };
    KILN_RETURN_IF_ERROR(run_tests(plan_.components));
    KILN_RETURN_IF_ERROR(run_tests(plan_.test_components));
    return Step("TerminateTestInstance", [&]() -> Result<std::string> {
      std::string id = instance->id();
      KILN_RETURN_IF_ERROR(instance->Remove());
      return id;
    }).status();
  }

  Result<std::vector<std::string>> WriteOutputs(const image::Image& img) {
    std::vector<std::string> written;
    for (const auto& out : plan_.outputs) {
      KILN_RETURN_IF_ERROR(Step("WriteOutputs", [&]() -> Result<std::string> {
        KILN_RETURN_IF_ERROR(image::ExportImage(*env_.store, img, out.options));
        written.push_back(out.options.output);
        return out.options.output;
      }).status());
    }
    return written;
  }

  // ---- steps ---------------------------------------------------------------

  Status Prepare() {
    if (!env_.store || !env_.provider) return Status::Internal("build environment incomplete");
    std::error_code ec;
    fs::create_directories(env_.work_dir, ec);
    std::string tmpl = env_.work_dir + "/build-XXXXXX";
    if (ec || !mkdtemp(tmpl.data())) return Status::IOError("create build directory in " + env_.work_dir);
    host_dir_ = tmpl;
    fs::create_directories(host_dir_ + "/run/documents", ec);
    fs::create_directories(host_dir_ + "/logs", ec);
    // Components are copied in: the instance sees exactly what was validated.
    for (auto* list : {&plan_.components, &plan_.test_components}) {
      for (const auto& c : *list) {
        fs::copy_file(c.path, host_dir_ + "/run/documents/" + DocName(c), fs::copy_options::overwrite_existing, ec);
        if (ec) return Status::NotFound("component " + c.name + ": cannot read " + c.path + ": " + ec.message());
      }
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<instance::Instance>> Launch(const image::Image& img) {
    KILN_ASSIGN_OR_RETURN(std::vector<std::string> layers, env_.store->LayerDirs(img));
    instance::LaunchSpec spec;
    spec.layers = layers;
    spec.instance_type = plan_.instance_type;
    spec.network = plan_.network;
    spec.mounts = {{host_dir_ + "/run", kRunDir, true}, {host_dir_ + "/logs", kLogDir, false}};
    KILN_ASSIGN_OR_RETURN(auto inst, env_.provider->Launch(spec));
    return inst;
  }

  std::string DocName(const ComponentRef& c) const {
    // Unique per component, keeping the file name for readable logs.
    return image::DigestOf(c.path).substr(7, 8) + "-" + fs::path(c.path).filename().string();
  }

  // Runs one component's phases with kiln-toe inside the instance, the way
  // ExecuteComponents sends AWSTOE through SSM.
  Status RunComponent(instance::Instance& inst, const ComponentRef& c, const std::string& stage,
                      size_t index, const std::string& wanted, int64_t timeout_ms) {
    // Only the phases the document has: Image Builder runs build and
    // validate (or test) of every component, and most lack some of them.
    KILN_ASSIGN_OR_RETURN(std::string phases, PresentPhases(c, wanted));
    if (phases.empty()) {
      Emit({ProgressKind::kOutput, stage_, step_, c.name, "no " + wanted + " phase: nothing to run", {}, 0});
      return Status::Ok();
    }
    std::string id = stage + "-" + std::to_string(index + 1);
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
    std::string pending;
    req.on_output = [&](Stream, std::string_view data) {
      pending.append(data);
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        Emit({ProgressKind::kOutput, stage_, step_, c.name, pending.substr(0, nl), {}, 0});
        pending.erase(0, nl + 1);
      }
    };
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
  Result<std::string> PresentPhases(const ComponentRef& c, const std::string& wanted) {
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

  // kiln-toe's summary (the JSON object it prints last) names the failed
  // phase and step.
  static std::string FailureMessage(const std::string& out, int exit_code) {
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

  // The run's console.log (the steps' own output), else what toe printed.
  std::string ConsoleLog(const std::string& id, const std::string& fallback) {
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

  template <typename Fn>
  auto Stage(const std::string& name, Fn&& fn) -> decltype(fn()) {
    stage_ = name;
    Emit({ProgressKind::kStageStarted, name, "", "", "", {}, 0});
    const int64_t start = MonotonicMillis();
    auto r = fn();
    Emit({ProgressKind::kStageFinished, name, "", "", "", r.status(), MonotonicMillis() - start});
    if (!r.ok()) return r.status().Prefixed("stage " + name);
    return r;
  }

  // Runs one step; its Result's value is described in the finish event.
  template <typename Fn>
  auto Step(const std::string& name, Fn&& fn, const std::string& component = "") -> decltype(fn()) {
    step_ = name;
    if (env_.cancelled()) return Status::Cancelled("build cancelled before step " + name);
    Emit({ProgressKind::kStepStarted, stage_, name, component, "", {}, 0});
    const int64_t start = MonotonicMillis();
    auto r = fn();
    std::string detail;
    if (r.ok()) detail = Describe(r.value());
    Emit({ProgressKind::kStepFinished, stage_, name, component, detail, r.status(), MonotonicMillis() - start});
    if (!r.ok()) return r.status().Prefixed("step " + name + (component.empty() ? "" : " (component " + component + ")"));
    return r;
  }

  static std::string Describe(const std::string& s) { return s; }
  static std::string Describe(const image::Image& i) { return i.name + " " + i.manifest_digest; }
  static std::string Describe(const std::unique_ptr<instance::Instance>& i) { return i->id(); }

  void Emit(const ProgressEvent& e) {
    if (progress_) progress_(e);
  }

  // Releases what a failed build left: the new image, the host directory.
  // Instances are unique_ptrs and terminate themselves when dropped.
  void Cleanup() {
    if (!image_name_.empty()) (void)env_.store->Remove(image_name_);
    if (!host_dir_.empty() && !env_.keep_logs) (void)RemoveTree(host_dir_);
  }

  const BuildPlan& plan_;
  const BuildEnvironment& env_;
  const ProgressFn& progress_;
  std::string host_dir_, image_name_, stage_, step_;
};

}  // namespace

Result<BuildResult> RunBuild(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress) {
  if (plan.name.empty() || plan.version.empty()) return Status::Invalid("build: the image needs a name and a version");
  KILN_RETURN_IF_ERROR(image::ValidateImageName(plan.name + ":" + plan.version));
  BuildRun run(plan, env, progress);
  return run.Run();
}

Result<image::Image> ResolveParent(image::ImageStore& store, const std::string& ref) {
  if (ref == "busybox") return store.Busybox();
  if (ref.rfind("image:", 0) == 0) return store.Get(ref.substr(6));
  std::string imported = "parent-" + image::DigestOf(ref).substr(7, 16) + ":latest";
  if (ref.rfind("oci:", 0) == 0) {
    std::string rest = ref.substr(4);
    size_t colon = rest.find(':');
    std::string dir = rest.substr(0, colon);
    std::string tag = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (!fs::exists(dir + "/index.json")) return Status::NotFound("parent " + ref + ": " + dir + " is not an OCI image layout");
    return store.ImportOciLayout(dir, tag, imported);
  }
  if (!ref.empty() && ref[0] == '/') {
    if (!fs::is_directory(ref)) return Status::NotFound("parent " + ref + ": no such directory");
    return store.ImportRootfs(ref, imported);
  }
  if (image::LooksLikeRegistryReference(ref)) {  // pulled; layers the store has are not downloaded again
    std::string canonical = image::ImageReference::Parse(ref)->ToString();
    auto pulled = image::PullImage(store, ref, {}, image::ValidateImageName(canonical).ok() ? canonical : imported);
    if (!pulled.ok()) return pulled.status().Prefixed("parent " + ref);
    return pulled->image;
  }
  return Status::Invalid("parent image '" + ref + "' is not one of: busybox, oci:DIR[:TAG], image:NAME, "
                         "/absolute/rootfs/dir, [docker://]HOST/REPO[:TAG|@DIGEST]");
}

}  // namespace kiln::engine
