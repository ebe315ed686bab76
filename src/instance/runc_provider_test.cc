// Launches real runc instances from a busybox root. Needs root and runc.
#include "instance/runc_provider.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "image/busybox_root.h"
#include "instance/instance_types.h"
#include "instance/mounts.h"

namespace kiln::instance {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace {
namespace fs = std::filesystem;

class RuncProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || FindHelperBinary("runc").empty()) GTEST_SKIP() << "needs root and runc";
    char tmpl[] = "/tmp/kiln-instance-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(image::MakeBusyboxRoot(dir_ + "/base").ok());
    auto p = RuncProvider::Create({.data_dir = dir_ + "/data"});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    provider_ = std::move(*p);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    // Nothing may be left mounted or running, whatever the test did.
    EXPECT_TRUE(MountsUnder(dir_).empty());
    auto list = RunChecked({"runc", "--root", dir_ + "/data/runc", "list", "-q"});
    if (list.ok()) {
      EXPECT_EQ(list->stdout_data, "");
    }
    if (MountsUnder(dir_).empty()) fs::remove_all(dir_);
  }
  std::unique_ptr<Instance> Launch(LaunchSpec spec = {}) {
    if (spec.layers.empty()) spec.layers = {dir_ + "/base"};
    auto i = provider_->Launch(spec);
    EXPECT_TRUE(i.ok()) << i.status().ToString();
    return i.ok() ? std::move(*i) : nullptr;
  }
  std::string Run(Instance& i, const std::string& cmd) {
    auto r = i.Exec({.argv = {"sh", "-c", cmd}, .timeout_ms = 10000});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_code, 0) << cmd << ": " << r->stderr_data;
    return r->stdout_data;
  }
  std::string dir_;
  std::unique_ptr<RuncProvider> provider_;
};

TEST_F(RuncProviderTest, ExecRunsIsolated) {
  auto i = Launch();
  ASSERT_TRUE(i);
  EXPECT_TRUE(IsInstanceId(i->id())) << i->id();
  EXPECT_EQ(Run(*i, "hostname"), i->id() + "\n");
  EXPECT_EQ(Run(*i, "cat /proc/1/cmdline | tr '\\0' ' '"), "/opt/kiln/bin/kiln-init ");
  EXPECT_EQ(Run(*i, "ls /sys/class/net"), "lo\n");  // no network by default
  EXPECT_LT(std::stoi(Run(*i, "echo $$")), 1000);  // own PID namespace: small pids
  auto r = i->Exec({.argv = {"sh", "-c", "read x; echo got $x $FOO; echo oops >&2; exit 4"},
                    .env = {"FOO=bar"}, .stdin_data = "line\n"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->stdout_data, "got line bar\n");
  EXPECT_EQ(r->stderr_data, "oops\n");
  EXPECT_TRUE(i->Remove().ok());
  EXPECT_TRUE(i->Remove().ok());  // idempotent
}

TEST_F(RuncProviderTest, CgroupLimitsFollowTheInstanceType) {
  auto i = Launch({.instance_type = "t3.micro"});
  ASSERT_TRUE(i);
  // The container's cgroups nest under ours (cgroupsPath is relative).
  std::ifstream self("/proc/self/cgroup");
  std::string line, memory, cpu;
  while (std::getline(self, line)) {
    if (line.find(":memory:") != std::string::npos) memory = line.substr(line.rfind(':') + 1);
    if (line.find(":cpu,") != std::string::npos || line.find(":cpu:") != std::string::npos) {
      cpu = line.substr(line.rfind(':') + 1);
    }
  }
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::string v;
    in >> v;
    return v;
  };
  if (memory == "/") memory = "";
  if (cpu == "/") cpu = "";
  EXPECT_EQ(read("/sys/fs/cgroup/memory" + memory + "/kiln/" + i->id() + "/memory.limit_in_bytes"),
            std::to_string(1024LL * 1024 * 1024));
  EXPECT_EQ(read("/sys/fs/cgroup/cpu" + cpu + "/kiln/" + i->id() + "/cpu.cfs_quota_us"), "200000");
  auto bad = provider_->Launch({.layers = {dir_ + "/base"}, .instance_type = "z9.huge"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("z9.huge"), std::string::npos);
}

TEST_F(RuncProviderTest, TimeoutKillsEverythingTheCommandStarted) {
  auto i = Launch();
  ASSERT_TRUE(i);
  auto r = i->Exec({.argv = {"sh", "-c", "sleep 60 & sleep 60"}, .timeout_ms = 500});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  // Only init (and this ps) remain.
  EXPECT_LT(r->stdout_data.size(), 1u);
  EXPECT_EQ(Run(*i, "ps -o stat,comm | grep sleep || true"), "");
}

TEST_F(RuncProviderTest, ChangesLandInTheWritableLayerAndSurviveRestart) {
  auto i = Launch();
  ASSERT_TRUE(i);
  Run(*i, "echo built > /etc/motd && rm /bin/vi");
  ASSERT_TRUE(i->Stop().ok());
  EXPECT_EQ(i->state(), InstanceState::kStopped);
  std::ifstream motd(i->WritableLayer() + "/etc/motd");
  std::string line;
  std::getline(motd, line);
  EXPECT_EQ(line, "built");
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status(i->WritableLayer() + "/bin/vi")));
  EXPECT_FALSE(i->Exec({.argv = {"true"}}).ok());  // stopped
  ASSERT_TRUE(i->Start().ok());
  EXPECT_EQ(Run(*i, "cat /etc/motd; ls /bin/vi >/dev/null 2>&1 || echo gone"), "built\ngone\n");
  // The base layer itself is untouched.
  EXPECT_TRUE(fs::exists(fs::symlink_status(dir_ + "/base/bin/vi")));
}

TEST_F(RuncProviderTest, BadLaunchLeavesNothing) {
  auto r = provider_->Launch({.layers = {dir_ + "/missing"}});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(fs::is_empty(dir_ + "/data/instances"));
}

TEST_F(RuncProviderTest, CleanupOrphansRemovesInstancesOfDeadOwners) {
  auto i = Launch();
  ASSERT_TRUE(i);
  std::string id = i->id();
  std::string idir = dir_ + "/data/instances/" + id;
  // Simulate a crashed owner: a pid that cannot exist, and the instance
  // object abandoned without Remove().
  std::ofstream(idir + "/owner") << "999999999 1\n";
  Instance* leaked = i.release();
  (void)leaked;
  auto alive = Launch();  // owned by us: must survive
  ASSERT_TRUE(alive);
  auto removed = RuncProvider::CleanupOrphans(dir_ + "/data");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, std::vector<std::string>{id});
  EXPECT_FALSE(fs::exists(idir));
  EXPECT_EQ(Run(*alive, "echo ok"), "ok\n");
}

TEST(InstanceTypesTest, TableLookups) {
  auto t = FindInstanceType("m5.large");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->vcpus, 2);
  EXPECT_EQ(t->memory_mib, 8192);
  EXPECT_FALSE(FindInstanceType("t3.gigantic").ok());
  EXPECT_FALSE(IsInstanceId("i-123"));
  EXPECT_TRUE(IsInstanceId(NewInstanceId()));
}

}  // namespace
}  // namespace kiln::instance
