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
    {"ExecutePowerShell", kW, nullptr /* NewExecutePowerShellModule */},
    {"S3Download", kL | kW | kM, nullptr /* NewS3DownloadModule */},
    {"S3Upload", kL | kW | kM, nullptr /* NewS3UploadModule */},
    {"WebDownload", kL | kW | kM, nullptr /* NewWebDownloadModule */},
    {"AppendFile", kL | kW | kM, nullptr /* NewAppendFileModule */},
    {"CopyFile", kL | kW | kM, nullptr /* NewCopyFileModule */},
    {"CopyFolder", kL | kW | kM, nullptr /* NewCopyFolderModule */},
    {"CreateFile", kL | kW | kM, nullptr /* NewCreateFileModule */},
    {"CreateFolder", kL | kW | kM, nullptr /* NewCreateFolderModule */},
    {"CreateSymlink", kL | kM, nullptr /* NewCreateSymlinkModule */},
    {"DeleteFile", kL | kW | kM, nullptr /* NewDeleteFileModule */},
    {"DeleteFolder", kL | kW | kM, nullptr /* NewDeleteFolderModule */},
    {"ListFiles", kL | kW | kM, nullptr /* NewListFilesModule */},
    {"MoveFile", kL | kW | kM, nullptr /* NewMoveFileModule */},
    {"MoveFolder", kL | kW | kM, nullptr /* NewMoveFolderModule */},
    {"ReadFile", kL | kW | kM, nullptr /* NewReadFileModule */},
    {"SetFileEncoding", kL | kW | kM, nullptr /* NewSetFileEncodingModule */},
    {"SetFileOwner", kL | kM, nullptr /* NewSetFileOwnerModule */},
    {"SetFolderOwner", kL | kM, nullptr /* NewSetFolderOwnerModule */},
    {"SetFilePermissions", kL | kM, nullptr /* NewSetFilePermissionsModule */},
    {"SetFolderPermissions", kL | kM, nullptr /* NewSetFolderPermissionsModule */},
    {"InstallMSI", kW, nullptr /* NewInstallMSIModule */},
    {"UninstallMSI", kW, nullptr /* NewUninstallMSIModule */},
    {"Reboot", kL | kW, NewRebootModule},
    {"SetRegistry", kW, nullptr /* NewSetRegistryModule */},
    {"UpdateOS", kL | kW, nullptr /* NewUpdateOSModule */},
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
