// Overlay mounts of layer stacks, and the checks that keep Kiln from
// deleting through a mount point or leaving one behind.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace kiln {

// Mounts an overlay at `target`. `layers` are ordered BOTTOM first. With an
// empty `upper` the mount is read-only (a flattened view of the layers).
// redirect_dir, metacopy and index are off so that the upper directory
// always holds complete files and plain whiteouts: what snapshots need.
Status MountOverlay(const std::vector<std::string>& layers, const std::string& upper,
                    const std::string& work, const std::string& target);

// Unmounts `target` (retrying, then lazily); OK if it is not mounted.
Status Unmount(const std::string& target);

// True if `path` (absolute, normalized) is a mount point in our namespace.
bool IsMountPoint(const std::string& path);

// Every mount point at or below `dir`.
std::vector<std::string> MountsUnder(const std::string& dir);

// remove_all that refuses to cross a mount point under `dir`.
Status RemoveTree(const std::string& dir);

}  // namespace kiln
