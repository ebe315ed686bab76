// ListFiles (awstoe.md §5.17): lists the files (not folders) of a folder,
// optionally recursively and filtered by a '*' name pattern. Output
// `files`: the full paths, sorted, joined by commas.
#include <fnmatch.h>

#include <algorithm>

#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class ListFilesModule : public ListModule {
 public:
  ListFilesModule() : ListModule("ListFiles", kAllPlatforms) {}

 protected:
  std::string_view output_key() const override { return "files"; }

  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "fileNamePattern", "recursive"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "fileNamePattern", false));
    return CheckBool(item, "recursive");
  }

  Status RunItem(const Json& item, StepContext&, std::string& output) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(bool recursive, GetBool(item, "recursive", false));
    std::string pattern = GetStringOr(item, "fileNamePattern", "");
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return Status::NotFound("the folder '" + path + "' does not exist");
    std::vector<std::string> files;
    auto consider = [&](const fs::directory_entry& e) {
      if (!e.is_regular_file()) return;
      std::string name = e.path().filename().string();
      if (!pattern.empty() && fnmatch(pattern.c_str(), name.c_str(), 0) != 0) return;
      files.push_back(e.path().string());
    };
    if (recursive) {
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) consider(*it);
    } else {
      for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) consider(*it);
    }
    if (ec) return fsu::IoError("listing the folder", path, ec);
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i < files.size(); ++i) output += (i ? "," : "") + files[i];
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewListFilesModule() { return std::make_unique<ListFilesModule>(); }

}  // namespace kiln::toe
