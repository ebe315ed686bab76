// MoveFile (awstoe.md §5.18): moves files like mv; rename, or copy+delete across file systems.
#include "toe/modules/modules.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {

std::unique_ptr<Module> NewMoveFileModule() {
  return NewTransferModule("MoveFile", fsu::Kind::kFile, fsu::TransferMode::kMove);
}

}  // namespace kiln::toe
