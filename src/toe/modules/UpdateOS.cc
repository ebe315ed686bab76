// UpdateOS (awstoe.md §5.30): installs available OS updates with the running
// distribution's package manager (apt-get, dnf, yum or zypper, chosen from
// /etc/os-release), honouring the optional include and exclude lists
// (include minus exclude). Needs root. On Windows it would use Windows
// Update; this Linux build says so if asked to.
#include "toe/modules/update_os.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/process.h"
#include "toe/modules/command_result.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

extern char** environ;

namespace kiln::toe {
namespace update_os {

OsRelease ParseOsRelease(const std::string& text) {
  OsRelease os;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "ID") os.id = value;
    if (key == "ID_LIKE") os.id_like = value;
    if (key == "VERSION_ID") os.version_id = value;
    if (key == "PRETTY_NAME") os.pretty_name = value;
  }
  return os;
}

const char* PackageManagerName(PackageManager pm) {
  switch (pm) {
    case PackageManager::kApt: return "apt-get";
    case PackageManager::kDnf: return "dnf";
    case PackageManager::kYum: return "yum";
    case PackageManager::kZypper: return "zypper";
  }
  return "?";
}

Result<PackageManager> Choose(const OsRelease& os, const std::function<bool(const std::string&)>& on_path) {
  if (os.id == "amzn" && os.version_id.starts_with("2023")) {
    return Status::FailedPrecondition("UpdateOS is not supported on Amazon Linux 2023 (see the UpdateOS documentation)");
  }
  std::string family = " " + os.id + " " + os.id_like + " ";
  auto like = [&](const char* name) { return family.find(std::string(" ") + name + " ") != std::string::npos; };
  std::vector<PackageManager> order;
  if (like("debian") || like("ubuntu")) {
    order = {PackageManager::kApt};
  } else if (like("suse") || like("sles") || like("opensuse") || os.id.starts_with("opensuse")) {
    order = {PackageManager::kZypper};
  } else if (like("rhel") || like("fedora") || like("centos") || like("amzn")) {
    order = {PackageManager::kDnf, PackageManager::kYum};
  } else {
    order = {PackageManager::kApt, PackageManager::kDnf, PackageManager::kYum, PackageManager::kZypper};
  }
  for (PackageManager pm : order) {
    if (on_path(PackageManagerName(pm))) return pm;
  }
  std::string names;
  for (PackageManager pm : order) names += std::string(names.empty() ? "" : " or ") + PackageManagerName(pm);
  return Status::FailedPrecondition("UpdateOS: no package manager found on PATH (looked for " + names + " for " +
                                    (os.pretty_name.empty() ? "this OS" : os.pretty_name) + ")");
}

std::vector<std::string> ParseAptSimulation(const std::string& output) {
  std::vector<std::string> names;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("Inst ")) continue;
    std::string rest = line.substr(5);
    names.push_back(rest.substr(0, rest.find(' ')));
  }
  return names;
}

Result<std::vector<Command>> Plan(PackageManager pm, const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude,
                                  const std::vector<std::string>& apt_upgradable) {
  auto excluded = [&](const std::string& p) { return std::find(exclude.begin(), exclude.end(), p) != exclude.end(); };
  std::vector<std::string> wanted;
  for (const auto& p : include) {
    if (!excluded(p)) wanted.push_back(p);
  }
  bool only_some = !include.empty();
  if (only_some && wanted.empty()) return std::vector<Command>{};  // everything included is excluded
  std::vector<Command> plan;
  switch (pm) {
    case PackageManager::kApt: {
      if (!only_some && !exclude.empty()) {
        for (const auto& p : apt_upgradable) {
          if (!excluded(p)) wanted.push_back(p);
        }
        if (wanted.empty()) return plan;
        only_some = true;
      }
      Command c = {"apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"};
      if (only_some) {
        c.insert(c.end(), {"install", "--only-upgrade"});
        c.insert(c.end(), wanted.begin(), wanted.end());
      } else {
        c.push_back("upgrade");
      }
      plan.push_back(c);
      return plan;
    }
    case PackageManager::kDnf:
    case PackageManager::kYum: {
      Command c = {PackageManagerName(pm), "-y", pm == PackageManager::kDnf ? "upgrade" : "update"};
      c.insert(c.end(), wanted.begin(), wanted.end());
      for (const auto& p : exclude) c.push_back("--exclude=" + p);
      plan.push_back(c);
      return plan;
    }
    case PackageManager::kZypper: {
      if (!exclude.empty() && include.empty()) {
        return Status::Unimplemented("UpdateOS: an exclude list without an include list is not supported with zypper");
      }
      Command c = {"zypper", "--non-interactive", "update"};
      c.insert(c.end(), wanted.begin(), wanted.end());
      plan.push_back(c);
      return plan;
    }
  }
  return plan;
}

}  // namespace update_os

namespace {

bool OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

class UpdateOSModule : public NamedModule {
 public:
  UpdateOSModule() : NamedModule("UpdateOS", static_cast<unsigned>(Platform::kLinux) | kWindowsOnly) {}

  Status Validate(const Json& inputs) const override {
    if (inputs.is_null()) return Status::Ok();  // the guide's examples omit inputs
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"include", "exclude"}));
    KILN_RETURN_IF_ERROR(CheckStringList(inputs, "include", false));
    return CheckStringList(inputs, "exclude", false);
  }

  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult result;
    result.status = Run(inputs, ctx);
    return result;
  }

 private:
  Status Run(const Json& inputs, StepContext& ctx) const {
    using namespace update_os;
    KILN_RETURN_IF_ERROR(Validate(inputs));
    Json in = inputs.is_null() ? Json::object() : inputs;
    KILN_ASSIGN_OR_RETURN(auto include, GetStringList(in, "include", false));
    KILN_ASSIGN_OR_RETURN(auto exclude, GetStringList(in, "exclude", false));
    if (::geteuid() != 0) {
      return Status::PermissionDenied("UpdateOS must run as root (run kiln-toe with sudo)");
    }
    std::ifstream f("/etc/os-release");
    std::stringstream text;
    text << f.rdbuf();
    KILN_ASSIGN_OR_RETURN(PackageManager pm, Choose(ParseOsRelease(text.str()), OnPath));
    if (ctx.console) *ctx.console << "UpdateOS: using " << PackageManagerName(pm) << "\n";

    std::vector<std::string> upgradable;
    if (pm == PackageManager::kApt) {
      KILN_RETURN_IF_ERROR(RunOne({"apt-get", "update"}, ctx, nullptr));
      if (include.empty() && !exclude.empty()) {
        std::string sim;
        KILN_RETURN_IF_ERROR(RunOne({"apt-get", "-s", "upgrade"}, ctx, &sim));
        upgradable = ParseAptSimulation(sim);
      }
    }
    KILN_ASSIGN_OR_RETURN(auto plan, Plan(pm, include, exclude, upgradable));
    if (plan.empty() && ctx.console) *ctx.console << "UpdateOS: nothing to update after applying the exclude list\n";
    for (const Command& c : plan) KILN_RETURN_IF_ERROR(RunOne(c, ctx, nullptr));
    return Status::Ok();
  }

  static Status RunOne(const update_os::Command& argv, StepContext& ctx, std::string* out) {
    host::ProcessSpec spec = StepProcess(argv, ctx, /*stream=*/out == nullptr);
    if (spec.env.empty()) {
      for (char** e = environ; *e; ++e) spec.env.emplace_back(*e);
    }
    spec.env.push_back("DEBIAN_FRONTEND=noninteractive");
    KILN_ASSIGN_OR_RETURN(host::ProcessResult r, host::RunProcess(spec));
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    if (r.timed_out) return Status::Timeout("UpdateOS: '" + cmd + "' did not finish before the step's timeout");
    if (r.cancelled) return Status::Cancelled("UpdateOS: '" + cmd + "' was cancelled");
    if (r.exit_code != 0) {
      return Status::IOError("UpdateOS: '" + cmd + "' failed with exit code " + std::to_string(r.exit_code));
    }
    if (out) *out = r.stdout_data;
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewUpdateOSModule() { return std::make_unique<UpdateOSModule>(); }

}  // namespace kiln::toe
