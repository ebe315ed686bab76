#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "common/time.h"

namespace kiln::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mu;
const char* Name(Level l) {
  switch (l) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "?";
}
}  // namespace

void SetLevel(Level level) { g_level = level; }
Level GetLevel() { return g_level; }

void SetLevelFromString(const std::string& name) {
  if (name == "debug") SetLevel(Level::kDebug);
  else if (name == "info") SetLevel(Level::kInfo);
  else if (name == "warn") SetLevel(Level::kWarn);
  else if (name == "error") SetLevel(Level::kError);
}

void Write(Level level, const std::string& message) {
  std::string line = FormatIso8601(NowMillis()) + " " + Name(level) + " " + message + "\n";
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace kiln::log
