// Pipeline schedules: cron and rate expressions and their next run time
// (workflows-pipelines-lifecycle.md §4.2-4.4).
//
// Cron: six fields "<minute> <hour> <day> <month> <day-of-week> <year>",
// one space apart, bare (console form) or wrapped as "cron(...)" (API
// form). Day-of-week counts 1=SUN..7=SAT; names are case-insensitive.
// Specials: , - * / everywhere except `/` in day-of-week; `?` in day and
// day-of-week; `L` (last day; in day-of-week the guide says Sunday, and
// `<d>L` is the last weekday d of the month); `nW` nearest weekday; `d#k`
// k-th weekday d of the month (k 1-5). Day and day-of-week: `*` in one with
// a value in the other is accepted (the guide's own `cron(0 0 * * SUN *)`);
// both specific, or both `?`, is an error.
//
// Rate: "rate(<n> <unit>)", unit minute(s)/hour(s)/day(s); 1 takes the
// singular, more than 1 the plural.
//
// Next-run times are computed in the schedule's time zone: "UTC"/"Etc/UTC"
// (the default), or an IANA name from /usr/share/zoneinfo. Local times that
// a daylight-saving change skips never fire; repeated local times fire once.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace kiln::engine {

inline constexpr int kCronMinYear = 1970;
inline constexpr int kCronMaxYear = 2199;

struct CronExpression {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;    // 1..31
  std::bitset<13> months;  // 1..12
  std::bitset<8> weekdays; // 1..7, 1 = Sunday
  std::bitset<kCronMaxYear - kCronMinYear + 1> years;
  // How the day is chosen: by day of month, by day of week, or every day.
  enum class DayRule { kEveryDay, kDayOfMonth, kDayOfWeek } day_rule = DayRule::kEveryDay;
  bool last_day_of_month = false;          // L in day
  int nearest_weekday = 0;                 // nW in day (n), 0 = none
  int last_weekday_of_month = 0;           // <d>L in day-of-week (d), 0 = none
  int nth_weekday = 0, nth_weekday_k = 0;  // d#k in day-of-week
};

// Parses the six fields (bare form) or "cron(...)". Errors name the field and
// the offending token, e.g. "cron field 'minute': 60 is out of range 0-59".
Result<CronExpression> ParseCron(const std::string& text);

struct RateExpression {
  int64_t value = 0;
  std::string unit;  // as written: "minute", "hours", ...
  int64_t IntervalSeconds() const;
};
Result<RateExpression> ParseRate(const std::string& text);

// A time zone for next-run computations.
class TimeZone {
 public:
  // "UTC", "Etc/UTC", or an IANA name with a file in /usr/share/zoneinfo.
  static Result<TimeZone> Load(const std::string& name);
  const std::string& name() const { return name_; }
  bool is_utc() const { return utc_; }

 private:
  std::string name_;
  bool utc_ = true;
};

// The first time strictly after `after_ms` (Unix milliseconds) at which the
// expression fires in `zone`, or nullopt when it never fires again (after
// 2199-12-31 23:59 local time, or a day that never exists such as 30 Feb).
std::optional<int64_t> NextCronRun(const CronExpression& cron, const TimeZone& zone,
                                   int64_t after_ms);

// The first anchor + k·interval strictly after `after_ms` (k ≥ 1): a rate
// schedule starts counting when it is created (§4.4).
int64_t NextRateRun(const RateExpression& rate, int64_t anchor_ms, int64_t after_ms);

// A parsed schedule expression as pipelines and rules store it.
struct ScheduleExpression {
  std::optional<CronExpression> cron;
  std::optional<RateExpression> rate;
};
// Accepts "cron(...)" or "rate(...)" (the API forms).
Result<ScheduleExpression> ParseScheduleExpression(const std::string& text);

}  // namespace kiln::engine
