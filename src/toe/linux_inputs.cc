#include "toe/linux_inputs.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace kiln::toe {
namespace {

// The inputs of each module that name a file or folder on this machine.
struct PathInputs {
  std::string_view action;
  std::string_view keys[2];  // the second may be empty
};
constexpr PathInputs kPathInputs[] = {
    {"AppendFile", {"path"}},           {"CreateFile", {"path"}},
    {"CreateFolder", {"path"}},         {"CreateSymlink", {"path", "target"}},
    {"DeleteFile", {"path"}},           {"DeleteFolder", {"path"}},
    {"ListFiles", {"path"}},            {"ReadFile", {"path"}},
    {"SetFileEncoding", {"path"}},      {"SetFileOwner", {"path"}},
    {"SetFolderOwner", {"path"}},       {"SetFilePermissions", {"path"}},
    {"SetFolderPermissions", {"path"}}, {"CopyFile", {"source", "destination"}},
    {"CopyFolder", {"source", "destination"}}, {"MoveFile", {"source", "destination"}},
    {"MoveFolder", {"source", "destination"}}, {"S3Download", {"destination"}},
    {"S3Upload", {"source"}},           {"WebDownload", {"destination"}},
    {"ExecuteBinary", {"path"}},
};

bool IsWindowsPath(const std::string& s) {
  bool drive = s.size() >= 3 && std::isalpha(static_cast<unsigned char>(s[0])) && s[1] == ':' &&
               (s[2] == '\\' || s[2] == '/');
  return drive || s.starts_with("\\\\");
}

// KB1234567: how Windows Update names updates. No Debian, RPM or SUSE
// package is called KB<digits>.
bool IsKbArticle(const std::string& s) {
  return s.size() > 2 && (s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b') &&
         std::all_of(s.begin() + 2, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status CheckPaths(const Json& item, const std::string_view (&keys)[2]) {
  for (std::string_view key : keys) {
    if (key.empty()) continue;
    auto it = item.find(std::string(key));
    if (it == item.end() || !it->is_string()) continue;
    const std::string& s = it->get_ref<const std::string&>();
    if (IsWindowsPath(s)) {
      return Status::Invalid("input '" + std::string(key) + "' '" + s +
                             "' is a Windows path; kiln-toe runs on Linux and needs a Linux path");
    }
  }
  return Status::Ok();
}

Status CheckUpdateLists(const Json& inputs) {
  if (!inputs.is_object()) return Status::Ok();
  for (const char* key : {"include", "exclude"}) {
    auto it = inputs.find(key);
    if (it == inputs.end() || !it->is_array()) continue;
    for (const Json& item : *it) {
      if (item.is_string() && IsKbArticle(item.get_ref<const std::string&>())) {
        return Status::Invalid(std::string("input '") + key + "' item '" + item.get<std::string>() +
                               "' is a Windows Update KB article ID; on Linux, include and exclude name packages");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckInputsForLinux(std::string_view action, const Json& inputs) {
  if (action == "UpdateOS") return CheckUpdateLists(inputs);
  for (const PathInputs& p : kPathInputs) {
    if (p.action != action) continue;
    if (inputs.is_object()) return CheckPaths(inputs, p.keys);
    if (!inputs.is_array()) return Status::Ok();
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].is_object()) continue;
      KILN_RETURN_IF_ERROR(CheckPaths(inputs[i], p.keys).Prefixed("inputs[" + std::to_string(i) + "]"));
    }
  }
  return Status::Ok();
}

}  // namespace kiln::toe
