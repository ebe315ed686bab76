// Factories for every action module the guide documents (awstoe.md §5.0).
// Each module lives in modules/<Name>.cc and defines its factory here;
// registry.cc lists them. A factory whose .cc is not present yet stays
// commented out in registry.cc, and the registry then reports the module as
// "documented but not implemented in this build" instead of "unknown".
#pragma once

#include <memory>

#include "toe/module.h"

namespace kiln::toe {

// General
std::unique_ptr<Module> NewAssertModule();
std::unique_ptr<Module> NewExecuteBashModule();
std::unique_ptr<Module> NewExecuteBinaryModule();
std::unique_ptr<Module> NewExecuteDocumentModule();
std::unique_ptr<Module> NewExecutePowerShellModule();
// File transfer
std::unique_ptr<Module> NewS3DownloadModule();
std::unique_ptr<Module> NewS3UploadModule();
std::unique_ptr<Module> NewWebDownloadModule();
// File system
std::unique_ptr<Module> NewAppendFileModule();
std::unique_ptr<Module> NewCopyFileModule();
std::unique_ptr<Module> NewCopyFolderModule();
std::unique_ptr<Module> NewCreateFileModule();
std::unique_ptr<Module> NewCreateFolderModule();
std::unique_ptr<Module> NewCreateSymlinkModule();
std::unique_ptr<Module> NewDeleteFileModule();
std::unique_ptr<Module> NewDeleteFolderModule();
std::unique_ptr<Module> NewListFilesModule();
std::unique_ptr<Module> NewMoveFileModule();
std::unique_ptr<Module> NewMoveFolderModule();
std::unique_ptr<Module> NewReadFileModule();
std::unique_ptr<Module> NewSetFileEncodingModule();
std::unique_ptr<Module> NewSetFileOwnerModule();
std::unique_ptr<Module> NewSetFolderOwnerModule();
std::unique_ptr<Module> NewSetFilePermissionsModule();
std::unique_ptr<Module> NewSetFolderPermissionsModule();
// Software installation (Windows)
std::unique_ptr<Module> NewInstallMSIModule();
std::unique_ptr<Module> NewUninstallMSIModule();
// System
std::unique_ptr<Module> NewRebootModule();
std::unique_ptr<Module> NewSetRegistryModule();
std::unique_ptr<Module> NewUpdateOSModule();

}  // namespace kiln::toe
