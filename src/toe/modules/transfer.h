// Copy and move of files and folders for CopyFile, MoveFile, CopyFolder and
// MoveFolder (awstoe.md §5.10, §5.11, §5.18, §5.19). One implementation so
// the four modules share their wildcard, destination and overwrite rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "toe/modules/fs_util.h"
#include "toe/module.h"

namespace kiln::toe::fsu {

enum class TransferMode { kCopy, kMove };

struct TransferSpec {
  std::string source;       // may end in a wildcard segment
  std::string destination;  // ends with a separator = into that folder
  bool overwrite = true;
  Kind kind = Kind::kFile;
  TransferMode mode = TransferMode::kCopy;
};

// Performs the transfer. Files are copied to a temporary name and renamed
// into place, so an interrupted copy never leaves a partial target file.
// Moves use rename(2) and fall back to copy+delete across file systems.
Status Transfer(const TransferSpec& spec);

}  // namespace kiln::toe::fsu

namespace kiln::toe {

// The module behind CopyFile, CopyFolder, MoveFile and MoveFolder
// (transfer_module.cc); `name` must be a string literal.
std::unique_ptr<Module> NewTransferModule(std::string_view name, fsu::Kind kind,
                                          fsu::TransferMode mode);

}  // namespace kiln::toe
