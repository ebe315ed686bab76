// MoveFolder (awstoe.md §5.19): moves folders; merges into an existing target when overwrite is true.
#include "toe/modules/modules.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {

std::unique_ptr<Module> NewMoveFolderModule() {
  return NewTransferModule("MoveFolder", fsu::Kind::kFolder, fsu::TransferMode::kMove);
}

}  // namespace kiln::toe
