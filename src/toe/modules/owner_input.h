// Applying the optional owner/group/permissions inputs of CreateFile and
// CreateFolder, and the owner inputs of SetFileOwner/SetFolderOwner.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include "toe/module_inputs.h"
#include "toe/modules/fs_util.h"

namespace kiln::toe {

// Resolves owner and group names; -1 means "leave unchanged".
struct OwnerChange {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
};

inline Result<OwnerChange> ResolveOwner(const std::string& owner, const std::string& group,
                                        bool group_defaults_to_primary) {
  OwnerChange c;
  if (!owner.empty()) {
    KILN_ASSIGN_OR_RETURN(c.uid, fsu::LookupUser(owner));
    if (group.empty() && group_defaults_to_primary) {
      KILN_ASSIGN_OR_RETURN(c.gid, fsu::PrimaryGroupOf(c.uid));
    }
  }
  if (!group.empty()) {
      KILN_ASSIGN_OR_RETURN(c.gid, fsu::LookupGroup(group));
    }
  return c;
}

// chown (follows symlinks: the guide changes the link's target).
inline Status ApplyOwner(const std::string& path, const OwnerChange& c, bool follow = true) {
  if (c.uid == static_cast<uid_t>(-1) && c.gid == static_cast<gid_t>(-1)) return Status::Ok();
  int rc = follow ? ::chown(path.c_str(), c.uid, c.gid) : ::lchown(path.c_str(), c.uid, c.gid);
  if (rc != 0) return fsu::IoError("changing the owner of", path, std::error_code(errno, std::generic_category()));
  return Status::Ok();
}

inline Status ApplyMode(const std::string& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) {
    return fsu::IoError("changing the permissions of", path, std::error_code(errno, std::generic_category()));
  }
  return Status::Ok();
}

// Validation of owner/group/permissions keys (strings; permissions octal).
inline Status CheckOwnerInputs(const Json& item) {
  KILN_RETURN_IF_ERROR(CheckString(item, "owner", false));
  KILN_RETURN_IF_ERROR(CheckString(item, "group", false));
  KILN_RETURN_IF_ERROR(CheckString(item, "permissions", false));
  if (item.contains("permissions") && !item["permissions"].is_null()) {
    KILN_RETURN_IF_ERROR(fsu::CheckPermissionsText(GetStringOr(item, "permissions", ""), "permissions"));
  }
  return Status::Ok();
}

}  // namespace kiln::toe
