#include "engine/schedule.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <regex>
#include <sys/stat.h>
#include <vector>

namespace kiln::engine {
namespace {

// ------------------------------------------------------------ civil dates
// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int year, month, day, hour, minute;
};

Civil CivilFromUnix(int64_t secs) {
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return {static_cast<int>(y), static_cast<int>(m), static_cast<int>(d),
          static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60)};
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}
// 1 = Sunday .. 7 = Saturday (cron numbering).
int CronWeekday(int y, int m, int d) {
  int64_t days = DaysFromCivil(y, m, d);
  int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

// ------------------------------------------------------------ time zones
// libstdc++ 12 has no std::chrono::tzdb, so IANA zones go through glibc's
// TZ handling. setenv/tzset are process-global: every conversion holds this
// mutex and restores TZ afterwards; Kiln itself formats times with gmtime.
std::mutex& TzMutex() {
  static std::mutex m;
  return m;
}

class ScopedTz {
 public:
  explicit ScopedTz(const std::string& name) : lock_(TzMutex()) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", (":" + name).c_str(), 1);
    tzset();
  }
  ~ScopedTz() {
    if (had_) setenv("TZ", old_.c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }

 private:
  std::lock_guard<std::mutex> lock_;
  bool had_ = false;
  std::string old_;
};

Civil ToLocal(const TimeZone& zone, int64_t secs) {
  if (zone.is_utc()) return CivilFromUnix(secs);
  ScopedTz tz(zone.name());
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  localtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min};
}

// nullopt when the local time does not exist (skipped by a DST change).
std::optional<int64_t> FromLocal(const TimeZone& zone, const Civil& c) {
  if (zone.is_utc())
    return DaysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60;
  ScopedTz tz(zone.name());
  struct tm tm {};
  tm.tm_year = c.year - 1900;
  tm.tm_mon = c.month - 1;
  tm.tm_mday = c.day;
  tm.tm_hour = c.hour;
  tm.tm_min = c.minute;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  struct tm back {};
  localtime_r(&t, &back);
  if (back.tm_year != c.year - 1900 || back.tm_mon != c.month - 1 || back.tm_mday != c.day ||
      back.tm_hour != c.hour || back.tm_min != c.minute)
    return std::nullopt;
  return static_cast<int64_t>(t);
}

// ------------------------------------------------------------ cron fields
std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

struct FieldSpec {
  const char* name;
  int min, max;
  std::vector<std::string> names;  // names[i] is value min + i
  bool allow_step = true;
};

Status FieldError(const FieldSpec& f, const std::string& why) {
  return Status::Invalid(std::string("cron field '") + f.name + "': " + why);
}

Result<int> Value(const FieldSpec& f, const std::string& tok) {
  if (tok.empty()) return FieldError(f, "empty value");
  if (std::all_of(tok.begin(), tok.end(), ::isdigit)) {
    if (tok.size() > 4) return FieldError(f, tok + " is out of range");
    int v = std::stoi(tok);
    if (v < f.min || v > f.max)
      return FieldError(f, tok + " is out of range " + std::to_string(f.min) + "-" +
                               std::to_string(f.max));
    return v;
  }
  std::string up = Upper(tok);
  for (size_t i = 0; i < f.names.size(); ++i)
    if (f.names[i] == up) return f.min + static_cast<int>(i);
  return FieldError(f, "'" + tok + "' is not a value");
}

// Fills `bits` (indexed by value - offset) from a list of `a`, `a-b`, `*`,
// with optional `/n` steps.
template <size_t N>
Status ParseGeneric(const FieldSpec& f, const std::string& text, std::bitset<N>& bits,
                    int offset) {
  for (const std::string& item : Split(text, ',')) {
    std::string range = item;
    int step = 1;
    size_t slash = item.find('/');
    if (slash != std::string::npos) {
      if (!f.allow_step) return FieldError(f, "'/' is not allowed here ('" + item + "')");
      std::string s = item.substr(slash + 1);
      if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit) || s.size() > 4 ||
          std::stoi(s) < 1)
        return FieldError(f, "'" + item + "': the increment must be a positive number");
      step = std::stoi(s);
      range = item.substr(0, slash);
    }
    int lo, hi;
    if (range == "*") {
      lo = f.min, hi = f.max;
    } else {
      size_t dash = range.find('-');
      if (dash == std::string::npos) {
        KILN_ASSIGN_OR_RETURN(lo, Value(f, range));
        hi = slash == std::string::npos ? lo : f.max;  // "a/n" runs to the end
      } else {
        KILN_ASSIGN_OR_RETURN(lo, Value(f, range.substr(0, dash)));
        KILN_ASSIGN_OR_RETURN(hi, Value(f, range.substr(dash + 1)));
        if (lo > hi) return FieldError(f, "range '" + range + "' runs backwards");
      }
    }
    for (int v = lo; v <= hi; v += step) bits.set(v - offset);
  }
  return Status::Ok();
}

const FieldSpec kMinute{"minute", 0, 59, {}};
const FieldSpec kHour{"hour", 0, 23, {}};
const FieldSpec kDay{"day-of-month", 1, 31, {}};
const FieldSpec kMonth{"month", 1, 12,
                       {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                        "NOV", "DEC"}};
const FieldSpec kWeekday{"day-of-week", 1, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"},
                         false};
const FieldSpec kYear{"year", kCronMinYear, kCronMaxYear, {}};

enum class DayKind { kQuestion, kStar, kSpecific };

Result<DayKind> ParseDayOfMonth(const std::string& t, CronExpression& c) {
  if (t == "?") return DayKind::kQuestion;
  if (t == "*") {
    c.days.set();
    return DayKind::kStar;
  }
  if (Upper(t) == "L") {
    c.last_day_of_month = true;
    return DayKind::kSpecific;
  }
  if (t.size() >= 2 && Upper(t).back() == 'W') {
    KILN_ASSIGN_OR_RETURN(int n, Value(kDay, t.substr(0, t.size() - 1)));
    c.nearest_weekday = n;
    return DayKind::kSpecific;
  }
  if (t.find_first_of("LWlw#") != std::string::npos)
    return FieldError(kDay, "'" + t + "': L and W stand alone (L, or nW)");
  KILN_RETURN_IF_ERROR(ParseGeneric(kDay, t, c.days, 0));
  return DayKind::kSpecific;
}

Result<DayKind> ParseDayOfWeek(const std::string& t, CronExpression& c) {
  if (t == "?") return DayKind::kQuestion;
  if (t == "*") {
    c.weekdays.set();
    return DayKind::kStar;
  }
  if (Upper(t) == "L") {
    // The guide (L14945) says L in day-of-week means Sunday; EventBridge and
    // Quartz use Saturday, the last day of the week. Kiln follows the guide.
    c.weekdays.set(1);
    return DayKind::kSpecific;
  }
  size_t hash = t.find('#');
  if (hash != std::string::npos) {
    KILN_ASSIGN_OR_RETURN(int d, Value(kWeekday, t.substr(0, hash)));
    std::string k = t.substr(hash + 1);
    if (k.size() != 1 || k[0] < '1' || k[0] > '5')
      return FieldError(kWeekday, "'" + t + "': the occurrence after # must be 1-5");
    c.nth_weekday = d;
    c.nth_weekday_k = k[0] - '0';
    return DayKind::kSpecific;
  }
  if (t.size() >= 2 && Upper(t).back() == 'L') {
    KILN_ASSIGN_OR_RETURN(int d, Value(kWeekday, t.substr(0, t.size() - 1)));
    c.last_weekday_of_month = d;
    return DayKind::kSpecific;
  }
  KILN_RETURN_IF_ERROR(ParseGeneric(kWeekday, t, c.weekdays, 0));
  return DayKind::kSpecific;
}

bool DayMatches(const CronExpression& c, int y, int m, int d) {
  const int dim = DaysInMonth(y, m);
  switch (c.day_rule) {
    case CronExpression::DayRule::kEveryDay:
      return true;
    case CronExpression::DayRule::kDayOfMonth: {
      if (c.days.test(d)) return true;
      if (c.last_day_of_month && d == dim) return true;
      if (c.nearest_weekday && c.nearest_weekday <= dim) {
        // The weekday nearest day n, never crossing the month (Quartz).
        int n = c.nearest_weekday, w = CronWeekday(y, m, n), target = n;
        if (w == 7) target = n > 1 ? n - 1 : n + 2;    // Saturday
        if (w == 1) target = n < dim ? n + 1 : n - 2;  // Sunday
        if (d == target) return true;
      }
      return false;
    }
    case CronExpression::DayRule::kDayOfWeek: {
      const int w = CronWeekday(y, m, d);
      if (c.weekdays.test(w)) return true;
      if (c.last_weekday_of_month == w && d + 7 > dim) return true;
      if (c.nth_weekday == w && (d - 1) / 7 + 1 == c.nth_weekday_k) return true;
      return false;
    }
  }
  return false;
}

}  // namespace

Result<CronExpression> ParseCron(const std::string& input) {
  std::string text = input;
  if (text.rfind("cron(", 0) == 0) {
    if (text.back() != ')') return Status::Invalid("cron expression '" + input + "': missing ')'");
    text = text.substr(5, text.size() - 6);
  }
  if (text.empty() || text.front() == ' ' || text.back() == ' ')
    return Status::Invalid("cron expression '" + input +
                           "': no leading or trailing spaces are allowed");
  std::vector<std::string> f = Split(text, ' ');
  if (f.size() != 6)
    return Status::Invalid("cron expression '" + input + "': expected 6 fields (minute hour "
                           "day-of-month month day-of-week year) separated by one space, found " +
                           std::to_string(f.size()));
  CronExpression c;
  auto prefix = [&](Status s) { return s.Prefixed("cron expression '" + input + "'"); };
  Status s = ParseGeneric(kMinute, f[0], c.minutes, 0);
  if (s.ok()) s = ParseGeneric(kHour, f[1], c.hours, 0);
  if (s.ok()) s = ParseGeneric(kMonth, f[3], c.months, 0);
  if (s.ok()) s = ParseGeneric(kYear, f[5], c.years, kCronMinYear);
  if (!s.ok()) return prefix(s);
  for (const auto* field : {&f[0], &f[1], &f[3], &f[5]})
    if (field->find_first_of("?LW#") != std::string::npos)
      return prefix(Status::Invalid("'" + *field + "': ? L W # are only allowed in the day "
                                    "fields"));
  auto dom = ParseDayOfMonth(f[2], c);
  if (!dom.ok()) return prefix(dom.status());
  auto dow = ParseDayOfWeek(f[4], c);
  if (!dow.ok()) return prefix(dow.status());
  if (*dom == DayKind::kQuestion && *dow == DayKind::kQuestion)
    return prefix(Status::Invalid("day-of-month and day-of-week cannot both be '?'"));
  if (*dom == DayKind::kSpecific && *dow == DayKind::kSpecific)
    return prefix(Status::Invalid("day-of-month and day-of-week cannot both be specified; "
                                  "use '?' in one of them"));
  if (*dom == DayKind::kSpecific) c.day_rule = CronExpression::DayRule::kDayOfMonth;
  else if (*dow == DayKind::kSpecific) c.day_rule = CronExpression::DayRule::kDayOfWeek;
  else c.day_rule = CronExpression::DayRule::kEveryDay;
  return c;
}

int64_t RateExpression::IntervalSeconds() const {
  int64_t unit_s = unit.rfind("minute", 0) == 0 ? 60 : unit.rfind("hour", 0) == 0 ? 3600 : 86400;
  return value * unit_s;
}

Result<RateExpression> ParseRate(const std::string& text) {
  static const std::regex kRate("^rate\\(([0-9]+) (minute|minutes|hour|hours|day|days)\\)$");
  std::smatch m;
  if (!std::regex_match(text, m, kRate))
    return Status::Invalid("rate expression '" + text +
                           "': expected rate(<value> <unit>) with unit minute(s), hour(s) or "
                           "day(s)");
  RateExpression r;
  if (m[1].str().size() > 9 || std::stoll(m[1].str()) < 1)
    return Status::Invalid("rate expression '" + text + "': the value must be a positive integer");
  r.value = std::stoll(m[1].str());
  r.unit = m[2].str();
  bool plural = r.unit.back() == 's';
  if (r.value == 1 && plural)
    return Status::Invalid("rate expression '" + text + "': a value of 1 takes the singular unit (" +
                           r.unit.substr(0, r.unit.size() - 1) + ")");
  if (r.value > 1 && !plural)
    return Status::Invalid("rate expression '" + text + "': a value above 1 takes the plural unit (" +
                           r.unit + "s)");
  return r;
}

Result<TimeZone> TimeZone::Load(const std::string& name) {
  TimeZone z;
  z.name_ = name.empty() ? "Etc/UTC" : name;
  if (z.name_ == "UTC" || z.name_ == "Etc/UTC" || z.name_ == "GMT" || z.name_ == "Etc/GMT")
    return z;
  static const std::regex kName("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$");
  struct stat st {};
  if (name.size() > 100 || !std::regex_match(name, kName) ||
      stat(("/usr/share/zoneinfo/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::Invalid("time zone '" + name +
                           "' is not a known IANA time zone (e.g. Etc/UTC, America/New_York)");
  z.utc_ = false;
  return z;
}

std::optional<int64_t> NextCronRun(const CronExpression& c, const TimeZone& zone,
                                   int64_t after_ms) {
  int64_t after_s = after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000;
  // Start at the local minute containing `after`; every candidate is then
  // checked to lie strictly after it.
  Civil start = ToLocal(zone, after_s - ((after_s % 60) + 60) % 60);
  int64_t day = DaysFromCivil(start.year, start.month, start.day);
  for (;; ++day) {
    Civil d = CivilFromUnix(day * 86400);
    if (d.year > kCronMaxYear) return std::nullopt;
    if (d.year < kCronMinYear || !c.years.test(d.year - kCronMinYear)) {
      day = DaysFromCivil(d.year + 1, 1, 1) - 1;  // jump to the next year
      continue;
    }
    if (!c.months.test(d.month)) {
      day = DaysFromCivil(d.month == 12 ? d.year + 1 : d.year, d.month == 12 ? 1 : d.month + 1, 1) - 1;
      continue;
    }
    if (!DayMatches(c, d.year, d.month, d.day)) continue;
    bool first_day = d.year == start.year && d.month == start.month && d.day == start.day;
    for (int h = first_day ? start.hour : 0; h < 24; ++h) {
      if (!c.hours.test(h)) continue;
      for (int m = first_day && h == start.hour ? start.minute : 0; m < 60; ++m) {
        if (!c.minutes.test(m)) continue;
        auto t = FromLocal(zone, {d.year, d.month, d.day, h, m});
        if (t && *t * 1000 > after_ms) return *t * 1000;
      }
    }
  }
}

int64_t NextRateRun(const RateExpression& rate, int64_t anchor_ms, int64_t after_ms) {
  int64_t interval = rate.IntervalSeconds() * 1000;
  if (after_ms < anchor_ms) return anchor_ms + interval;
  int64_t k = (after_ms - anchor_ms) / interval + 1;
  return anchor_ms + k * interval;
}

Result<ScheduleExpression> ParseScheduleExpression(const std::string& text) {
  ScheduleExpression e;
  if (text.rfind("cron(", 0) == 0) {
    KILN_ASSIGN_OR_RETURN(e.cron, ParseCron(text));
    return e;
  }
  if (text.rfind("rate(", 0) == 0) {
    KILN_ASSIGN_OR_RETURN(e.rate, ParseRate(text));
    return e;
  }
  return Status::Invalid("schedule expression '" + text +
                         "': expected cron(<6 fields>) or rate(<value> <unit>)");
}

}  // namespace kiln::engine
