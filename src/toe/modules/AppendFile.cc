// AppendFile (awstoe.md §5.9): appends text, in the given encoding, to a
// file that must already exist (it is never created).
#include <fstream>

#include "toe/modules/encoding_input.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class AppendFileModule : public ListModule {
 public:
  AppendFileModule() : ListModule("AppendFile", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "content", "encoding"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "content", false));
    return CheckEncodingInput(item);
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(fsu::Encoding enc, GetEncodingInput(item));
    KILN_ASSIGN_OR_RETURN(std::string bytes, fsu::EncodeText(GetStringOr(item, "content", ""), enc));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (!fsu::fs::exists(st)) return Status::NotFound("the file '" + path + "' does not exist (AppendFile does not create files)");
    if (!fsu::fs::is_regular_file(st)) return Status::Invalid("'" + path + "' is not a regular file");
    std::ofstream out(path, std::ios::binary | std::ios::app);
    if (!out) return fsu::IoError("opening for append", path, std::error_code(errno, std::generic_category()));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Status::IOError("appending to '" + path + "' failed");
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewAppendFileModule() { return std::make_unique<AppendFileModule>(); }

}  // namespace kiln::toe
