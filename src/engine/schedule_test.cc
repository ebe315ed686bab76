#include "engine/schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"

namespace kiln::engine {
namespace {

using ::testing::HasSubstr;

// Unix ms of a UTC civil time.
int64_t Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string Next(const std::string& expr, int64_t after, const std::string& tz = "Etc/UTC") {
  auto c = ParseCron(expr);
  if (!c.ok()) return "error: " + c.status().message();
  auto zone = TimeZone::Load(tz);
  if (!zone.ok()) return "error: " + zone.status().message();
  auto t = NextCronRun(*c, *zone, after);
  return t ? FormatIso8601(*t) : "never";
}

// 2026-11-27 is a Friday.
const int64_t kFriday = Utc(2026, 11, 27, 7, 44);

TEST(Cron, GuideExamplesInBothForms) {
  struct Case {
    const char* expr;
    const char* next;
  } cases[] = {
      {"0 10 * * ? *", "2026-11-27T10:00:00.000Z"},
      {"15 12 * * ? *", "2026-11-27T12:15:00.000Z"},
      {"0 0 * * ? *", "2026-11-28T00:00:00.000Z"},
      {"0 10 ? * 2-6 *", "2026-11-27T10:00:00.000Z"},
      {"0 18 ? * mon-fri *", "2026-11-27T18:00:00.000Z"},
      {"0 8 1 * ? *", "2026-12-01T08:00:00.000Z"},
      {"30 22 ? * tue#2 *", "2026-12-08T22:30:00.000Z"},
      {"0 12 * * ? *", "2026-11-27T12:00:00.000Z"},
      // The pipeline JSON examples put * in day with a day-of-week (lenient rule).
      {"0 0 * * SUN *", "2026-11-29T00:00:00.000Z"},
      {"0 0 * * MON *", "2026-11-30T00:00:00.000Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Next(c.expr, kFriday), c.next) << c.expr;
    EXPECT_EQ(Next(std::string("cron(") + c.expr + ")", kFriday), c.next) << c.expr;
  }
}

TEST(Cron, Weekdays2To6AreMondayToFriday) {
  // From Saturday 2026-11-28 the next weekday 10:00 is Monday.
  EXPECT_EQ(Next("0 10 ? * 2-6 *", Utc(2026, 11, 28, 11)), "2026-11-30T10:00:00.000Z");
}

TEST(Cron, StrictlyAfter) {
  EXPECT_EQ(Next("0 10 * * ? *", Utc(2026, 11, 27, 10, 0)), "2026-11-28T10:00:00.000Z");
  EXPECT_EQ(Next("* * * * ? *", Utc(2026, 11, 27, 10, 0) + 500), "2026-11-27T10:01:00.000Z");
}

TEST(Cron, SpecialCharacters) {
  EXPECT_EQ(Next("0 0 1/2 * ? *", Utc(2026, 11, 29, 1)), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 */2 * ? *", Utc(2026, 11, 2, 1)), "2026-11-03T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 L * ? *", kFriday), "2026-11-30T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 L 2 ? *", kFriday), "2027-02-28T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 L 2 ? 2028", kFriday), "2028-02-29T00:00:00.000Z");
  // 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th.
  EXPECT_EQ(Next("0 0 15W * ? *", Utc(2026, 11, 1)), "2026-11-16T00:00:00.000Z");
  // 2026-08-01 is a Saturday: 1W never crosses the month, so Monday the 3rd.
  EXPECT_EQ(Next("0 0 1W * ? *", Utc(2026, 7, 15)), "2026-08-03T00:00:00.000Z");
  // 2026-05-31 is a Sunday: 31W is Friday the 29th.
  EXPECT_EQ(Next("0 0 31W * ? *", Utc(2026, 5, 1)), "2026-05-29T00:00:00.000Z");
  // The last Friday of November 2026 is the 27th (already past at 07:44).
  EXPECT_EQ(Next("0 0 ? * 6L *", kFriday), "2026-12-25T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 ? * fri#2 *", kFriday), "2026-12-11T00:00:00.000Z");
  // The guide says L in day-of-week is Sunday.
  EXPECT_EQ(Next("0 0 ? * L *", kFriday), "2026-11-29T00:00:00.000Z");
  EXPECT_EQ(Next("0 9 ? JAN,mar * 2027", kFriday), "2027-01-01T09:00:00.000Z");
  EXPECT_EQ(Next("0/30 * * * ? *", kFriday), "2026-11-27T08:00:00.000Z");
  EXPECT_EQ(Next("0 0 30 2 ? *", kFriday), "never");
  EXPECT_EQ(Next("0 0 1 1 ? 2199", Utc(2199, 6, 1)), "never");
}

TEST(Cron, TimeZones) {
  // 10:00 in New York is 15:00 UTC in winter and 14:00 in summer.
  EXPECT_EQ(Next("0 10 * * ? *", kFriday, "America/New_York"), "2026-11-27T15:00:00.000Z");
  EXPECT_EQ(Next("0 10 * * ? *", Utc(2026, 7, 1), "America/New_York"),
            "2026-07-01T14:00:00.000Z");
  // 02:30 does not exist on 2026-03-08 in New York: skipped to the next day.
  EXPECT_EQ(Next("30 2 * * ? *", Utc(2026, 3, 8, 0), "America/New_York"),
            "2026-03-09T06:30:00.000Z");
  EXPECT_THAT(Next("0 0 * * ? *", 0, "Mars/Olympus"), HasSubstr("not a known IANA time zone"));
  EXPECT_THAT(Next("0 0 * * ? *", 0, "../../etc/passwd"), HasSubstr("not a known IANA"));
}

TEST(Cron, InvalidExpressions) {
  struct Case {
    const char* expr;
    const char* error;
  } cases[] = {
      {"0 10 7 * 2 *", "cannot both be specified"},
      {"0 10 ? * ? *", "cannot both be '?'"},
      {"60 * * * ? *", "cron field 'minute': 60 is out of range 0-59"},
      {"0 24 * * ? *", "'hour': 24 is out of range"},
      {"0 0 ? * fri#6 *", "must be 1-5"},
      {"0 0 ? * 1/2 *", "'/' is not allowed"},
      {"0 0 * * ? 1969", "out of range 1970-2199"},
      {"0 0 * * ?", "expected 6 fields"},
      {"0 0 * * ? * *", "expected 6 fields"},
      {" 0 0 * * ? *", "no leading or trailing spaces"},
      {"0  0 * * ? *", "expected 6 fields"},
      {"0 0 5-1 * ? *", "runs backwards"},
      {"0 0 32 * ? *", "out of range 1-31"},
      {"0 0 ? foo * *", "'foo' is not a value"},
      {"cron(0 0 * * ? *", "missing ')'"},
      {"0 0 * 13 ? *", "out of range 1-12"},
      {"0 0 ? * 8 *", "out of range 1-7"},
      {"? 0 * * ? *", "'?' is not a value"},
  };
  for (const auto& c : cases) {
    auto r = ParseCron(c.expr);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_THAT(r.status().message(), HasSubstr(c.error)) << c.expr;
  }
}

TEST(Rate, SingularAndPluralRules) {
  EXPECT_TRUE(ParseRate("rate(1 hour)").ok());
  EXPECT_TRUE(ParseRate("rate(5 hours)").ok());
  EXPECT_TRUE(ParseRate("rate(90 days)").ok());
  EXPECT_TRUE(ParseRate("rate(1 minute)").ok());
  EXPECT_THAT(ParseRate("rate(1 hours)").status().message(), HasSubstr("singular"));
  EXPECT_THAT(ParseRate("rate(5 hour)").status().message(), HasSubstr("plural"));
  // The guide's EventBridge example rate(12 hour) breaks its own rule; Kiln
  // is strict (workflows-pipelines-lifecycle.md §4.4).
  EXPECT_FALSE(ParseRate("rate(12 hour)").ok());
  EXPECT_FALSE(ParseRate("rate(0 minutes)").ok());
  EXPECT_FALSE(ParseRate("rate(5 weeks)").ok());
  EXPECT_FALSE(ParseRate("rate(-1 days)").ok());
}

TEST(Rate, NextRunCountsFromTheAnchor) {
  auto r = ParseRate("rate(90 days)");
  ASSERT_TRUE(r.ok());
  int64_t anchor = Utc(2026, 1, 1);
  EXPECT_EQ(NextRateRun(*r, anchor, anchor), Utc(2026, 4, 1));
  EXPECT_EQ(NextRateRun(*r, anchor, Utc(2026, 4, 1)), Utc(2026, 6, 30));
  EXPECT_EQ(NextRateRun(*ParseRate("rate(5 minutes)"), anchor, anchor + 7 * 60000),
            anchor + 10 * 60000);
}

TEST(ScheduleExpression, AcceptsBothKinds) {
  EXPECT_TRUE(ParseScheduleExpression("cron(0 0 * * ? *)")->cron.has_value());
  EXPECT_TRUE(ParseScheduleExpression("rate(1 day)")->rate.has_value());
  EXPECT_FALSE(ParseScheduleExpression("0 0 * * ? *").ok());
  EXPECT_FALSE(ParseScheduleExpression("at(2026-01-01T00:00:00)").ok());
}

}  // namespace
}  // namespace kiln::engine
