// The Linux side of UpdateOS (awstoe.md §5.30), split out so the choice of
// package manager and the command plan can be tested without touching the
// machine's packages.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::toe::update_os {

struct OsRelease {
  std::string id, id_like, version_id, pretty_name;
};

// Parses /etc/os-release text (KEY=value, values optionally quoted).
OsRelease ParseOsRelease(const std::string& text);

enum class PackageManager { kApt, kDnf, kYum, kZypper };
const char* PackageManagerName(PackageManager pm);

// Picks the package manager for the OS; `on_path(name)` says whether a
// program exists. Amazon Linux 2023 is refused, as the guide says.
Result<PackageManager> Choose(const OsRelease& os, const std::function<bool(const std::string&)>& on_path);

using Command = std::vector<std::string>;

// The commands that install updates. For apt with only an exclude list the
// plan needs the upgradable package names (from `apt-get -s upgrade`).
Result<std::vector<Command>> Plan(PackageManager pm, const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude,
                                  const std::vector<std::string>& apt_upgradable);

// Package names from `apt-get -s upgrade` output ("Inst name [old] (new ...)").
std::vector<std::string> ParseAptSimulation(const std::string& output);

}  // namespace kiln::toe::update_os
