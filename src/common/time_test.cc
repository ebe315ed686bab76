#include "common/time.h"

#include <gtest/gtest.h>

namespace kiln {
TEST(TimeTest, Formats) {
  // 2021-12-02T10:20:30.456Z
  int64_t t = 1638440430456;
  EXPECT_EQ(FormatIso8601(t), "2021-12-02T10:20:30.456Z");
  EXPECT_EQ(FormatBasic(t), "20211202T102030Z");
  EXPECT_GT(NowMillis(), t);
}
}  // namespace kiln
