#include "engine/dockerfile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiln::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Dockerfile, SplitsAroundTheComponentsPlaceholder) {
  auto t = ParseDockerfileTemplate(
      "FROM {{{ imagebuilder:parentImage }}}\n# comment\n{{{ imagebuilder:environments }}}\n"
      "ENV A=1\nRUN echo a && \\\n    echo b\n{{{ imagebuilder:components }}}\nCMD [\"/bin/app\"]\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->before.size(), 2u);
  EXPECT_EQ(t->before[1].keyword, "RUN");
  EXPECT_EQ(t->before[1].args, "echo a &&  echo b");
  EXPECT_EQ(t->before[1].line, 5);
  ASSERT_EQ(t->after.size(), 1u);
  EXPECT_EQ(t->after[0].keyword, "CMD");
}

TEST(Dockerfile, RefusesWhatKilnCannotDoNamingTheLine) {
  auto copy = ParseDockerfileTemplate("FROM {{{ imagebuilder:parentImage }}}\nCOPY a /a\n");
  EXPECT_THAT(copy.status().message(), HasSubstr("line 2: COPY needs a build context"));
  auto stages = ParseDockerfileTemplate("FROM {{{ imagebuilder:parentImage }}}\nFROM debian\n");
  EXPECT_THAT(stages.status().message(), HasSubstr("multi-stage"));
  auto unknown = ParseDockerfileTemplate("FROM {{{ imagebuilder:parentImage }}}\nHEALTHCHECK NONE\n");
  EXPECT_THAT(unknown.status().message(), HasSubstr("HEALTHCHECK is not supported"));
  EXPECT_FALSE(ParseDockerfileTemplate("RUN true\n").ok());
}

TEST(Dockerfile, StateBuildsTheImageConfig) {
  DockerfileState s({{"Env", {"PATH=/bin"}}, {"Labels", {{"base", "busybox"}}}});
  auto apply = [&](const std::string& k, const std::string& a) { return s.Apply({k, a, 1}); };
  ASSERT_TRUE(apply("ARG", "VERSION=2").ok());
  ASSERT_TRUE(apply("ENV", "APP_HOME=/srv/app GREETING=\"hello world\"").ok());
  ASSERT_TRUE(apply("ENV", "RELEASE v${VERSION}").ok());
  ASSERT_TRUE(apply("WORKDIR", "$APP_HOME").ok());
  ASSERT_TRUE(apply("WORKDIR", "data").ok());
  ASSERT_TRUE(apply("LABEL", "team=qa").ok());
  ASSERT_TRUE(apply("EXPOSE", "80 53/udp").ok());
  ASSERT_TRUE(apply("CMD", "serve --port 80").ok());
  ASSERT_TRUE(apply("ENTRYPOINT", "[\"/bin/app\"]").ok());
  auto run = apply("RUN", "[\"echo\", \"hi\"]");
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(*run, ElementsAre("echo", "hi"));
  EXPECT_THAT(*apply("RUN", "echo $HOME"), ElementsAre("/bin/sh", "-c", "echo $HOME"));
  EXPECT_EQ(s.workdir(), "/srv/app/data");
  EXPECT_THAT(s.run_env(), ElementsAre("VERSION=2", "PATH=/bin", "APP_HOME=/srv/app", "GREETING=hello world",
                                       "RELEASE=v2"));
  auto c = s.ConfigChanges();
  EXPECT_EQ(c["WorkingDir"], "/srv/app/data");
  EXPECT_EQ(c["Env"].size(), 4u);  // ARG values are not kept in the image
  EXPECT_EQ(c["Labels"]["base"], "busybox");
  EXPECT_EQ(c["Labels"]["team"], "qa");
  EXPECT_TRUE(c["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(c["ExposedPorts"].contains("53/udp"));
  EXPECT_EQ(c["Cmd"], nlohmann::json::array({"/bin/sh", "-c", "serve --port 80"}));
  EXPECT_EQ(c["Entrypoint"], nlohmann::json::array({"/bin/app"}));
}

}  // namespace
}  // namespace kiln::engine
