// CopyFile (awstoe.md §5.10): copies files like cp; wildcard sources go into a destination folder.
#include "toe/modules/modules.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {

std::unique_ptr<Module> NewCopyFileModule() {
  return NewTransferModule("CopyFile", fsu::Kind::kFile, fsu::TransferMode::kCopy);
}

}  // namespace kiln::toe
