// SetFileEncoding (awstoe.md §5.21): re-encodes an existing UTF-8 file into
// the given encoding, replacing it atomically (no BOM is written).
#include "toe/modules/encoding_input.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class SetFileEncodingModule : public ListModule {
 public:
  SetFileEncodingModule() : ListModule("SetFileEncoding", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "encoding"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    return CheckEncodingInput(item);
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(fsu::Encoding enc, GetEncodingInput(item));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (!fsu::fs::exists(st)) return Status::NotFound("the file '" + path + "' does not exist");
    if (!fsu::fs::is_regular_file(st)) return Status::Invalid("'" + path + "' is not a regular file");
    KILN_ASSIGN_OR_RETURN(std::string bytes, fsu::ReadWholeFile(path));
    // The source is UTF-8 (a UTF-8 BOM is dropped).
    auto text = fsu::DecodeText(bytes, fsu::Encoding::kUtf8);
    if (!text.ok()) return text.status().Prefixed("'" + path + "' is not UTF-8 text");
    KILN_ASSIGN_OR_RETURN(std::string encoded, fsu::EncodeText(*text, enc));
    return fsu::WriteFileAtomically(path, encoded);
  }
};

}  // namespace

std::unique_ptr<Module> NewSetFileEncodingModule() { return std::make_unique<SetFileEncodingModule>(); }

}  // namespace kiln::toe
