#include "instance/runc_provider.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/log.h"
#include "instance/instance_types.h"
#include "instance/mounts.h"
#include "instance/runtime_config.h"

namespace kiln::instance {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace fs = std::filesystem;
namespace {

const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/kiln/bin";

// Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. A pid
// plus its start time names one process even after pid reuse.
std::string ProcessStartTime(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; i++) {
    if (i == 22) return field;
  }
  return "";
}

pid_t ParentPid(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// SIGKILLs `root` and all its descendants (host pids).
void KillTree(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      pid_t pid = static_cast<pid_t>(atoi(e->d_name));
      if (pid > 0) children.emplace(ParentPid(pid), pid);
    }
    closedir(d);
  }
  std::vector<pid_t> todo = {root}, all;
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    all.push_back(p);
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) todo.push_back(it->second);
  }
  for (pid_t p : all) kill(p, SIGKILL);
}

Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::trunc);
  out << data;
  out.close();
  if (!out) return Status::IOError("write " + path);
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// rmdir's the per-controller "kiln" cgroup parents runc created under our
// own cgroups, once no instance uses them (rmdir fails while one does).
void RemoveEmptyCgroupParents() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::string mount = ctrls.empty() ? "unified"
                        : ctrls.rfind("name=", 0) == 0 ? ctrls.substr(5) : ctrls;
    size_t comma = mount.find(',');
    if (comma != std::string::npos) mount = mount.substr(0, comma);
    std::string dir = "/sys/fs/cgroup/" + mount + (path == "/" ? "" : path) + "/kiln";
    rmdir(dir.c_str());
  }
}

class RuncInstance : public Instance {
 public:
  RuncInstance(std::string id, std::string dir, std::string runc, std::string runc_root,
               std::vector<std::string> layers, std::vector<std::string> kiln_paths)
      : id_(std::move(id)), dir_(std::move(dir)), runc_(std::move(runc)),
        runc_root_(std::move(runc_root)), layers_(std::move(layers)),
        kiln_paths_(std::move(kiln_paths)) {}
  ~RuncInstance() override {
    if (state_ != InstanceState::kTerminated && !kept_) {
      Status s = Remove();
      if (!s.ok()) log::Error("instance " + id_ + ": " + s.ToString());
    }
  }

  const std::string& id() const override { return id_; }
  InstanceState state() const override { return state_; }
  std::string WritableLayer() const override { return dir_ + "/upper"; }
  std::vector<std::string> KilnPaths() const override { return kiln_paths_; }

  Status Start() override {
    if (state_ == InstanceState::kRunning) return Status::Ok();
    if (state_ == InstanceState::kTerminated) {
      return Status::FailedPrecondition("instance " + id_ + " is terminated");
    }
    KILN_RETURN_IF_ERROR(MountOverlay(layers_, dir_ + "/upper", dir_ + "/work", dir_ + "/rootfs"));
    ProcessSpec spec;
    spec.argv = Runc({"run", "-d", "--bundle", dir_ + "/bundle", id_});
    spec.output_file = dir_ + "/bundle/runc.log";
    spec.timeout_ms = 60000;
    auto r = RunProcess(spec);
    if (!r.ok() || r->exit_code != 0 || r->timed_out) {
      std::string why = r.ok() ? LastLines(ReadFile(spec.output_file), 5) : r.status().ToString();
      (void)ForceDelete();
      (void)Unmount(dir_ + "/rootfs");
      return Status::IOError("instance " + id_ + ": runc run failed: " + why);
    }
    state_ = InstanceState::kRunning;
    return Status::Ok();
  }

  Result<ExecResult> Exec(const ExecRequest& req) override {
    if (state_ != InstanceState::kRunning) {
      return Status::FailedPrecondition("instance " + id_ + " is not running");
    }
    if (req.argv.empty()) return Status::Invalid("exec on " + id_ + ": empty command");
    std::string pid_file = dir_ + "/bundle/exec-" + std::to_string(++exec_count_) + ".pid";
    std::vector<std::string> args = {"exec", "--cwd", req.cwd.empty() ? "/" : req.cwd,
                                     "--pid-file", pid_file};
    for (const auto& e : req.env) {
      args.push_back("--env");
      args.push_back(e);
    }
    args.push_back(id_);
    args.insert(args.end(), req.argv.begin(), req.argv.end());
    ProcessSpec spec;
    spec.argv = Runc(args);
    spec.stdin_data = req.stdin_data;
    spec.timeout_ms = req.timeout_ms;
    spec.on_output = req.on_output;
    spec.cancelled = req.cancelled;
    // runc exec's command lives in the container's cgroup, not in runc's
    // process group: kill it and everything it started, by host pid.
    spec.on_timeout = [pid_file](int) {
      pid_t pid = static_cast<pid_t>(atoi(ReadFile(pid_file).c_str()));
      if (pid > 1) KillTree(pid);
    };
    KILN_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(spec));
    unlink(pid_file.c_str());
    ExecResult out;
    out.exit_code = r.exit_code;
    out.timed_out = r.timed_out;
    out.cancelled = r.cancelled;
    out.stdout_data = std::move(r.stdout_data);
    out.stderr_data = std::move(r.stderr_data);
    return out;
  }

  Status Stop() override {
    if (state_ != InstanceState::kRunning) return Status::Ok();
    KILN_RETURN_IF_ERROR(ForceDelete());
    KILN_RETURN_IF_ERROR(Unmount(dir_ + "/rootfs"));
    state_ = InstanceState::kStopped;
    return Status::Ok();
  }

  Status Keep() override {
    if (state_ == InstanceState::kTerminated) return Status::FailedPrecondition("instance " + id_ + " is terminated");
    KILN_RETURN_IF_ERROR(WriteFile(dir_ + "/owner", std::string(kKeptOwner) + "\n"));
    kept_ = true;
    return Status::Ok();
  }

  Status Remove() override {
    if (state_ == InstanceState::kTerminated) return Status::Ok();
    Status s = ForceDelete();
    if (s.ok()) s = Unmount(dir_ + "/rootfs");
    if (s.ok()) s = RemoveTree(dir_);
    RemoveEmptyCgroupParents();
    if (!s.ok()) return s.Prefixed("terminate " + id_);
    state_ = InstanceState::kTerminated;
    return Status::Ok();
  }

 private:
  std::vector<std::string> Runc(std::vector<std::string> args) const {
    args.insert(args.begin(), {runc_, "--root", runc_root_});
    return args;
  }

  // Kills every process of the container and deletes it from runc's state.
  Status ForceDelete() {
    ProcessSpec spec;
    spec.argv = Runc({"delete", "--force", id_});
    spec.timeout_ms = 30000;
    KILN_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(spec));
    if (r.exit_code != 0 && r.stderr_data.find("does not exist") == std::string::npos) {
      return Status::IOError("runc delete " + id_ + ": " + LastLines(r.stderr_data, 3));
    }
    return Status::Ok();
  }

  std::string id_, dir_, runc_, runc_root_;
  std::vector<std::string> layers_, kiln_paths_;
  bool kept_ = false;
  InstanceState state_ = InstanceState::kStopped;
  int exec_count_ = 0;
};

}  // namespace

std::string NewInstanceId() {
  // arc4random is thread-safe (builds launch instances from several worker
  // threads at once; a shared unlocked generator gave two of them one id).
  static const char* hex = "0123456789abcdef";
  std::string id = "i-";
  for (int i = 0; i < 17; i++) id.push_back(hex[arc4random_uniform(16)]);
  return id;
}

bool IsInstanceId(std::string_view id) {
  if (id.size() != 19 || id.substr(0, 2) != "i-") return false;
  for (char c : id.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string FindHelperBinary(const std::string& name) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir : {self.parent_path(), self.parent_path().parent_path() / "bin"}) {
      if (fs::exists(dir / name, ec)) return (dir / name).string();
    }
  }
  const char* path = getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
  }
  return "";
}

Result<std::unique_ptr<RuncProvider>> RuncProvider::Create(RuncOptions options) {
  if (options.data_dir.empty() || options.data_dir[0] != '/') {
    return Status::Invalid("instance data directory must be an absolute path: '" + options.data_dir + "'");
  }
  if (options.init_binary.empty()) options.init_binary = FindHelperBinary("kiln-init");
  if (options.init_binary.empty() || access(options.init_binary.c_str(), X_OK) != 0) {
    return Status::NotFound("kiln-init not found (looked beside the kiln binary and on PATH)");
  }
  if (!options.toe_binary.empty() && access(options.toe_binary.c_str(), X_OK) != 0) {
    return Status::NotFound("kiln-toe binary '" + options.toe_binary + "' not found");
  }
  if (options.bash_binary.empty() && access("/bin/bash-static", X_OK) == 0) {
    options.bash_binary = "/bin/bash-static";
  }
  std::error_code ec;
  fs::create_directories(options.data_dir + "/instances", ec);
  fs::create_directories(options.data_dir + "/runc", ec);
  if (ec) return Status::IOError("create " + options.data_dir + ": " + ec.message());
  return std::unique_ptr<RuncProvider>(new RuncProvider(std::move(options)));
}

Result<std::unique_ptr<Instance>> RuncProvider::Launch(const LaunchSpec& spec) {
  KILN_ASSIGN_OR_RETURN(InstanceType type, FindInstanceType(spec.instance_type));
  if (spec.layers.empty()) return Status::Invalid("launch: the image has no layers");
  for (const auto& l : spec.layers) {
    if (!fs::is_directory(l)) return Status::NotFound("launch: layer directory " + l + " missing");
  }
  for (const auto& m : spec.mounts) {
    if (m.path.empty() || m.path[0] != '/') {
      return Status::Invalid("launch: mount path '" + m.path + "' must be absolute");
    }
  }
  std::error_code ec;
  fs::create_directories(options_.data_dir + "/instances", ec);
  // The instance directory is created exclusively: an id is never reused.
  std::string id, dir;
  for (int attempt = 0; attempt < 10; attempt++) {
    id = NewInstanceId();
    dir = options_.data_dir + "/instances/" + id;
    if (mkdir(dir.c_str(), 0700) == 0) break;
    if (errno != EEXIST) return Status::IOError("create " + dir + ": " + strerror(errno));
    dir.clear();
  }
  if (dir.empty()) return Status::Internal("launch: no unused instance id");
  for (const char* sub : {"upper", "work", "rootfs", "bundle"}) fs::create_directories(dir + "/" + sub, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());

  RuntimeConfigInput in;
  in.id = id;
  in.rootfs = dir + "/rootfs";
  in.type = type;
  in.network = spec.network;
  in.hostname = spec.hostname.empty() ? id : spec.hostname;
  in.init_args = {std::string(kKilnDir) + "/bin/kiln-init"};
  in.env = {kPath, "HOME=/root", "HOSTNAME=" + in.hostname};
  in.env.insert(in.env.end(), spec.env.begin(), spec.env.end());
  in.mounts.push_back({options_.init_binary, in.init_args[0], true});
  std::vector<std::string> kiln_paths = {kKilnDir};
  if (!options_.toe_binary.empty()) {
    in.mounts.push_back({options_.toe_binary, std::string(kKilnDir) + "/bin/kiln-toe", true});
    in.mounts.push_back({options_.toe_binary, std::string(kKilnDir) + "/bin/awstoe", true});
  }
  if (!options_.bash_binary.empty()) {
    in.mounts.push_back({options_.bash_binary, std::string(kKilnDir) + "/bin/bash", true});
  }
  if (spec.network) {
    in.mounts.push_back({"/etc/resolv.conf", "/etc/resolv.conf", true});
    kiln_paths.push_back("/etc/resolv.conf");
  }
  for (const auto& m : spec.mounts) {
    in.mounts.push_back(m);
    kiln_paths.push_back(m.path);
  }
  in.tags = spec.tags;
  auto instance = std::make_unique<RuncInstance>(id, dir, options_.runc, options_.data_dir + "/runc",
                                                 spec.layers, kiln_paths);
  std::string owner = std::to_string(getpid()) + " " + ProcessStartTime(getpid()) + "\n";
  Status s = WriteFile(dir + "/owner", owner);
  if (s.ok()) s = WriteFile(dir + "/bundle/config.json", RuntimeConfig(in).dump(2));
  if (s.ok()) s = instance->Start();
  if (!s.ok()) {
    Status removed = instance->Remove();
    if (!removed.ok()) log::Error(removed.ToString());
    return s.Prefixed("launch " + spec.instance_type + " instance");
  }
  return std::unique_ptr<Instance>(std::move(instance));
}

Result<std::vector<std::string>> RuncProvider::CleanupOrphans(const std::string& data_dir,
                                                              const std::string& runc) {
  std::vector<std::string> removed;
  std::error_code ec;
  fs::directory_iterator it(data_dir + "/instances", ec), end;
  if (ec) return removed;  // nothing was ever launched here
  for (; it != end; it.increment(ec)) {
    std::string id = it->path().filename().string();
    if (!IsInstanceId(id)) continue;
    std::istringstream owner(ReadFile(it->path().string() + "/owner"));
    if (ReadFile(it->path().string() + "/owner").rfind(kKeptOwner, 0) == 0) continue;  // kept on purpose
    pid_t pid = 0;
    std::string start;
    owner >> pid >> start;
    if (pid > 0 && !start.empty() && ProcessStartTime(pid) == start) continue;  // owner alive
    RuncInstance orphan(id, it->path().string(), runc, data_dir + "/runc", {}, {});
    // Remove() runs every step (runc delete, unmount, delete files); each
    // tolerates what is already gone.
    KILN_RETURN_IF_ERROR(orphan.Remove());
    removed.push_back(id);
  }
  return removed;
}

Result<std::vector<InstanceInfo>> RuncProvider::ListInstances(const std::string& data_dir) {
  std::vector<InstanceInfo> out;
  std::error_code ec;
  fs::directory_iterator it(data_dir + "/instances", ec), end;
  if (ec) return out;
  for (; it != end; it.increment(ec)) {
    std::string id = it->path().filename().string();
    if (!IsInstanceId(id)) continue;
    std::string owner = ReadFile(it->path().string() + "/owner");
    InstanceInfo info{id, "orphaned", {}};
    try {
      auto config = nlohmann::json::parse(ReadFile(it->path().string() + "/bundle/config.json"));
      const nlohmann::json annotations = config.value("annotations", nlohmann::json::object());
      for (auto& [k, v] : annotations.items())
        if (k.rfind("kiln.tag.", 0) == 0 && v.is_string()) info.tags.emplace_back(k.substr(9), v.get<std::string>());
    } catch (const std::exception&) {
      // no readable config: no tags to show
    }
    if (owner.rfind(kKeptOwner, 0) == 0) {
      info.state = "kept";
    } else {
      std::istringstream in(owner);
      pid_t pid = 0;
      std::string start;
      in >> pid >> start;
      if (pid > 0 && !start.empty() && ProcessStartTime(pid) == start) info.state = "in use by pid " + std::to_string(pid);
    }
    out.push_back(std::move(info));
  }
  return out;
}

Status RuncProvider::Terminate(const std::string& data_dir, const std::string& id, const std::string& runc) {
  if (!IsInstanceId(id)) return Status::Invalid("'" + id + "' is not an instance id (i-<17 hex digits>)");
  std::string dir = data_dir + "/instances/" + id;
  if (!fs::exists(dir)) return Status::NotFound("no instance " + id + " under " + data_dir);
  RuncInstance inst(id, dir, runc, data_dir + "/runc", {}, {});
  return inst.Remove();
}

std::vector<std::string> RuncProvider::ShellArgv(const std::string& data_dir, const std::string& id,
                                                 const std::vector<std::string>& command, const std::string& runc) {
  std::vector<std::string> argv = {runc, "--root", data_dir + "/runc", "exec", "-t", id};
  if (command.empty()) {
    argv.insert(argv.end(), {"/bin/sh", "-l"});
  } else {
    argv.insert(argv.end(), command.begin(), command.end());
  }
  return argv;
}

}  // namespace kiln::instance
