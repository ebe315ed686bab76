// The Linux clean-up script the SanitizeInstance step runs before the
// snapshot (guide "Required post-build clean up", L17170-17345), rewritten
// for POSIX sh so that it also runs in images without bash (busybox). It
// removes the same files section by section; a section is skipped when
// `<workingDirectory>/skip_cleanup_<section>` exists, with the skip-file
// names of the guide's table (and the script's own "cloudfinit" spelling).
#pragma once

#include <string>

namespace kiln::engine {

// The script, with {{workingDirectory}} filled in.
std::string SanitizeScript(const std::string& working_directory);

}  // namespace kiln::engine
