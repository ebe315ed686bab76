// Minimal leveled logging to stderr (or a file), safe across threads.
// Kiln's components write their own structured logs (toe run logs, build
// logs); this is for the process's own diagnostics.
#pragma once

#include <sstream>
#include <string>

namespace kiln::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error"; unknown text keeps the level.
void SetLevelFromString(const std::string& name);
void Write(Level level, const std::string& message);

inline void Debug(const std::string& m) { if (GetLevel() <= Level::kDebug) Write(Level::kDebug, m); }
inline void Info(const std::string& m) { if (GetLevel() <= Level::kInfo) Write(Level::kInfo, m); }
inline void Warn(const std::string& m) { Write(Level::kWarn, m); }
inline void Error(const std::string& m) { Write(Level::kError, m); }

}  // namespace kiln::log
