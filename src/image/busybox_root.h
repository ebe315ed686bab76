// The "busybox" base image: a tiny root filesystem made from the host's
// statically linked busybox (Debian package busybox-static) and its applet
// symlinks. It gives builds a POSIX shell and core utilities in ~2 MB.
#pragma once

#include <string>

#include "common/status.h"

namespace kiln::image {

// Where busybox-static installs the binary.
inline constexpr const char* kBusyboxPath = "/bin/busybox";

// Fills the (empty or missing) directory `dir` with bin/busybox, a symlink
// per applet in /bin, and the usual top-level directories.
Status MakeBusyboxRoot(const std::string& dir, const std::string& busybox = kBusyboxPath);

}  // namespace kiln::image
