#include "engine/local_build.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kiln::engine {
namespace {
namespace fs = std::filesystem;

class RecipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-recipe-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/c.yml") << "name: c\nschemaVersion: 1.0\nphases: []\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<RecipeFile> Parse(const std::string& text) { return ParseRecipeText(text, dir_, "r.yml"); }
  std::string dir_;
};

TEST_F(RecipeTest, ParsesAFullRecipe) {
  auto r = Parse(R"(name: hello
version: 1.2.3
parentImage: oci:layout:latest
instanceType: m5.large
components:
  - path: c.yml
    parameters:
      - {name: A, value: x}
      - {name: B, value: [y]}
testComponents:
  - path: c.yml
imageTests: {enabled: false, timeoutMinutes: 90}
layerCompression: gzip
outputs:
  - {format: qcow2, path: out/disk.qcow2}
  - {format: oci-layout, path: /abs/layout, tag: v1, compression: gzip}
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->plan.name, "hello");
  EXPECT_EQ(r->parent_ref, "oci:" + dir_ + "/layout:latest");
  EXPECT_EQ(r->plan.instance_type, "m5.large");
  ASSERT_EQ(r->plan.components.size(), 1u);
  EXPECT_EQ(r->plan.components[0].path, dir_ + "/c.yml");
  EXPECT_EQ(r->plan.components[0].parameters[1], std::make_pair(std::string("B"), std::string("y")));
  EXPECT_FALSE(r->plan.tests_enabled);
  EXPECT_EQ(r->plan.test_timeout_ms, 90 * 60 * 1000);
  EXPECT_EQ(r->plan.compression, image::Compression::kGzip);
  ASSERT_EQ(r->plan.outputs.size(), 2u);
  EXPECT_EQ(r->plan.outputs[0].options.output, dir_ + "/out/disk.qcow2");
  EXPECT_EQ(r->plan.outputs[1].options.tag, "v1");
}

TEST_F(RecipeTest, ComponentsByArnOrManagedNameAreFetchedLater) {
  auto r = Parse("name: x\nversion: 1.0.0\nparentImage: busybox\ncomponents:\n"
                 "  - arn: arn:aws:imagebuilder:us-east-1:aws:component/x/1.0.0/1\n"
                 "  - name: update-linux\n  - path: s3://bucket/c.yml\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->plan.components.size(), 3u);
  EXPECT_EQ(r->plan.components[0].source, "arn:aws:imagebuilder:us-east-1:aws:component/x/1.0.0/1");
  EXPECT_EQ(r->plan.components[1].source, "managed:update-linux");
  EXPECT_EQ(r->plan.components[2].source, "s3://bucket/c.yml");
  EXPECT_TRUE(r->plan.components[0].path.empty());
}

TEST_F(RecipeTest, ErrorsNameTheKeyAndLine) {
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    auto r = Parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  const std::string head = "name: x\nversion: 1.0.0\nparentImage: busybox\n";
  expect_error(head, "at least one entry in 'components'");
  expect_error("name: x\nversion: 1.0\nparentImage: busybox\ncomponents: [{path: c.yml}]\n", "r.yml:2: version '1.0'");
  expect_error(head + "components: [{path: c.yml}]\ncolour: red\n", "r.yml:5: unknown key 'colour'");
  expect_error(head + "components:\n  - path: missing.yml\n", "r.yml:5: component document");
  expect_error(head + "components: [{path: c.yml}]\noutputs: [{format: vmdk, path: x}]\n", "unknown export format 'vmdk'");
  expect_error(head + "components: [{path: c.yml, name: update-linux}]\n", "exactly one of path, arn");
  expect_error(head + "components: [{arn: 'not-an-arn'}]\n", "is not a component ARN");
  expect_error(head + "components: [{path: c.yml}]\nimageTests: {timeoutMinutes: 5}\n", "60-1440");
  expect_error("name: [x\n", "invalid YAML");
  expect_error("version: 1.0.0\nparentImage: busybox\ncomponents: [{path: c.yml}]\n", "missing required key 'name'");
}

}  // namespace
}  // namespace kiln::engine
