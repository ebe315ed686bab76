// CopyFolder (awstoe.md §5.11): copies folders recursively, merging into an existing target when overwrite is true.
#include "toe/modules/modules.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {

std::unique_ptr<Module> NewCopyFolderModule() {
  return NewTransferModule("CopyFolder", fsu::Kind::kFolder, fsu::TransferMode::kCopy);
}

}  // namespace kiln::toe
