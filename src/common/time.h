// Wall-clock helpers. Times are Unix milliseconds (int64) inside Kiln and
// ISO-8601 UTC strings on the wire, as Image Builder's API uses them.
#pragma once

#include <cstdint>
#include <string>

namespace kiln {

int64_t NowMillis();
// Monotonic clock for timeouts and durations, in milliseconds.
int64_t MonotonicMillis();
// "2026-11-27T07:44:07.123Z"
std::string FormatIso8601(int64_t unix_millis);
// "20261127T074407Z" (SigV4 / AWSTOE style basic format)
std::string FormatBasic(int64_t unix_millis);

}  // namespace kiln
