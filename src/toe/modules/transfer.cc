#include "toe/modules/transfer.h"

#include <unistd.h>

#include <atomic>

namespace kiln::toe::fsu {
namespace {

fs::path TempBeside(const fs::path& target) {
  static std::atomic<int> counter{0};
  fs::path tmp = target;
  tmp += ".kiln-tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  return tmp;
}

Status CopyOneFile(const fs::path& src, const fs::path& target) {
  fs::path tmp = TempBeside(target);
  std::error_code ec;
  fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return IoError("copying '" + src.string() + "' to", target, ec);
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return IoError("replacing", target, ec);
  }
  return Status::Ok();
}

Status CopyTree(const fs::path& src, const fs::path& target) {
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) return IoError("creating the folder", target, ec);
  fs::copy(src, target,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks, ec);
  if (ec) return IoError("copying the folder '" + src.string() + "' to", target, ec);
  return Status::Ok();
}

bool IsInside(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  fs::path a = fs::weakly_canonical(inner, ec), b = fs::weakly_canonical(outer, ec);
  auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end();
}

Status TransferOne(const TransferSpec& spec, const fs::path& src) {
  fs::path target = TargetFor(src, spec.destination);
  const char* what = spec.kind == Kind::kFile ? "file" : "folder";
  std::error_code ec;
  auto st = fs::symlink_status(target, ec);
  bool exists = fs::exists(st);
  if (exists) {
    if (fs::equivalent(src, target, ec)) {
      return Status::Invalid("the source and destination are the same " + std::string(what) + ": '" +
                             target.string() + "'");
    }
    if (spec.kind == Kind::kFile && fs::is_directory(st)) {
      return Status::AlreadyExists("a folder named '" + target.string() + "' exists where the file should go");
    }
    if (spec.kind == Kind::kFolder && !fs::is_directory(st)) {
      return Status::AlreadyExists("a file named '" + target.string() + "' exists where the folder should go");
    }
    if (!spec.overwrite) {
      return Status::AlreadyExists("the " + std::string(what) + " '" + target.string() +
                                   "' already exists and 'overwrite' is false");
    }
  }
  if (spec.kind == Kind::kFolder && IsInside(target, src)) {
    return Status::Invalid("cannot put the folder '" + src.string() + "' inside itself ('" + target.string() + "')");
  }
  KILN_RETURN_IF_ERROR(EnsureParent(target));

  if (spec.mode == TransferMode::kCopy) {
    return spec.kind == Kind::kFile ? CopyOneFile(src, target) : CopyTree(src, target);
  }
  // Move: rename when the target folder does not exist yet (or for files,
  // where rename replaces atomically); merge otherwise.
  if (spec.kind == Kind::kFile || !exists) {
    fs::rename(src, target, ec);
    if (!ec) return Status::Ok();
    if (ec != std::errc::cross_device_link) return IoError("moving '" + src.string() + "' to", target, ec);
  }
  KILN_RETURN_IF_ERROR(spec.kind == Kind::kFile ? CopyOneFile(src, target) : CopyTree(src, target));
  fs::remove_all(src, ec);
  if (ec) return IoError("removing the moved source", src, ec);
  return Status::Ok();
}

}  // namespace

Status Transfer(const TransferSpec& spec) {
  KILN_ASSIGN_OR_RETURN(auto sources, ExpandSource(spec.source, spec.kind, "source"));
  if (HasWildcard(spec.source)) {
    if (!EndsWithSeparator(spec.destination)) {
      return Status::Invalid("input 'destination' must end with '/' when 'source' has a wildcard, got '" +
                             spec.destination + "'");
    }
    if (sources.empty()) {
      return Status::NotFound(std::string("no ") + (spec.kind == Kind::kFile ? "files" : "folders") +
                              " match the source '" + spec.source + "'");
    }
  }
  for (const fs::path& src : sources) KILN_RETURN_IF_ERROR(TransferOne(spec, src));
  return Status::Ok();
}

}  // namespace kiln::toe::fsu
