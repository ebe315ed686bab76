#include "common/process.h"

#include <gtest/gtest.h>

#include <csignal>

#include "common/time.h"

namespace kiln::host {
namespace {

TEST(ProcessTest, CapturesOutputStdinAndExitCode) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "cat; echo err >&2; exit 3"};
  spec.stdin_data = "hello\n";
  std::string streamed;
  spec.on_output = [&](Stream s, std::string_view d) { if (s == Stream::kStdout) streamed += d; };
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_data, "hello\n");
  EXPECT_EQ(streamed, "hello\n");
  EXPECT_EQ(r->stderr_data, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(ProcessTest, TimeoutKillsTheWholeProcessGroup) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 30 & sleep 30; echo never"};
  spec.timeout_ms = 300;
  int64_t start = MonotonicMillis();
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(MonotonicMillis() - start, 5000);
  EXPECT_EQ(r->stdout_data, "");
}

TEST(ProcessTest, MissingProgramIsAnErrorNamingIt) {
  auto r = RunProcess({.argv = {"/nonexistent/kiln-program"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/kiln-program"), std::string::npos);
  auto on_path = RunProcess({.argv = {"kiln-no-such-program-on-path"}});
  EXPECT_FALSE(on_path.ok());
  auto checked = RunChecked({"/nonexistent/kiln-program"});
  EXPECT_FALSE(checked.ok());
}

TEST(ProcessTest, CancellationStopsTheChildWithSigkill) {
  ProcessSpec spec;
  spec.argv = {"sleep", "30"};
  int64_t start = MonotonicMillis();
  spec.cancelled = [&] { return MonotonicMillis() - start > 200; };
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->term_signal, SIGKILL);
  EXPECT_EQ(r->exit_code, 128 + SIGKILL);
}

TEST(ProcessTest, EnvironmentCwdAndTrimming) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "printf '%s %s' \"$KILN_X\" \"$(pwd)\""};
  spec.env = {"KILN_X=hello", "PATH=/usr/bin:/bin"};
  spec.cwd = "/tmp";
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "hello /tmp");
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

TEST(ProcessTest, IgnoredSignalsAreResetInTheChild) {
  signal(SIGTERM, SIG_IGN);  // e.g. a parent that handles shutdown itself
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "kill -TERM $$; sleep 5"};
  auto r = RunProcess(spec);
  signal(SIGTERM, SIG_DFL);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->term_signal, SIGTERM);
}

TEST(ProcessTest, CaptureKeepsTheTail) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "seq 1 10000"};
  spec.capture_limit = 10;
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "999\n10000\n");
}

TEST(ProcessTest, LastLines) {
  EXPECT_EQ(LastLines("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(LastLines("a\nb\nc", 5), "a\nb\nc");
  EXPECT_EQ(LastLines("", 2), "");
}

}  // namespace
}  // namespace kiln::host
