#include "common/process.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/time.h"

namespace kiln {
namespace {

TEST(ProcessTest, CapturesStdoutAndStreamsBoth) {
  std::ostringstream console;
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo out; echo err 1>&2; exit 3"};
  spec.console = &console;
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_NE(console.str().find("out\n"), std::string::npos);
  EXPECT_NE(console.str().find("err\n"), std::string::npos);
}

TEST(ProcessTest, DeadlineKillsTheWholeGroup) {
  ProcessSpec spec;
  // The grandchild `sleep` would keep the pipe open if it survived.
  spec.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30; echo never"};
  spec.deadline_ms = MonotonicMillis() + 300;
  int64_t start = MonotonicMillis();
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(MonotonicMillis() - start, 5000);
  EXPECT_EQ(r->stdout_text, "");
}

TEST(ProcessTest, CancellationStopsTheChild) {
  ProcessSpec spec;
  spec.argv = {"sleep", "30"};
  int64_t start = MonotonicMillis();
  spec.cancelled = [&] { return MonotonicMillis() - start > 200; };
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->term_signal, SIGKILL);
}

TEST(ProcessTest, MissingProgramIsAnError) {
  ProcessSpec spec;
  spec.argv = {"/nonexistent/program"};
  auto r = RunProcess(spec);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/program"), std::string::npos);
}

TEST(ProcessTest, EnvironmentIsPassed) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "printf %s \"$KILN_X\""};
  spec.env = {"KILN_X=hello", "PATH=/usr/bin:/bin"};
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_text, "hello");
  EXPECT_EQ(TrimTrailingNewlines("a\r\n\n"), "a");
}

TEST(ProcessTest, BackgroundChildDoesNotBlockCompletion) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "sleep 5 >/dev/null 2>&1 & echo done"};
  int64_t start = MonotonicMillis();
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_LT(MonotonicMillis() - start, 3000);
}

}  // namespace
}  // namespace kiln
