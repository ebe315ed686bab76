#include "engine/local_build.h"

#include <stdio.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <yaml-cpp/yaml.h>

#include "instance/mounts.h"
#include "common/process.h"
#include "toe/document_source.h"
#include "instance/runc_provider.h"

namespace kiln::engine {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace fs = std::filesystem;

namespace {

class RecipeParser {
 public:
  RecipeParser(std::string base, std::string source) : base_(std::move(base)), source_(std::move(source)) {}

  Result<RecipeFile> Parse(const YAML::Node& root) {
    if (!root.IsMap()) return Err(root, "a recipe must be a mapping of keys (name, version, parentImage, ...)");
    static const std::set<std::string> kKeys = {"name", "version", "description", "parentImage", "instanceType",
                                                "network", "components", "testComponents", "imageTests",
                                                "layerCompression", "outputs"};
    KILN_RETURN_IF_ERROR(CheckKeys(root, kKeys, "recipe"));
    RecipeFile r;
    KILN_ASSIGN_OR_RETURN(r.plan.name, Str(root, "name", true));
    KILN_ASSIGN_OR_RETURN(r.plan.version, Str(root, "version", true));
    KILN_ASSIGN_OR_RETURN(r.parent_ref, Str(root, "parentImage", true));
    if (!r.parent_ref.empty() && r.parent_ref[0] != '/' && r.parent_ref.find(':') == std::string::npos &&
        r.parent_ref != "busybox") {
      r.parent_ref = Abs(r.parent_ref);  // a relative root filesystem directory
    } else if (r.parent_ref.rfind("oci:", 0) == 0 && r.parent_ref.size() > 4 && r.parent_ref[4] != '/') {
      r.parent_ref = "oci:" + Abs(r.parent_ref.substr(4));
    }
    KILN_RETURN_IF_ERROR(CheckVersion(root["version"], r.plan.version));
    KILN_ASSIGN_OR_RETURN(std::string type, Str(root, "instanceType", false));
    if (!type.empty()) r.plan.instance_type = type;
    if (root["network"]) {
      KILN_ASSIGN_OR_RETURN(r.plan.network, Bool(root["network"], "network"));
    }
    KILN_ASSIGN_OR_RETURN(r.plan.components, Components(root["components"], "components"));
    KILN_ASSIGN_OR_RETURN(r.plan.test_components, Components(root["testComponents"], "testComponents"));
    if (r.plan.components.empty()) return Err(root, "recipe needs at least one entry in 'components'");
    if (const YAML::Node& t = root["imageTests"]) {
      KILN_RETURN_IF_ERROR(CheckKeys(t, {"enabled", "timeoutMinutes"}, "imageTests"));
      if (t["enabled"]) {
      KILN_ASSIGN_OR_RETURN(r.plan.tests_enabled, Bool(t["enabled"], "imageTests.enabled"));
    }
      if (t["timeoutMinutes"]) {
        KILN_ASSIGN_OR_RETURN(int64_t m, Int(t["timeoutMinutes"], "imageTests.timeoutMinutes"));
        if (m < 60 || m > 1440) return Err(t["timeoutMinutes"], "imageTests.timeoutMinutes must be 60-1440");
        r.plan.test_timeout_ms = m * 60 * 1000;
      }
    }
    KILN_ASSIGN_OR_RETURN(std::string comp, Str(root, "layerCompression", false));
    if (!comp.empty()) {
      auto c = image::ParseCompression(comp);
      if (!c.ok() || *c == image::Compression::kNone) return Err(root["layerCompression"], "layerCompression must be zstd or gzip");
      r.plan.compression = *c;
    }
    if (const YAML::Node& outs = root["outputs"]) {
      if (!outs.IsSequence()) return Err(outs, "'outputs' must be a list");
      for (const auto& o : outs) {
        KILN_RETURN_IF_ERROR(CheckKeys(o, {"format", "path", "tag", "compression"}, "outputs entry"));
        OutputSpec spec;
        KILN_ASSIGN_OR_RETURN(std::string format, Str(o, "format", true));
        auto f = image::ParseExportFormat(format);
        if (!f.ok()) return Err(o["format"], f.status().message());
        spec.options.format = *f;
        KILN_ASSIGN_OR_RETURN(std::string path, Str(o, "path", true));
        spec.options.output = Abs(path);
        KILN_ASSIGN_OR_RETURN(spec.options.tag, Str(o, "tag", false));
        KILN_ASSIGN_OR_RETURN(std::string oc, Str(o, "compression", false));
        if (!oc.empty()) {
          auto c = image::ParseCompression(oc);
          if (!c.ok()) return Err(o["compression"], c.status().message());
          spec.options.compression = *c;
        }
        r.plan.outputs.push_back(spec);
      }
    }
    return r;
  }

 private:
  Status Err(const YAML::Node& n, const std::string& msg) const {
    return Status::Invalid(source_ + ":" + std::to_string(n.Mark().line + 1) + ": " + msg);
  }
  std::string Abs(const std::string& p) const {
    return fs::path(p).is_absolute() ? p : fs::weakly_canonical(fs::path(base_) / p).string();
  }
  Status CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& what) const {
    if (!map.IsMap()) return Err(map, what + " must be a mapping");
    for (const auto& kv : map) {
      std::string key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return Err(kv.first, "unknown key '" + key + "' in " + what + " (allowed: " + list + ")");
      }
    }
    return Status::Ok();
  }
  Result<std::string> Str(const YAML::Node& map, const std::string& key, bool required) const {
    const YAML::Node n = map[key];
    if (!n) {
      if (required) return Err(map, "missing required key '" + key + "'");
      return std::string();
    }
    if (!n.IsScalar()) return Err(n, "'" + key + "' must be a string");
    return n.as<std::string>();
  }
  Result<bool> Bool(const YAML::Node& n, const std::string& what) const {
    std::string v = n.IsScalar() ? n.as<std::string>() : "";
    if (v == "true") return true;
    if (v == "false") return false;
    return Err(n, "'" + what + "' must be true or false");
  }
  Result<int64_t> Int(const YAML::Node& n, const std::string& what) const {
    try {
      return n.as<int64_t>();
    } catch (const std::exception&) {
      return Err(n, "'" + what + "' must be an integer");
    }
  }
  Status CheckVersion(const YAML::Node& n, const std::string& v) const {
    int parts = 0;
    size_t i = 0;
    while (i < v.size()) {
      size_t j = i;
      while (j < v.size() && isdigit(static_cast<unsigned char>(v[j]))) j++;
      if (j == i) break;
      parts++;
      i = j;
      if (i < v.size() && v[i] == '.') i++;
      else break;
    }
    if (parts != 3 || i != v.size()) return Err(n, "version '" + v + "' must be <major>.<minor>.<patch>, e.g. 1.0.0");
    return Status::Ok();
  }
  Result<std::vector<ComponentRef>> Components(const YAML::Node& list, const std::string& what) const {
    std::vector<ComponentRef> out;
    if (!list) return out;
    if (!list.IsSequence()) return Err(list, "'" + what + "' must be a list");
    for (const auto& item : list) {
      KILN_RETURN_IF_ERROR(CheckKeys(item, {"path", "arn", "name", "parameters"}, what + " entry"));
      ComponentRef c;
      const int given = !!item["path"] + !!item["arn"] + !!item["name"];
      if (given != 1) return Err(item, what + " entry: give exactly one of path, arn (or s3:// URI) or name (a Kiln-managed component)");
      if (item["path"]) {
        KILN_ASSIGN_OR_RETURN(std::string path, Str(item, "path", true));
        if (path.rfind("arn:", 0) == 0 || path.rfind("s3://", 0) == 0) {
          c.source = path;  // fetched before the build (RunLocalBuild)
          c.name = path;
        } else {
          c.path = Abs(path);
          c.name = fs::path(path).filename().string();
          if (!fs::is_regular_file(c.path)) return Err(item["path"], "component document " + c.path + " not found");
        }
      } else if (item["arn"]) {
        KILN_ASSIGN_OR_RETURN(c.source, Str(item, "arn", true));
        if (c.source.rfind("arn:", 0) != 0 && c.source.rfind("s3://", 0) != 0)
          return Err(item["arn"], "'" + c.source + "' is not a component ARN or s3:// URI");
        c.name = c.source;
      } else {
        KILN_ASSIGN_OR_RETURN(std::string name, Str(item, "name", true));
        c.source = "managed:" + name;
        c.name = name;
      }
      if (const YAML::Node& params = item["parameters"]) {
        if (!params.IsSequence()) return Err(params, "'parameters' must be a list of {name, value}");
        for (const auto& p : params) {
          KILN_RETURN_IF_ERROR(CheckKeys(p, {"name", "value"}, "parameter"));
          KILN_ASSIGN_OR_RETURN(std::string name, Str(p, "name", true));
          const YAML::Node v = p["value"];
          if (!v) return Err(p, "parameter '" + name + "' needs a value");
          std::string value;
          if (v.IsScalar()) value = v.as<std::string>();
          else if (v.IsSequence() && v.size() == 1 && v[0].IsScalar()) value = v[0].as<std::string>();
          else return Err(v, "parameter '" + name + "': value must be a string or a list of one string");
          c.parameters.emplace_back(name, value);
        }
      }
      out.push_back(c);
    }
    return out;
  }

  std::string base_, source_;
};

std::string Seconds(int64_t ms) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

// Prints stages and steps as they happen.
ProgressFn TerminalProgress(bool verbose) {
  return [verbose](const ProgressEvent& e) {
    using K = ProgressEvent::Kind;
    switch (e.kind) {
      case K::kStageStarted:
        printf("==> %s stage\n", e.stage.c_str());
        break;
      case K::kStageFinished:
        if (e.status.ok()) printf("    %s stage done (%s)\n", e.stage.c_str(), Seconds(e.elapsed_ms).c_str());
        break;
      case K::kStepStarted:
        if (verbose) printf("    .. %s%s\n", e.step.c_str(), e.component.empty() ? "" : (" " + e.component).c_str());
        break;
      case K::kStepFinished:
        printf("    %-4s %-24s %s (%s)\n", e.status.ok() ? "ok" : "FAIL", e.step.c_str(),
               e.status.ok() ? e.detail.c_str() : e.component.c_str(), Seconds(e.elapsed_ms).c_str());
        break;
      case K::kOutput:
        if (verbose) printf("       | %s\n", e.detail.c_str());
        break;
    }
    fflush(stdout);
  };
}

// Components given by ARN, s3:// URI or managed name become files in `dir`
// (a fresh directory the caller removes), so they are validated and copied
// into instances like local ones.
Status FetchComponents(BuildPlan& plan, const LocalBuildOptions& options, std::string* dir) {
  int n = 0;
  for (auto* list : {&plan.components, &plan.test_components}) {
    for (auto& c : *list) {
      if (c.source.empty()) continue;
      std::string text;
      if (c.source.rfind("managed:", 0) == 0) {
        const std::string name = c.source.substr(8);
        if (!options.managed_component) return Status::Unimplemented("managed components are not available in this build");
        KILN_ASSIGN_OR_RETURN(text, options.managed_component(name));
      } else {
        auto doc = toe::FetchDocument(c.source, "");
        if (!doc.ok()) return doc.status().Prefixed("component " + c.source);
        text = doc->text;
      }
      if (dir->empty()) {
        std::error_code ec;
        fs::create_directories(options.data_dir + "/builds", ec);
        std::string tmpl = options.data_dir + "/builds/components-XXXXXX";
        if (!mkdtemp(tmpl.data())) return Status::IOError("create " + tmpl);
        *dir = tmpl;
      }
      c.path = *dir + "/" + std::to_string(++n) + "-" + fs::path(c.name).filename().string() + ".yml";
      std::ofstream out(c.path);
      out << text;
      if (!out) return Status::IOError("write " + c.path);
    }
  }
  return Status::Ok();
}

Status ValidateComponents(const BuildPlan& plan, const std::string& toe) {
  for (const auto* list : {&plan.components, &plan.test_components}) {
    for (const auto& c : *list) {
      ProcessSpec spec;
      spec.argv = {toe, "validate", "--documents", c.path};
      spec.timeout_ms = 60000;
      KILN_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(spec));
      if (r.exit_code != 0) {
        return Status::Invalid("component " + c.path + " is not a valid document: " +
                               LastLines(r.stderr_data + r.stdout_data, 10));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultDataDir() {
  const char* env = getenv("KILN_DATA_DIR");
  return env && *env ? env : "/var/lib/kiln";
}

Result<RecipeFile> ParseRecipeText(const std::string& text, const std::string& base_dir,
                                   const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(source_name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  try {
    return RecipeParser(base_dir, source_name).Parse(root);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<RecipeFile> ParseRecipeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("recipe " + path + " not found");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::error_code ec;
  std::string base = fs::absolute(path, ec).parent_path().string();
  return ParseRecipeText(text, base, path);
}

int RunLocalBuild(const std::string& recipe_path, const LocalBuildOptions& options) {
  auto recipe = ParseRecipeFile(recipe_path);
  if (!recipe.ok()) {
    fprintf(stderr, "kiln build: %s\n", recipe.status().message().c_str());
    return 2;
  }
  BuildPlan plan = recipe->plan;
  auto fail = [](const Status& s) {
    fprintf(stderr, "\nkiln build: FAILED: %s\n", s.message().c_str());
    return 1;
  };
  if (options.toe_binary.empty() || access(options.toe_binary.c_str(), X_OK) != 0) {
    return fail(Status::NotFound("kiln-toe not found (looked beside kiln and on PATH; build the kiln-toe target "
                                 "or pass --toe PATH)"));
  }
  std::string fetched_dir;
  struct RemoveDir {
    std::string* dir;
    ~RemoveDir() {
      if (!dir->empty()) (void)RemoveTree(*dir);
    }
  } remove_fetched{&fetched_dir};
  Status fetched = FetchComponents(plan, options, &fetched_dir);
  if (!fetched.ok()) {
    fprintf(stderr, "kiln build: %s\n", fetched.message().c_str());
    return 2;
  }
  Status valid = ValidateComponents(plan, options.toe_binary);
  if (!valid.ok()) {
    fprintf(stderr, "kiln build: %s\n", valid.message().c_str());
    return 2;
  }
  // Instances left by a crashed kiln go first.
  auto orphans = instance::RuncProvider::CleanupOrphans(options.data_dir);
  if (orphans.ok() && !orphans->empty()) printf("removed %zu instance(s) left by an earlier run\n", orphans->size());
  auto store = image::ImageStore::Open(options.data_dir);
  if (!store.ok()) return fail(store.status());
  auto provider = instance::RuncProvider::Create({.data_dir = options.data_dir, .toe_binary = options.toe_binary});
  if (!provider.ok()) return fail(provider.status());

  printf("kiln build %s %s (parent %s, %s)\n", plan.name.c_str(), plan.version.c_str(), recipe->parent_ref.c_str(),
         plan.instance_type.c_str());
  auto parent = ResolveParent(*store, recipe->parent_ref);
  if (!parent.ok()) return fail(parent.status());
  plan.parent = *parent;

  BuildEnvironment env;
  env.store = &*store;
  env.provider = provider->get();
  env.work_dir = options.data_dir + "/builds";
  env.keep_logs = options.keep_logs;
  env.cancelled = options.cancelled;
  auto result = RunBuild(plan, env, TerminalProgress(options.verbose));
  if (!result.ok()) return fail(result.status());
  printf("\nimage %s built in %s\n", result->image.name.c_str(), Seconds(result->elapsed_ms).c_str());
  printf("  manifest %s\n", result->image.manifest_digest.c_str());
  printf("  in store  oci:%s:%s\n", store->layout_dir().c_str(), result->image.name.c_str());
  for (size_t i = 0; i < result->outputs.size(); i++) {
    printf("  output    %s\n", result->outputs[i].c_str());
  }
  if (!result->log_dir.empty()) printf("  logs      %s\n", result->log_dir.c_str());
  return 0;
}

}  // namespace kiln::engine
