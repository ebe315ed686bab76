#include "instance/mounts.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> AllMountPoints() {
  std::vector<std::string> points;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    points.push_back(Unescape(point));
  }
  return points;
}

}  // namespace

Status MountOverlay(const std::vector<std::string>& layers, const std::string& upper,
                    const std::string& work, const std::string& target) {
  if (layers.empty()) return Status::Invalid("overlay mount at " + target + ": no layers");
  std::string lower;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {  // overlay wants top first
    if (it->find_first_of(":,") != std::string::npos) {
      return Status::Invalid("layer path '" + *it + "' contains ':' or ','");
    }
    lower += (lower.empty() ? "" : ":") + *it;
  }
  std::string opts = "lowerdir=" + lower;
  if (!upper.empty()) opts += ",upperdir=" + upper + ",workdir=" + work;
  opts += ",redirect_dir=off,metacopy=off,index=off";
  if (opts.size() >= 4000) {
    return Status::Unimplemented("overlay mount at " + target + ": " + std::to_string(layers.size()) +
                                 " layers exceed the kernel's mount option size (page size)");
  }
  unsigned long flags = upper.empty() ? MS_RDONLY : 0;
  if (mount("overlay", target.c_str(), "overlay", flags, opts.c_str()) != 0) {
    return Status::IOError("mount overlay at " + target + ": " + strerror(errno));
  }
  return Status::Ok();
}

Status Unmount(const std::string& target) {
  for (int attempt = 0; attempt < 20; attempt++) {
    if (!IsMountPoint(target)) return Status::Ok();
    if (umount2(target.c_str(), 0) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) return Status::Ok();
    usleep(50000);  // EBUSY: a process in the instance is still exiting
  }
  if (IsMountPoint(target) && umount2(target.c_str(), MNT_DETACH) != 0) {
    return Status::IOError("unmount " + target + ": " + strerror(errno));
  }
  return Status::Ok();
}

bool IsMountPoint(const std::string& path) {
  for (const auto& p : AllMountPoints()) {
    if (p == path) return true;
  }
  return false;
}

std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& p : AllMountPoints()) {
    if (p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 &&
                     p[dir.size()] == '/')) {
      out.push_back(p);
    }
  }
  return out;
}

Status RemoveTree(const std::string& dir) {
  auto mounts = MountsUnder(dir);
  if (!mounts.empty()) {
    return Status::FailedPrecondition("refusing to delete " + dir + ": " + mounts.front() +
                                      " is still mounted");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return Status::IOError("delete " + dir + ": " + ec.message());
  return Status::Ok();
}

}  // namespace kiln
