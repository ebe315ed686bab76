// ReadFile (awstoe.md §5.20): reads a text file (following symlinks) in the
// given encoding into the output `content`; printFileContent also writes it
// to the console log.
#include "toe/modules/encoding_input.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class ReadFileModule : public ListModule {
 public:
  ReadFileModule() : ListModule("ReadFile", kAllPlatforms) {}

 protected:
  std::string_view output_key() const override { return "content"; }

  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "encoding", "printFileContent"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckEncodingInput(item));
    return CheckBool(item, "printFileContent");
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string& output) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(fsu::Encoding enc, GetEncodingInput(item));
    KILN_ASSIGN_OR_RETURN(bool print, GetBool(item, "printFileContent", false));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (!fsu::fs::exists(st)) return Status::NotFound("the file '" + path + "' does not exist");
    if (!fsu::fs::is_regular_file(st)) return Status::Invalid("'" + path + "' is not a regular file");
    KILN_ASSIGN_OR_RETURN(std::string bytes, fsu::ReadWholeFile(path));
    auto text = fsu::DecodeText(bytes, enc);
    if (!text.ok()) return text.status().Prefixed("reading '" + path + "'");
    if (print && ctx.console) *ctx.console << *text << (text->ends_with("\n") ? "" : "\n");
    output = std::move(*text);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewReadFileModule() { return std::make_unique<ReadFileModule>(); }

}  // namespace kiln::toe
