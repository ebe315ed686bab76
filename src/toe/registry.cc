// The module registry: one line per documented module (awstoe.md §5.0).
// A module whose modules/<Name>.cc has not landed yet keeps its factory
// commented out; uncomment the line when the file arrives.
#include "toe/registry.h"

#include <memory>
#include <string>
#include <vector>

#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

constexpr unsigned kL = static_cast<unsigned>(Platform::kLinux);
constexpr unsigned kW = static_cast<unsigned>(Platform::kWindows);
constexpr unsigned kM = static_cast<unsigned>(Platform::kMacOS);
using Factory = std::unique_ptr<Module> (*)();

struct Entry {
  const char* name;
  unsigned platforms;
  Factory factory;
};

// Platforms follow the guide's table with the corrections of awstoe.md §5.0
// (CreateSymlink, Set*Owner, Set*Permissions are not supported on Windows).
const Entry kEntries[] = {
    {"Assert", kL | kW | kM, NewAssertModule},
    {"ExecuteBash", kL | kM, NewExecuteBashModule},
    {"ExecuteBinary", kL | kW | kM, NewExecuteBinaryModule},
    {"ExecuteDocument", kL | kW | kM, NewExecuteDocumentModule},
    {"ExecutePowerShell", kW, NewExecutePowerShellModule},
    {"S3Download", kL | kW | kM, NewS3DownloadModule},
    {"S3Upload", kL | kW | kM, NewS3UploadModule},
    {"WebDownload", kL | kW | kM, NewWebDownloadModule},
    {"AppendFile", kL | kW | kM, NewAppendFileModule},
    {"CopyFile", kL | kW | kM, NewCopyFileModule},
    {"CopyFolder", kL | kW | kM, NewCopyFolderModule},
    {"CreateFile", kL | kW | kM, NewCreateFileModule},
    {"CreateFolder", kL | kW | kM, NewCreateFolderModule},
    {"CreateSymlink", kL | kM, NewCreateSymlinkModule},
    {"DeleteFile", kL | kW | kM, NewDeleteFileModule},
    {"DeleteFolder", kL | kW | kM, NewDeleteFolderModule},
    {"ListFiles", kL | kW | kM, NewListFilesModule},
    {"MoveFile", kL | kW | kM, NewMoveFileModule},
    {"MoveFolder", kL | kW | kM, NewMoveFolderModule},
    {"ReadFile", kL | kW | kM, NewReadFileModule},
    {"SetFileEncoding", kL | kW | kM, NewSetFileEncodingModule},
    {"SetFileOwner", kL | kM, NewSetFileOwnerModule},
    {"SetFolderOwner", kL | kM, NewSetFolderOwnerModule},
    {"SetFilePermissions", kL | kM, NewSetFilePermissionsModule},
    {"SetFolderPermissions", kL | kM, NewSetFolderPermissionsModule},
    {"InstallMSI", kW, NewInstallMSIModule},
    {"UninstallMSI", kW, NewUninstallMSIModule},
    {"Reboot", kL | kW, NewRebootModule},
    {"SetRegistry", kW, NewSetRegistryModule},
    {"UpdateOS", kL | kW, NewUpdateOSModule},
};

struct Registry {
  std::vector<std::unique_ptr<Module>> owned;
  std::vector<ModuleInfo> infos;
  Registry() {
    for (const Entry& e : kEntries) {
      const Module* impl = nullptr;
      if (e.factory) {
        owned.push_back(e.factory());
        impl = owned.back().get();
      }
      infos.push_back({e.name, e.platforms, impl});
    }
  }
};

const Registry& Get() {
  static const Registry r;
  return r;
}

}  // namespace

const ModuleInfo* FindModuleInfo(std::string_view name) {
  for (const ModuleInfo& i : Get().infos)
    if (i.name == name) return &i;
  return nullptr;
}

const Module* FindModule(std::string_view name) {
  const ModuleInfo* i = FindModuleInfo(name);
  return i ? i->impl : nullptr;
}

std::vector<const Module*> AllModules() {
  std::vector<const Module*> out;
  for (const auto& m : Get().owned) out.push_back(m.get());
  return out;
}

Platform CurrentPlatform() {
#if defined(__APPLE__)
  return Platform::kMacOS;
#else
  return Platform::kLinux;
#endif
}

bool SupportedHere(const Module& m) {
  return (m.platforms() & static_cast<unsigned>(CurrentPlatform())) != 0;
}

std::string PlatformNames(unsigned p) {
  std::string out;
  auto add = [&](unsigned bit, const char* n) {
    if (!(p & bit)) return;
    if (!out.empty()) out += ", ";
    out += n;
  };
  add(kL, "Linux");
  add(kW, "Windows");
  add(kM, "macOS");
  return out;
}

}  // namespace kiln::toe
