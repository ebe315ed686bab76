// SetRegistry (awstoe.md §5.29, Windows only): list items of path, name,
// value and type (BINARY, DWORD, QWORD, SZ, EXPAND_SZ, MULTI_SZ).
#include "toe/modules/modules.h"
#include "toe/modules/windows_only.h"

namespace kiln::toe {
namespace {

class SetRegistryModule : public ListModule {
 public:
  SetRegistryModule() : ListModule("SetRegistry", kWindowsOnly) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "name", "value", "type"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "name", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "type", true));
    if (!item.contains("value") || item["value"].is_null()) return Status::Invalid("input 'value' is required");
    std::string path = GetStringOr(item, "path", "");
    if (path.find("{{") == std::string::npos) {
      static const char* kRoots[] = {"HKEY_CLASSES_ROOT", "HKCR:", "HKEY_USERS", "HKU:", "HKEY_LOCAL_MACHINE",
                                     "HKLM:", "HKEY_CURRENT_CONFIG", "HKCC:", "HKEY_CURRENT_USER", "HKCU:"};
      bool ok = false;
      for (const char* r : kRoots) ok = ok || path.starts_with(r);
      if (!ok) {
        return Status::Invalid("input 'path' must start with a registry hive (HKEY_LOCAL_MACHINE or HKLM:, "
                               "HKEY_CURRENT_USER or HKCU:, HKEY_CLASSES_ROOT or HKCR:, HKEY_USERS or HKU:, "
                               "HKEY_CURRENT_CONFIG or HKCC:), got '" + path + "'");
      }
    }
    std::string type = GetStringOr(item, "type", "");
    if (type.find("{{") == std::string::npos && type != "BINARY" && type != "DWORD" && type != "QWORD" &&
        type != "SZ" && type != "EXPAND_SZ" && type != "MULTI_SZ") {
      return Status::Invalid("input 'type' must be BINARY, DWORD, QWORD, SZ, EXPAND_SZ or MULTI_SZ, got '" + type + "'");
    }
    return Status::Ok();
  }

  Status RunItem(const Json&, StepContext&, std::string&) const override {
    return WindowsOnlyResult(name()).status;
  }
};

}  // namespace

std::unique_ptr<Module> NewSetRegistryModule() { return std::make_unique<SetRegistryModule>(); }

}  // namespace kiln::toe
