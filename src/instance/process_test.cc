#include "instance/process.h"

#include <gtest/gtest.h>

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

TEST(ProcessTest, MissingProgramExits127) {
  auto r = RunProcess({.argv = {"/nonexistent/kiln-program"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  auto checked = RunChecked({"/nonexistent/kiln-program"});
  EXPECT_FALSE(checked.ok());
  EXPECT_NE(checked.status().message().find("exited 127"), std::string::npos);
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
