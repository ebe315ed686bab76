// Validation of the shared `encoding` input (AppendFile, CreateFile,
// ReadFile, SetFileEncoding).
#pragma once

#include "toe/module_inputs.h"
#include "toe/modules/fs_util.h"

namespace kiln::toe {

inline Status CheckEncodingInput(const Json& item) {
  KILN_RETURN_IF_ERROR(CheckString(item, "encoding", false));
  std::string enc = GetStringOr(item, "encoding", "utf8");
  if (enc.find("{{") != std::string::npos) return Status::Ok();
  return fsu::ParseEncoding(enc).status();
}

inline Result<fsu::Encoding> GetEncodingInput(const Json& item) {
  return fsu::ParseEncoding(GetStringOr(item, "encoding", "utf8"));
}

}  // namespace kiln::toe
