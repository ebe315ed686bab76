// File-system helpers shared by the file and folder modules, implementing
// the conventions of awstoe.md §5.0:
// - a '*' wildcard may appear only in the last path segment;
// - a destination ending in '/' (or '\') is a folder that receives the
//   source under its own name;
// - text encodings utf8/utf16/utf32 with -LE/-BE (plain utf16/utf32 mean LE);
// - permissions are octal strings; owners/groups are names or numeric ids.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln::toe::fsu {

namespace fs = std::filesystem;

bool EndsWithSeparator(std::string_view path);
bool HasWildcard(std::string_view path);

// Checks that a '*' appears only after the last separator. `field` names
// the input in the error.
Status CheckWildcardPlacement(std::string_view path, std::string_view field);

enum class Kind { kFile, kFolder };

// The entries of the source's folder whose names match its last segment
// (fnmatch), of the given kind, sorted by name. With no wildcard, the path
// itself, which must exist and be of that kind.
Result<std::vector<fs::path>> ExpandSource(const std::string& source, Kind kind, std::string_view field);

// Where `source` goes for `destination`: inside it (keeping the source's
// name) when it ends with a separator, else the destination itself.
fs::path TargetFor(const fs::path& source, const std::string& destination);

// Creates missing parent folders of `path`.
Status EnsureParent(const fs::path& path);

// Describes a std::error_code failure of an operation on a path.
Status IoError(std::string_view what, const fs::path& path, const std::error_code& ec);

// ---- encodings

enum class Encoding { kUtf8, kUtf16Le, kUtf16Be, kUtf32Le, kUtf32Be };
Result<Encoding> ParseEncoding(std::string_view name);
// Encodes UTF-8 text (no BOM is written).
Result<std::string> EncodeText(std::string_view utf8, Encoding e);
// Decodes bytes to UTF-8; a leading BOM wins over `e`.
Result<std::string> DecodeText(std::string_view bytes, Encoding e);

// ---- files

Result<std::string> ReadWholeFile(const fs::path& path);
// Writes via a temporary file in the same folder, then renames over `path`,
// so readers never see a half-written file. Keeps an existing file's mode.
Status WriteFileAtomically(const fs::path& path, std::string_view data, mode_t mode_for_new = 0666);

// ---- permissions and owners

// "0777", "755", "4755": octal digits only, at most 4.
Result<mode_t> ParsePermissions(std::string_view text);
Status CheckPermissionsText(std::string_view text, std::string_view field);
// Name or numeric id; read from the system databases and, for the static
// kiln-toe whose NSS may be unavailable, /etc/passwd and /etc/group.
Result<uid_t> LookupUser(const std::string& name_or_id);
Result<gid_t> LookupGroup(const std::string& name_or_id);
// The primary group of a user.
Result<gid_t> PrimaryGroupOf(uid_t uid);

}  // namespace kiln::toe::fsu
