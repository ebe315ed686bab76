// A run's log folder (awstoe.md §1.8):
//   <log-directory>/TOE_<YYYY-MM-DD>_<HH-MM-SS>_UTC-0_<execution-id>/
//     document.yaml          the first document as read (+ one copy per document)
//     console.log            everything steps wrote (stdout and stderr)
//     application.log        timestamped log of what kiln-toe did
//     detailedoutput.json    the status tree (written at the end)
//     chaining.json          chaining expressions and the values they resolved to
//     scripts/               generated step scripts
// Logs are buffered and flushed at step boundaries, so per-step cost stays low.
#pragma once

#include <fstream>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>

#include "common/status.h"

namespace kiln::toe {

// RFC 3339 with the local UTC offset, as detailedoutput.json shows it:
// "2021-08-26T17:20:31-07:00".
std::string Rfc3339Local(int64_t unix_millis);
// "TOE_2021-07-01_12-34-56_UTC-0_<id>"
std::string LogFolderName(int64_t unix_millis, const std::string& execution_id);
// A random RFC 4122 version-4 GUID (the default execution id).
std::string NewExecutionId();

// Writes to two streams (the second may be null).
class TeeBuf : public std::streambuf {
 public:
  TeeBuf(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}

 protected:
  int overflow(int c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  std::streambuf* a_;
  std::streambuf* b_;
};

class RunLog {
 public:
  // Creates the folder (and parents). `echo` receives console output and
  // application log lines too (the terminal with --trace), or null.
  static Result<std::unique_ptr<RunLog>> Open(const std::string& folder, std::ostream* echo);
  // Reopens an existing folder for appending (resume after a reboot).
  static Result<std::unique_ptr<RunLog>> Reopen(const std::string& folder, std::ostream* echo);

  const std::string& folder() const { return folder_; }
  std::ostream& console() { return console_; }
  void Info(const std::string& message) { Write("INFO", message); }
  void Debug(const std::string& message) { Write("DEBUG", message); }
  void Warn(const std::string& message) { Write("WARN", message); }
  void Error(const std::string& message) { Write("ERROR", message); }
  // Writes `content` to <folder>/<name> (whole file, replaced).
  Status WriteFile(const std::string& name, const std::string& content);
  void Flush();

 private:
  RunLog(std::string folder, std::ostream* echo);
  Status OpenFiles(std::ios::openmode mode);
  void Write(const char* level, const std::string& message);

  std::string folder_;
  std::ostream* echo_;
  std::ofstream console_file_, app_file_;
  std::unique_ptr<TeeBuf> tee_;
  std::ostream console_;
};

}  // namespace kiln::toe
