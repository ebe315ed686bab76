#include "image/busybox_root.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/process.h"

namespace kiln::image {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace fs = std::filesystem;

Status MakeBusyboxRoot(const std::string& dir, const std::string& busybox) {
  if (access(busybox.c_str(), X_OK) != 0) {
    return Status::NotFound("busybox base image: " + busybox +
                            " not found (install the Debian package busybox-static)");
  }
  KILN_ASSIGN_OR_RETURN(ProcessResult list, RunChecked({busybox, "--list"}));
  std::error_code ec;
  for (const char* d : {"bin", "etc", "root", "tmp", "proc", "sys", "dev", "opt", "run", "var",
                        "usr/bin", "usr/sbin", "sbin"}) {
    fs::create_directories(dir + "/" + d, ec);
    if (ec) return Status::IOError("create " + dir + "/" + d + ": " + ec.message());
  }
  fs::permissions(dir + "/tmp", fs::perms::all | fs::perms::sticky_bit, ec);
  fs::copy_file(busybox, dir + "/bin/busybox", fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IOError("copy " + busybox + ": " + ec.message());
  std::istringstream applets(list.stdout_data);
  std::string name;
  while (std::getline(applets, name)) {
    if (name.empty() || name == "busybox") continue;
    fs::create_symlink("busybox", dir + "/bin/" + name, ec);
    if (ec && ec != std::errc::file_exists) return Status::IOError("symlink bin/" + name + ": " + ec.message());
  }
  // Enough of /etc for tools that look up users and hosts.
  std::ofstream(dir + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream(dir + "/etc/group") << "root:x:0:\n";
  std::ofstream(dir + "/etc/hosts") << "127.0.0.1 localhost\n";
  return Status::Ok();
}

}  // namespace kiln::image
