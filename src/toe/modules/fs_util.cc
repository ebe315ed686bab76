#include "toe/modules/fs_util.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kiln::toe::fsu {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t LastSeparator(std::string_view p) { return p.find_last_of("/\\"); }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Decodes UTF-8 into code points; rejects malformed sequences.
Result<std::vector<char32_t>> Utf8ToCodePoints(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) {
      return Status::Invalid("the text is not valid UTF-8 (byte " + std::to_string(i) + ")");
    }
    char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return Status::Invalid("the text is not valid UTF-8 (byte " + std::to_string(i) + ")");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Status::Invalid("the text is not valid UTF-8 (byte " + std::to_string(i) + ")");
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void PutUnit(std::string& out, uint32_t v, int bytes, bool big_endian) {
  for (int i = 0; i < bytes; ++i) {
    int shift = big_endian ? 8 * (bytes - 1 - i) : 8 * i;
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint32_t GetUnit(std::string_view s, size_t pos, int bytes, bool big_endian) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    uint32_t b = static_cast<unsigned char>(s[pos + i]);
    int shift = big_endian ? 8 * (bytes - 1 - i) : 8 * i;
    v |= b << shift;
  }
  return v;
}

// Reads a colon-separated database (/etc/passwd, /etc/group): returns the
// field `want` of the line whose field `key` equals `value`.
std::string LookupDbFile(const char* file, size_t key, const std::string& value, size_t want) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string part;
    while (std::getline(ss, part, ':')) f.push_back(part);
    if (f.size() > std::max(key, want) && f[key] == value) return f[want];
  }
  return "";
}

}  // namespace

bool EndsWithSeparator(std::string_view path) {
  return !path.empty() && (path.back() == '/' || path.back() == '\\');
}

bool HasWildcard(std::string_view path) { return path.find('*') != std::string_view::npos; }

Status CheckWildcardPlacement(std::string_view path, std::string_view field) {
  size_t star = path.find('*');
  if (star == std::string_view::npos) return Status::Ok();
  size_t sep = LastSeparator(path);
  if (sep != std::string_view::npos && star < sep) {
    return Status::Invalid("input '" + std::string(field) + "': the wildcard '*' is allowed only in the last path segment, got '" +
                           std::string(path) + "'");
  }
  return Status::Ok();
}

Result<std::vector<fs::path>> ExpandSource(const std::string& source, Kind kind, std::string_view field) {
  KILN_RETURN_IF_ERROR(CheckWildcardPlacement(source, field));
  const char* what = kind == Kind::kFile ? "file" : "folder";
  std::error_code ec;
  if (!HasWildcard(source)) {
    fs::path p(source);
    auto st = fs::status(p, ec);
    if (!fs::exists(st)) return Status::NotFound(std::string("the source ") + what + " '" + source + "' does not exist");
    bool right = kind == Kind::kFile ? fs::is_regular_file(st) : fs::is_directory(st);
    if (!right) return Status::Invalid("the source '" + source + "' is not a " + what);
    return std::vector<fs::path>{p};
  }
  size_t sep = LastSeparator(source);
  std::string dir = sep == std::string::npos ? "." : source.substr(0, sep + 1);
  std::string pattern = sep == std::string::npos ? source : source.substr(sep + 1);
  if (!fs::is_directory(dir, ec)) return Status::NotFound("the folder '" + dir + "' of '" + source + "' does not exist");
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (fnmatch(pattern.c_str(), name.c_str(), 0) != 0) continue;
    bool right = kind == Kind::kFile ? it->is_regular_file() : it->is_directory();
    if (right) out.push_back(sep == std::string::npos ? fs::path(name) : fs::path(dir) / name);
  }
  if (ec) return IoError("listing", dir, ec);
  std::sort(out.begin(), out.end());
  return out;
}

fs::path TargetFor(const fs::path& source, const std::string& destination) {
  if (EndsWithSeparator(destination)) return fs::path(destination) / source.filename();
  return fs::path(destination);
}

Status EnsureParent(const fs::path& path) {
  fs::path parent = path.parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return IoError("creating the folder", parent, ec);
  return Status::Ok();
}

Status IoError(std::string_view what, const fs::path& path, const std::error_code& ec) {
  std::string msg = std::string(what) + " '" + path.string() + "' failed: " + ec.message();
  if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted) {
    return Status::PermissionDenied(msg);
  }
  if (ec == std::errc::no_such_file_or_directory) return Status::NotFound(msg);
  return Status::IOError(msg);
}

Result<Encoding> ParseEncoding(std::string_view name) {
  std::string n = Lower(name);
  if (n == "utf8" || n == "utf-8") return Encoding::kUtf8;
  if (n == "utf16" || n == "utf-16" || n == "utf16-le" || n == "utf-16-le") return Encoding::kUtf16Le;
  if (n == "utf16-be" || n == "utf-16-be") return Encoding::kUtf16Be;
  if (n == "utf32" || n == "utf-32" || n == "utf32-le" || n == "utf-32-le") return Encoding::kUtf32Le;
  if (n == "utf32-be" || n == "utf-32-be") return Encoding::kUtf32Be;
  return Status::Invalid("input 'encoding': unsupported encoding '" + std::string(name) +
                         "' (use utf8, utf16, utf16-LE, utf16-BE, utf32, utf32-LE or utf32-BE, "
                         "optionally written utf-8, utf-16...)");
}

Result<std::string> EncodeText(std::string_view utf8, Encoding e) {
  KILN_ASSIGN_OR_RETURN(auto cps, Utf8ToCodePoints(utf8));
  if (e == Encoding::kUtf8) return std::string(utf8);
  std::string out;
  bool be = e == Encoding::kUtf16Be || e == Encoding::kUtf32Be;
  for (char32_t cp : cps) {
    if (e == Encoding::kUtf32Le || e == Encoding::kUtf32Be) {
      PutUnit(out, cp, 4, be);
    } else if (cp >= 0x10000) {
      char32_t v = cp - 0x10000;
      PutUnit(out, 0xD800 + (v >> 10), 2, be);
      PutUnit(out, 0xDC00 + (v & 0x3FF), 2, be);
    } else {
      PutUnit(out, cp, 2, be);
    }
  }
  return out;
}

Result<std::string> DecodeText(std::string_view bytes, Encoding e) {
  // A byte-order mark decides over the requested encoding.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    e = Encoding::kUtf8;
  } else if (bytes.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) {
    bytes.remove_prefix(4);
    e = Encoding::kUtf32Le;
  } else if (bytes.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    bytes.remove_prefix(4);
    e = Encoding::kUtf32Be;
  } else if (bytes.substr(0, 2) == "\xFF\xFE") {
    bytes.remove_prefix(2);
    e = Encoding::kUtf16Le;
  } else if (bytes.substr(0, 2) == "\xFE\xFF") {
    bytes.remove_prefix(2);
    e = Encoding::kUtf16Be;
  }
  if (e == Encoding::kUtf8) {
    KILN_RETURN_IF_ERROR(Utf8ToCodePoints(bytes).status());
    return std::string(bytes);
  }
  std::string out;
  bool be = e == Encoding::kUtf16Be || e == Encoding::kUtf32Be;
  int unit = (e == Encoding::kUtf32Le || e == Encoding::kUtf32Be) ? 4 : 2;
  if (bytes.size() % unit != 0) {
    return Status::Invalid("the file's size is not a multiple of " + std::to_string(unit) +
                           " bytes, so it is not in the requested encoding");
  }
  for (size_t i = 0; i < bytes.size(); i += unit) {
    uint32_t v = GetUnit(bytes, i, unit, be);
    if (unit == 2 && v >= 0xD800 && v <= 0xDBFF) {
      if (i + 2 >= bytes.size()) return Status::Invalid("truncated UTF-16 surrogate pair at the end of the file");
      uint32_t lo = GetUnit(bytes, i + 2, 2, be);
      if (lo < 0xDC00 || lo > 0xDFFF) return Status::Invalid("invalid UTF-16 surrogate pair in the file");
      v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    }
    if (v > 0x10FFFF) return Status::Invalid("invalid UTF-32 code point in the file");
    AppendUtf8(out, v);
  }
  return out;
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    return IoError("opening", path, ec);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("reading '" + path.string() + "' failed");
  return ss.str();
}

Status WriteFileAtomically(const fs::path& path, std::string_view data, mode_t mode_for_new) {
  static std::atomic<int> counter{0};
  fs::path tmp = path;
  tmp += ".kiln-tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  struct stat st {};
  mode_t mode = mode_for_new;
  bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed) mode = st.st_mode & 07777;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, existed ? 0600 : mode);
  if (fd < 0) return IoError("creating", tmp, std::error_code(errno, std::generic_category()));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::error_code ec(errno, std::generic_category());
      ::close(fd);
      ::unlink(tmp.c_str());
      return IoError("writing", path, ec);
    }
    off += static_cast<size_t>(n);
  }
  if (existed) {
    // Keep the original mode and, when we may, the owner.
    if (::fchmod(fd, mode) != 0) { /* best effort */ }
    if (::fchown(fd, st.st_uid, st.st_gid) != 0) { /* not root: the file becomes ours */ }
  }
  if (::close(fd) != 0) {
    std::error_code ec(errno, std::generic_category());
    ::unlink(tmp.c_str());
    return IoError("writing", path, ec);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::error_code ec(errno, std::generic_category());
    ::unlink(tmp.c_str());
    return IoError("replacing", path, ec);
  }
  return Status::Ok();
}

Result<mode_t> ParsePermissions(std::string_view text) {
  if (text.empty() || text.size() > 4 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; })) {
    return Status::Invalid("input 'permissions' must be an octal mode such as \"0755\" or \"644\", got '" +
                           std::string(text) + "'");
  }
  return static_cast<mode_t>(std::stoul(std::string(text), nullptr, 8));
}

Status CheckPermissionsText(std::string_view text, std::string_view field) {
  if (text.find("{{") != std::string_view::npos) return Status::Ok();
  return ParsePermissions(text).status();
}

// Users and groups come from /etc/passwd and /etc/group only. kiln-toe is a
// static binary: glibc's getpwnam_r would dlopen the host's NSS modules
// (libnss_systemd and friends), which crashes a static program
// (docs/DECISIONS.md D-toe-14).
Result<uid_t> LookupUser(const std::string& name) {
  if (AllDigits(name)) return static_cast<uid_t>(std::stoul(name));
  std::string id = LookupDbFile("/etc/passwd", 0, name, 2);
  if (AllDigits(id)) return static_cast<uid_t>(std::stoul(id));
  return Status::NotFound("the user '" + name + "' does not exist (not in /etc/passwd)");
}

Result<gid_t> LookupGroup(const std::string& name) {
  if (AllDigits(name)) return static_cast<gid_t>(std::stoul(name));
  std::string id = LookupDbFile("/etc/group", 0, name, 2);
  if (AllDigits(id)) return static_cast<gid_t>(std::stoul(id));
  return Status::NotFound("the group '" + name + "' does not exist (not in /etc/group)");
}

Result<gid_t> PrimaryGroupOf(uid_t uid) {
  std::string gid = LookupDbFile("/etc/passwd", 2, std::to_string(uid), 3);
  if (AllDigits(gid)) return static_cast<gid_t>(std::stoul(gid));
  return Status::NotFound("the user with id " + std::to_string(uid) + " has no /etc/passwd entry, so its group is unknown");
}

}  // namespace kiln::toe::fsu
