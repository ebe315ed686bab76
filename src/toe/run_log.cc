#include "toe/run_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>

#include "common/time.h"

namespace kiln::toe {

std::string Rfc3339Local(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  if (off == 0) return std::string(buf) + "Z";
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char zone[16];
  snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
  return std::string(buf) + zone;
}

std::string LogFolderName(int64_t ms, const std::string& id) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "TOE_%Y-%m-%d_%H-%M-%S_UTC-0_", &tm);
  return buf + id;
}

std::string NewExecutionId() {
  unsigned char b[16];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && read(fd, b, sizeof b) == static_cast<ssize_t>(sizeof b);
  if (fd >= 0) close(fd);
  if (!ok) {
    std::random_device rd;
    for (auto& x : b) x = static_cast<unsigned char>(rd());
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
           b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

int TeeBuf::overflow(int c) {
  if (c == EOF) return 0;
  char ch = static_cast<char>(c);
  return xsputn(&ch, 1) == 1 ? c : EOF;
}

std::streamsize TeeBuf::xsputn(const char* s, std::streamsize n) {
  if (a_) a_->sputn(s, n);
  if (b_) b_->sputn(s, n);
  return n;
}

int TeeBuf::sync() {
  if (a_) a_->pubsync();
  if (b_) b_->pubsync();
  return 0;
}

RunLog::RunLog(std::string folder, std::ostream* echo)
    : folder_(std::move(folder)), echo_(echo), console_(nullptr) {}

Status RunLog::OpenFiles(std::ios::openmode mode) {
  console_file_.open(folder_ + "/console.log", mode);
  app_file_.open(folder_ + "/application.log", mode);
  if (!console_file_ || !app_file_)
    return Status::IOError("cannot write the log files in '" + folder_ + "': " + strerror(errno));
  tee_ = std::make_unique<TeeBuf>(console_file_.rdbuf(), echo_ ? echo_->rdbuf() : nullptr);
  console_.rdbuf(tee_.get());
  return Status::Ok();
}

Result<std::unique_ptr<RunLog>> RunLog::Open(const std::string& folder, std::ostream* echo) {
  std::error_code ec;
  std::filesystem::create_directories(folder + "/scripts", ec);
  if (ec) return Status::IOError("cannot create the log folder '" + folder + "': " + ec.message());
  std::unique_ptr<RunLog> log(new RunLog(folder, echo));
  KILN_RETURN_IF_ERROR(log->OpenFiles(std::ios::out | std::ios::trunc));
  return log;
}

Result<std::unique_ptr<RunLog>> RunLog::Reopen(const std::string& folder, std::ostream* echo) {
  std::error_code ec;
  std::filesystem::create_directories(folder + "/scripts", ec);
  if (ec) return Status::IOError("cannot reopen the log folder '" + folder + "': " + ec.message());
  std::unique_ptr<RunLog> log(new RunLog(folder, echo));
  KILN_RETURN_IF_ERROR(log->OpenFiles(std::ios::out | std::ios::app));
  return log;
}

void RunLog::Write(const char* level, const std::string& message) {
  std::string line = FormatIso8601(NowMillis()) + " " + level + " " + message + "\n";
  app_file_ << line;
  if (echo_) *echo_ << line;
}

Status RunLog::WriteFile(const std::string& name, const std::string& content) {
  const std::string path = folder_ + "/" + name;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::out | std::ios::trunc | std::ios::binary);
    out << content;
    out.close();
    if (!out) return Status::IOError("cannot write '" + path + "'");
  }
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IOError("cannot write '" + path + "': " + strerror(errno));
  return Status::Ok();
}

void RunLog::Flush() {
  console_.flush();
  console_file_.flush();
  app_file_.flush();
  if (echo_) echo_->flush();
}

}  // namespace kiln::toe
