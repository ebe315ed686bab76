// WriteLayer: directory tree -> tar (libarchive) -> zstd/gzip -> blob file,
// hashing the tar (diff_id) and the blob (digest) on the way.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include "image/digest.h"
#include "image/layer.h"

namespace kiln::image {
namespace {

// Receives the tar stream, compresses it and writes the blob.
class BlobSink {
 public:
  BlobSink(int fd, Compression c, int level) : fd_(fd), compression_(c) {
    if (c == Compression::kZstd) {
      zstd_ = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, level);
      // One zstd worker (if the host has 2+ CPUs) beside the tree walk and
      // the sink thread (PipelinedSink): compression overlaps the feeding,
      // hashing and writing. On a busy 2-CPU host (64 KiB blocks) it
      // measured 0.89-0.98x `tar | zstd -3`, two workers 0.77x, none 0.95x
      // (bench/snapshot_bench.sh's change, 7-9 interleaved rounds).
      // KILN_ZSTD_WORKERS=N overrides; libzstd without threads ignores it.
      // Output is identical for any N >= 1.
      const char* w = getenv("KILN_ZSTD_WORKERS");
      unsigned cores = std::thread::hardware_concurrency();
      unsigned workers = w ? static_cast<unsigned>(atoi(w)) : (cores > 1 ? 1u : 0u);
      if (workers > 0) ZSTD_CCtx_setParameter(zstd_, ZSTD_c_nbWorkers, workers);
    } else if (c == Compression::kGzip) {
      gzip_ok_ = deflateInit2(&gzip_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    }
    out_.resize(1 << 20);
  }
  ~BlobSink() {
    if (zstd_) ZSTD_freeCCtx(zstd_);
    if (compression_ == Compression::kGzip && gzip_ok_) deflateEnd(&gzip_);
  }

  bool Write(const void* data, size_t size) {
    HashTar(data, size);
    return Compress(data, size);
  }
  // The two halves of Write, for callers that hash on another thread than
  // the one compressing (PipelinedSink).
  void HashTar(const void* data, size_t size) { tar_hash_.Update(data, size); }
  bool Compress(const void* data, size_t size) {
    switch (compression_) {
      case Compression::kNone: return Emit(data, size);
      case Compression::kZstd: return Zstd(data, size, ZSTD_e_continue);
      case Compression::kGzip: return Gzip(data, size, Z_NO_FLUSH);
    }
    return false;
  }
  bool Finish() {
    switch (compression_) {
      case Compression::kNone: return true;
      case Compression::kZstd: return Zstd(nullptr, 0, ZSTD_e_end);
      case Compression::kGzip: return Gzip(nullptr, 0, Z_FINISH);
    }
    return false;
  }
  std::string diff_id() { return tar_hash_.Finish(); }
  std::string digest() { return blob_hash_.Finish(); }
  int64_t size() const { return size_; }
  const std::string& error() const { return error_; }

 private:
  bool Emit(const void* data, size_t size) {
    blob_hash_.Update(data, size);
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t w = ::write(fd_, p, size);
      if (w < 0) {
        if (errno == EINTR) continue;
        error_ = std::string("write: ") + strerror(errno);
        return false;
      }
      p += w;
      size -= static_cast<size_t>(w);
      size_ += w;
    }
    return true;
  }
  bool Zstd(const void* data, size_t size, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, size, 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t left = ZSTD_compressStream2(zstd_, &out, &in, mode);
      if (ZSTD_isError(left)) {
        error_ = std::string("zstd: ") + ZSTD_getErrorName(left);
        return false;
      }
      if (out.pos && !Emit(out_.data(), out.pos)) return false;
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return true;
    }
  }
  bool Gzip(const void* data, size_t size, int flush) {
    if (!gzip_ok_) {
      error_ = "zlib: deflateInit failed";
      return false;
    }
    gzip_.next_in = static_cast<Bytef*>(const_cast<void*>(data));
    gzip_.avail_in = static_cast<uInt>(size);
    for (;;) {
      gzip_.next_out = reinterpret_cast<Bytef*>(out_.data());
      gzip_.avail_out = static_cast<uInt>(out_.size());
      int rc = deflate(&gzip_, flush);
      if (rc == Z_STREAM_ERROR) {
        error_ = "zlib: deflate failed";
        return false;
      }
      size_t produced = out_.size() - gzip_.avail_out;
      if (produced && !Emit(out_.data(), produced)) return false;
      if (flush == Z_FINISH ? rc == Z_STREAM_END : gzip_.avail_in == 0) return true;
    }
  }

  int fd_;
  Compression compression_;
  ZSTD_CCtx* zstd_ = nullptr;
  z_stream gzip_{};
  bool gzip_ok_ = false;
  std::string out_;
  Sha256 tar_hash_, blob_hash_;
  int64_t size_ = 0;
  std::string error_;
};

// Runs a BlobSink on its own thread, fed through a bounded queue: the tree
// walk and tar formatting overlap hashing, compression and writing, the
// way `tar | zstd` overlaps its two processes.
//
// The queue carries buffers from a fixed pool (no allocation, hence no page
// faults, per block). File contents are read straight into a pool buffer
// (Borrow) and handed over without a copy when libarchive passes that same
// buffer to the write callback, which it does because it runs unblocked
// (bytes_per_block 0). Small writes (tar headers, padding) are gathered into
// a staging buffer. Profiling showed the old per-block std::string copies and
// their page faults costing about a fifth of the snapshot's CPU time.
class PipelinedSink {
 public:
  // Small blocks, as in `tar | zstd` (whose pipe moves 64 KiB at a time):
  // on a busy host, 1 MiB blocks measured 0.64-0.72x `tar | zstd -3`,
  // 64 KiB blocks 0.89-0.98x (bench/snapshot_bench.sh); the threads hand
  // work over often and never sit waiting for a big block to fill.
  static constexpr size_t kBlock = 64 << 10;
  explicit PipelinedSink(BlobSink* sink) : sink_(sink) {
    for (auto& b : pool_) {
      b.reset(new char[kBlock]);
      free_.push_back(b.get());
    }
    thread_ = std::thread([this] { Drain(); });
  }
  ~PipelinedSink() { Close(); }

  // A free buffer of kBlock bytes to read file data into (nullptr after a
  // failure). Give it back with Return() whether or not Write() took it.
  char* Borrow() {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return !free_.empty() || failed_; });
    if (failed_) return nullptr;
    lent_ = free_.back();
    free_.pop_back();
    return lent_;
  }
  void Return(char* buf) {
    if (buf == nullptr || buf != lent_) return;  // handed over by Write()
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(buf);
    lent_ = nullptr;
    space_.notify_one();
  }

  // Hashes the tar bytes here, on the producer thread, so that the sink
  // thread's work (compression feed, blob hash, write) is no longer than a
  // lone `zstd` process's: on a busy host each thread gets a similar share.
  bool Write(const void* data, size_t size) {
    sink_->HashTar(data, size);
    if (data == lent_ && lent_ != nullptr) {  // the borrowed buffer: no copy
      if (!FlushStaging()) return false;
      char* buf = lent_;
      lent_ = nullptr;
      return Enqueue(buf, size);
    }
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      if (staging_ == nullptr && !(staging_ = TakeFree())) return false;
      size_t n = std::min(size, kBlock - staged_);
      memcpy(staging_ + staged_, p, n);
      staged_ += n;
      p += n;
      size -= n;
      if (staged_ == kBlock && !FlushStaging()) return false;
    }
    return true;
  }
  // Waits for everything queued to be written; false if any write failed.
  bool Close() {
    if (!closed_ && !FlushStaging()) {
      std::lock_guard<std::mutex> lock(mu_);
      failed_ = true;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return !failed_;
      closed_ = true;
      ready_.notify_one();
    }
    thread_.join();
    return !failed_;
  }

 private:
  static constexpr size_t kPool = 64;  // blocks in flight (4 MiB), staging and borrowed included
  struct Chunk {
    char* buf;
    size_t size;
  };

  char* TakeFree() {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return !free_.empty() || failed_; });
    if (failed_) return nullptr;
    char* b = free_.back();
    free_.pop_back();
    return b;
  }
  bool FlushStaging() {
    if (staging_ == nullptr) return !failed_;
    char* buf = staging_;
    size_t n = staged_;
    staging_ = nullptr;
    staged_ = 0;
    return Enqueue(buf, n);
  }
  bool Enqueue(char* buf, size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) {
      free_.push_back(buf);
      return false;
    }
    queue_.push_back({buf, size});
    ready_.notify_one();
    return true;
  }
  void Drain() {
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        chunk = queue_.front();
        queue_.pop_front();
      }
      bool ok = failed_ || sink_->Compress(chunk.buf, chunk.size);
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) failed_ = true;
      free_.push_back(chunk.buf);
      space_.notify_all();
    }
  }

  BlobSink* sink_;
  std::unique_ptr<char[]> pool_[kPool];
  std::vector<char*> free_;      // guarded by mu_
  std::deque<Chunk> queue_;      // guarded by mu_
  char* lent_ = nullptr;         // producer thread only
  char* staging_ = nullptr;      // producer thread only
  size_t staged_ = 0;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  bool closed_ = false;
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

la_ssize_t SinkWrite(struct archive*, void* client, const void* buf, size_t n) {
  return static_cast<PipelinedSink*>(client)->Write(buf, n) ? static_cast<la_ssize_t>(n) : -1;
}

// Walks the tree in sorted order and writes tar entries.
class TreeWriter {
 public:
  TreeWriter(archive* a, PipelinedSink* pipe, const std::string& root, const WriteLayerOptions& o)
      : a_(a), pipe_(pipe), root_(root), options_(o) {}
  ~TreeWriter() { archive_entry_free(entry_); }

  Status WriteDir(const std::string& rel) {  // rel: "" or "etc/ssl"
    std::string path = rel.empty() ? root_ : root_ + "/" + rel;
    DIR* d = opendir(path.c_str());
    if (!d) return Status::IOError("open directory " + path + ": " + strerror(errno));
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::string child = rel.empty() ? n : rel + "/" + n;
      if (options_.exclude.count(child)) continue;
      KILN_RETURN_IF_ERROR(WriteEntry(child));
    }
    return Status::Ok();
  }

  int64_t entries() const { return entries_; }

 private:
  Status WriteEntry(const std::string& rel) {
    std::string path = root_ + "/" + rel;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return Status::IOError("stat " + path + ": " + strerror(errno));
    if (options_.overlay_whiteouts && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      size_t slash = rel.rfind('/');
      std::string wh = slash == std::string::npos ? ".wh." + rel
                                                  : rel.substr(0, slash + 1) + ".wh." + rel.substr(slash + 1);
      return WriteWhiteout(wh, st);
    }
    Reset(rel, st);
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_pathname(entry_, (rel + "/").c_str());
      KILN_RETURN_IF_ERROR(Header(path));
      bool opaque = false;
      if (options_.overlay_whiteouts) {
        char v[4] = {0};
        ssize_t n = lgetxattr(path.c_str(), "trusted.overlay.opaque", v, sizeof v);
        opaque = n == 1 && v[0] == 'y';
      }
      if (opaque) KILN_RETURN_IF_ERROR(WriteWhiteout(rel + "/.wh..wh..opq", st));
      return WriteDir(rel);
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlink(path.c_str(), target.data(), target.size());
      if (n < 0) return Status::IOError("readlink " + path + ": " + strerror(errno));
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(entry_, target.c_str());
      return Header(path);
    }
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = links_.find(key);
      if (it != links_.end()) {  // a second name of a file already written
        archive_entry_set_hardlink(entry_, it->second.c_str());
        archive_entry_set_size(entry_, 0);
        return Header(path);
      }
      links_[key] = rel;
    }
    KILN_RETURN_IF_ERROR(Header(path));
    if (S_ISREG(st.st_mode) && st.st_size > 0) return CopyData(path, st.st_size);
    return Status::Ok();
  }

  void Reset(const std::string& rel, const struct stat& st) {
    if (entry_) archive_entry_clear(entry_);
    else entry_ = archive_entry_new();
    archive_entry_copy_stat(entry_, &st);
    archive_entry_set_pathname(entry_, rel.c_str());
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(entry_, 0);
  }

  Status WriteWhiteout(const std::string& rel, const struct stat& like) {
    if (entry_) archive_entry_clear(entry_);
    else entry_ = archive_entry_new();
    archive_entry_set_pathname(entry_, rel.c_str());
    archive_entry_set_filetype(entry_, AE_IFREG);
    archive_entry_set_perm(entry_, 0);
    archive_entry_set_size(entry_, 0);
    archive_entry_set_mtime(entry_, like.st_mtime, 0);
    return Header("");
  }

  // Adds the file's extended attributes (except overlayfs' own) and writes
  // the header.
  Status Header(const std::string& path) {
    if (!path.empty()) {
      char names[4096];
      ssize_t len = llistxattr(path.c_str(), names, sizeof names);
      for (ssize_t off = 0; len > 0 && off < len; off += static_cast<ssize_t>(strlen(names + off)) + 1) {
        const char* name = names + off;
        if (strncmp(name, "trusted.overlay.", 16) == 0) continue;
        char value[4096];
        ssize_t vn = lgetxattr(path.c_str(), name, value, sizeof value);
        if (vn >= 0) archive_entry_xattr_add_entry(entry_, name, value, static_cast<size_t>(vn));
      }
    }
    if (archive_write_header(a_, entry_) != ARCHIVE_OK) {
      return Status::IOError("tar header for " + std::string(archive_entry_pathname(entry_)) + ": " +
                             archive_error_string(a_));
    }
    entries_++;
    return Status::Ok();
  }

  // Reads the file into buffers borrowed from the pipeline, so the data
  // reaches the compressor without being copied on the way.
  Status CopyData(const std::string& path, off_t size) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Status::IOError("open " + path + ": " + strerror(errno));
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    Status s;
    off_t left = size;
    while (left > 0 && s.ok()) {
      char* buf = pipe_->Borrow();
      if (buf == nullptr) {
        s = Status::IOError("tar data for " + path + ": the layer sink failed");
        break;
      }
      ssize_t n = read(fd, buf, static_cast<size_t>(std::min<off_t>(left, PipelinedSink::kBlock)));
      if (n <= 0) {
        s = Status::IOError("read " + path + (n < 0 ? std::string(": ") + strerror(errno) : ": file shrank"));
      } else if (archive_write_data(a_, buf, static_cast<size_t>(n)) < 0) {
        s = Status::IOError("tar data for " + path + ": " + archive_error_string(a_));
      } else {
        left -= n;
      }
      pipe_->Return(buf);
    }
    close(fd);
    return s;
  }

  archive* a_;
  PipelinedSink* pipe_;
  std::string root_;
  const WriteLayerOptions& options_;
  archive_entry* entry_ = nullptr;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  int64_t entries_ = 0;
};

}  // namespace

std::string LayerMediaType(Compression c) {
  switch (c) {
    case Compression::kNone: return "application/vnd.oci.image.layer.v1.tar";
    case Compression::kGzip: return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::kZstd: return "application/vnd.oci.image.layer.v1.tar+zstd";
  }
  return "";
}

Result<Compression> ParseCompression(const std::string& name) {
  if (name == "zstd") return Compression::kZstd;
  if (name == "gzip") return Compression::kGzip;
  if (name == "none") return Compression::kNone;
  return Status::Invalid("unknown layer compression '" + name + "' (zstd, gzip, none)");
}

Result<LayerInfo> WriteLayer(const std::string& dir, const std::string& out_path,
                             const WriteLayerOptions& options) {
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("create " + out_path + ": " + strerror(errno));
  BlobSink sink(fd, options.compression, options.level);
  PipelinedSink pipe(&sink);
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  // Unblocked: writes go straight to PipelinedSink (which does its own
  // blocking), so file data buffers pass through without a copy, and no
  // padding follows the tar trailer.
  archive_write_set_bytes_per_block(a, 0);
  Status s;
  int64_t entries = 0;
  if (archive_write_open2(a, &pipe, nullptr, SinkWrite, nullptr, nullptr) != ARCHIVE_OK) {
    s = Status::IOError(std::string("tar: ") + archive_error_string(a));
  } else {
    TreeWriter tree(a, &pipe, dir, options);
    s = tree.WriteDir("");
    entries = tree.entries();
    if (archive_write_close(a) != ARCHIVE_OK && s.ok()) {
      s = Status::IOError("tar: " + std::string(archive_error_string(a)) + " " + sink.error());
    }
  }
  archive_write_free(a);
  if (!pipe.Close() && s.ok()) s = Status::IOError(sink.error());
  if (s.ok() && !sink.Finish()) s = Status::IOError(sink.error());
  close(fd);
  if (!s.ok()) {
    unlink(out_path.c_str());
    return s.Prefixed("write layer from " + dir);
  }
  LayerInfo info;
  info.diff_id = sink.diff_id();
  info.digest = sink.digest();
  info.size = sink.size();
  info.media_type = LayerMediaType(options.compression);
  info.entries = entries;
  return info;
}

Result<LayerInfo> RecompressLayer(const std::string& blob_path, const std::string& out_path,
                                  Compression compression, int level) {
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("create " + out_path + ": " + strerror(errno));
  BlobSink sink(fd, compression, level);
  Status s = ReadDecompressedLayer(blob_path, [&](const char* data, size_t size) {
    return sink.Write(data, size) ? Status::Ok() : Status::IOError(sink.error());
  });
  if (s.ok() && !sink.Finish()) s = Status::IOError(sink.error());
  close(fd);
  if (!s.ok()) {
    unlink(out_path.c_str());
    return s;
  }
  LayerInfo info;
  info.diff_id = sink.diff_id();
  info.digest = sink.digest();
  info.size = sink.size();
  info.media_type = LayerMediaType(compression);
  return info;
}

}  // namespace kiln::image
