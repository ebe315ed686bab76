#include "api/resource_ops.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "api/resource_policy.h"
#include "common/hash.h"

namespace kiln::api {
namespace {

constexpr const char* kA = "111111111111";
constexpr const char* kB = "222222222222";

class ResourceOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kiln-ops-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  OperationContext Ctx(const std::string& account, const std::string& region = "us-east-1") {
    OperationContext c;
    c.caller.account_id = account;
    c.caller.region = region;
    c.request_id = "req";
    c.store = store_.get();
    return c;
  }
  store::Resource AddComponent(const std::string& account, const std::string& name,
                               const std::string& version, int64_t build = 1,
                               const std::string& platform = "Linux") {
    OperationContext ctx = Ctx(account);
    store::Resource r;
    r.arn = BuildArn(ctx, "component", name, version, build);
    r.kind = "component";
    r.account = account;
    r.region = "us-east-1";
    r.name = ArnSlug(name);
    r.version = version;
    r.build = build;
    r.doc = {{"arn", r.arn}, {"name", name}, {"version", version}, {"platform", platform},
             {"owner", OwnerDisplay(account)}, {"supportedOsVersions", {"Ubuntu 22"}}};
    EXPECT_TRUE(store_->Insert(r).ok());
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ResourceOpsTest, BuildsArnsWithSlugs) {
  auto ctx = Ctx(kA, "eu-west-1");
  EXPECT_EQ(BuildArn(ctx, "component", "My Example Comp", "1.0.0", 1),
            "arn:aws:imagebuilder:eu-west-1:111111111111:component/my-example-comp/1.0.0/1");
  EXPECT_EQ(BuildArn(ctx, "distribution-configuration", "Dist"),
            "arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration/dist");
  EXPECT_EQ(BuildArn(ctx, "workflow/build", "wf", "1.0.0", 1),
            "arn:aws:imagebuilder:eu-west-1:111111111111:workflow/build/wf/1.0.0/1");
}

TEST_F(ResourceOpsTest, ParsesArnsPerLevel) {
  const std::string base = "arn:aws:imagebuilder:us-east-1:111111111111:component/c";
  EXPECT_TRUE(ParseResourceArn(base + "/1.0.0/1", "p", "component", ArnLevel::kBuild).ok());
  auto no_build = ParseResourceArn(base + "/1.0.0", "p", "component", ArnLevel::kBuild);
  EXPECT_EQ(no_build.status().type(), "InvalidParameterValueException");
  EXPECT_NE(no_build.status().message().find("'p'"), std::string::npos);
  EXPECT_TRUE(ParseResourceArn(base + "/1.x.x", "p", "component", ArnLevel::kPattern).ok());
  EXPECT_FALSE(ParseResourceArn(base + "/x.2.x", "p", "component", ArnLevel::kPattern).ok());
  EXPECT_FALSE(ParseResourceArn(base + "/1.x.8", "p", "component", ArnLevel::kPattern).ok());
  EXPECT_FALSE(ParseResourceArn(base + "/1.x.x", "p", "component", ArnLevel::kVersion).ok());
  auto wrong_type = ParseResourceArn(
      "arn:aws:imagebuilder:us-east-1:111111111111:image-pipeline/p", "imageBuildVersionArn",
      "image", ArnLevel::kBuild);
  EXPECT_NE(wrong_type.status().message().find("image-pipeline"), std::string::npos);
}

TEST_F(ResourceOpsTest, ResolvesWildcardsToLatest) {
  for (const char* v : {"2.2.4", "1.7.8", "1.6.8"}) AddComponent(kA, "c", v);
  auto ctx = Ctx(kA);
  auto resolve = [&](const std::string& version) -> std::string {
    auto arn = ParseArn("arn:aws:imagebuilder:us-east-1:111111111111:component/c/" + version);
    auto r = ResolveVersioned(ctx, *arn);
    return r.ok() ? r->version : r.status().type();
  };
  EXPECT_EQ(resolve("x.x.x"), "2.2.4");
  EXPECT_EQ(resolve("1.x.x"), "1.7.8");
  EXPECT_EQ(resolve("1.6.x"), "1.6.8");
  EXPECT_EQ(resolve("1.6.8"), "1.6.8");
  EXPECT_EQ(resolve("1.6.8/1"), "1.6.8");
  EXPECT_EQ(resolve("x.2.x"), "InvalidParameterValueException");
  EXPECT_EQ(resolve("1.x.8"), "InvalidParameterValueException");
  EXPECT_EQ(resolve("3.x.x"), "ResourceNotFoundException");
  // Another account cannot see them.
  auto other = Ctx(kB);
  auto arn = ParseArn("arn:aws:imagebuilder:us-east-1:111111111111:component/c/x.x.x");
  EXPECT_EQ(ResolveVersioned(other, *arn).status().type(), "ResourceNotFoundException");
}

TEST_F(ResourceOpsTest, ResolvesNumericallyAndLatestBuild) {
  AddComponent(kA, "c", "1.9.0");
  AddComponent(kA, "c", "1.10.0", 1);
  AddComponent(kA, "c", "1.10.0", 2);
  auto ctx = Ctx(kA);
  auto r = ResolveVersioned(ctx, *ParseArn("arn:aws:imagebuilder:us-east-1:111111111111:component/c/x.x.x"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->arn, "arn:aws:imagebuilder:us-east-1:111111111111:component/c/1.10.0/2");
  auto refs = LatestVersionReferences(ctx, store_->Get(BuildArn(ctx, "component", "c", "1.9.0", 1)).value());
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ((*refs)["latestVersionArn"], r->arn);
  EXPECT_EQ((*refs)["latestPatchVersionArn"], BuildArn(ctx, "component", "c", "1.9.0", 1));
}

// Resolution reads newest first in growing pages: a match far below the
// newest rows (past the first pages) is still found, and is the latest.
TEST_F(ResourceOpsTest, ResolvesPastManyNewerNonCandidates) {
  for (int minor = 0; minor < 30; ++minor) {
    auto r = AddComponent(kA, "c", "1." + std::to_string(minor) + ".0");
    if (minor >= 2) {  // only 1.0.0 and 1.1.0 stay usable
      r.doc["state"] = {{"status", "DISABLED"}};
      ASSERT_TRUE(store_->Update(r).ok());
    }
  }
  for (int patch = 0; patch < 25; ++patch) AddComponent(kA, "c", "2.0." + std::to_string(patch));
  auto ctx = Ctx(kA);
  auto resolve = [&](const std::string& version) -> std::string {
    auto arn = ParseArn("arn:aws:imagebuilder:us-east-1:111111111111:component/c/" + version);
    auto r = ResolveVersioned(ctx, *arn);
    return r.ok() ? r->version : r.status().type();
  };
  EXPECT_EQ(resolve("x.x.x"), "2.0.24");
  EXPECT_EQ(resolve("1.x.x"), "1.1.0");
  EXPECT_EQ(resolve("1.29.x"), "ResourceNotFoundException");  // disabled
  EXPECT_EQ(resolve("1.0.x"), "1.0.0");
  EXPECT_EQ(resolve("2.0.7"), "2.0.7");
}

// The references are the highest candidate of each kind, over more
// versions than one store page, whether r itself is a candidate or not.
TEST_F(ResourceOpsTest, LatestVersionReferencesOverManyVersions) {
  auto ctx = Ctx(kA);
  for (int major = 1; major <= 3; ++major) {
    for (int minor = 0; minor < 6; ++minor) {
      for (int64_t build = 1; build <= 2; ++build) {
        AddComponent(kA, "c", std::to_string(major) + "." + std::to_string(minor) + ".0", build);
      }
    }
  }
  auto arn = [&](const std::string& v, int64_t build) {
    return BuildArn(ctx, "component", "c", v, build);
  };
  auto refs = LatestVersionReferences(ctx, store_->Get(arn("2.3.0", 1)).value());
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ((*refs)["latestVersionArn"], arn("3.5.0", 2));
  EXPECT_EQ((*refs)["latestMajorVersionArn"], arn("2.5.0", 2));
  EXPECT_EQ((*refs)["latestMinorVersionArn"], arn("2.3.0", 2));
  EXPECT_EQ((*refs)["latestPatchVersionArn"], arn("2.3.0", 2));
  // Disable 2.3.0 (both builds) and 2.5.0/2: they stop counting.
  for (auto [v, b] : std::vector<std::pair<std::string, int64_t>>{{"2.3.0", 1}, {"2.3.0", 2}, {"2.5.0", 2}}) {
    auto r = store_->Get(arn(v, b)).value();
    r.doc["state"] = {{"status", "DISABLED"}};
    ASSERT_TRUE(store_->Update(r).ok());
  }
  refs = LatestVersionReferences(ctx, store_->Get(arn("2.3.0", 1)).value());
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ((*refs)["latestVersionArn"], arn("3.5.0", 2));
  EXPECT_EQ((*refs)["latestMajorVersionArn"], arn("2.5.0", 1));
  EXPECT_FALSE(refs->contains("latestMinorVersionArn"));
  EXPECT_FALSE(refs->contains("latestPatchVersionArn"));
  refs = LatestVersionReferences(ctx, store_->Get(arn("1.0.0", 1)).value());
  EXPECT_EQ((*refs)["latestMinorVersionArn"], arn("1.0.0", 2));
  EXPECT_EQ((*refs)["latestMajorVersionArn"], arn("1.5.0", 2));
}

TEST_F(ResourceOpsTest, ListsPagesFiltersAndRejectsTamperedTokens) {
  for (int i = 0; i < 7; ++i) AddComponent(kA, "comp" + std::to_string(i), "1.0.0", 1, i % 2 ? "Windows" : "Linux");
  AddComponent(kB, "other", "1.0.0");
  auto ctx = Ctx(kA);
  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.filters = {{"platform", DocFieldFilter("platform")}, {"name", DocFieldFilter("name")},
                  {"supportedOsVersion", DocFieldFilter("supportedOsVersions")}};
  Json input = {{"maxResults", 3}};
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    Json in = input;
    if (!token.empty()) in["nextToken"] = token;
    auto page = ListResources(ctx, in, spec);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (auto& r : page->items) names.push_back(r.name);
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 7u);

  auto first = ListResources(ctx, input, spec);
  std::string tampered = first->next_token;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_EQ(ListResources(ctx, Json{{"maxResults", 3}, {"nextToken", tampered}}, spec).status().type(),
            "InvalidPaginationTokenException");
  // A token is bound to its request.
  EXPECT_EQ(ListResources(ctx, Json{{"maxResults", 3}, {"nextToken", first->next_token},
                                   {"filters", {{{"name", "platform"}, {"values", {"Linux"}}}}}},
                          spec).status().type(),
            "InvalidPaginationTokenException");

  auto linux_only = ListResources(ctx, Json{{"filters", {{{"name", "platform"}, {"values", {"Linux"}}}}}}, spec);
  EXPECT_EQ(linux_only->items.size(), 4u);
  auto two = ListResources(ctx, Json{{"filters", {{{"name", "name"}, {"values", {"comp1", "comp2"}}}}}}, spec);
  EXPECT_EQ(two->items.size(), 2u);
  auto os = ListResources(ctx, Json{{"filters", {{{"name", "supportedOsVersion"}, {"values", {"Ubuntu 22"}}}}}}, spec);
  EXPECT_EQ(os->items.size(), 7u);
  auto unknown = ListResources(ctx, Json{{"filters", {{{"name", "colour"}, {"values", {"x"}}}}}}, spec);
  EXPECT_EQ(unknown.status().type(), "InvalidParameterValueException");
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos);
  EXPECT_EQ(ListResources(ctx, Json{{"owner", "Amazon"}}, spec)->items.size(), 0u);
  auto eu = Ctx(kA, "eu-west-1");
  EXPECT_EQ(ListResources(eu, Json::object(), spec)->items.size(), 0u);
}

TEST_F(ResourceOpsTest, GroupsByVersionAndByName) {
  AddComponent(kA, "a", "1.0.0", 1);
  AddComponent(kA, "a", "1.0.0", 2);
  AddComponent(kA, "a", "1.2.0", 1);
  AddComponent(kA, "b", "3.0.0", 1);
  auto ctx = Ctx(kA);
  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.one_per_version = true;
  auto versions = ListResources(ctx, Json::object(), spec);
  ASSERT_EQ(versions->items.size(), 3u);
  EXPECT_EQ(versions->items[0].build, 2);  // latest build of 1.0.0
  auto paged = ListResources(ctx, Json{{"maxResults", 1}}, spec);
  ASSERT_EQ(paged->items.size(), 1u);
  auto next = ListResources(ctx, Json{{"maxResults", 1}, {"nextToken", paged->next_token}}, spec);
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].version, "1.2.0");
  auto names = ListResources(ctx, Json{{"byName", true}}, spec);
  ASSERT_EQ(names->items.size(), 2u);
  EXPECT_EQ(names->items[0].version, "1.2.0");
  EXPECT_EQ(names->items[1].version, "3.0.0");
}

TEST_F(ResourceOpsTest, PoliciesShareWithNamedAccountsOnly) {
  auto r = AddComponent(kA, "shared", "1.0.0");
  const std::string policy = Json{{"Version", "2012-10-17"},
                                  {"Statement", {{{"Effect", "Allow"},
                                                  {"Principal", {{"AWS", {kB}}}},
                                                  {"Action", {"imagebuilder:GetComponent", "imagebuilder:ListComponents"}},
                                                  {"Resource", {r.arn}}}}}}.dump();
  ASSERT_TRUE(PutResourcePolicy(*store_, r, policy).ok());
  EXPECT_EQ(*GetResourcePolicy(*store_, r), policy);
  EXPECT_TRUE(*IsShared(*store_, r));

  auto b = Ctx(kB);
  EXPECT_TRUE(LoadForRead(b, r.arn, "imagebuilder:GetComponent").ok());
  EXPECT_EQ(LoadForWrite(b, r.arn, "imagebuilder:GetComponent").status().type(), "ForbiddenException");
  auto c = Ctx("333333333333");
  EXPECT_EQ(LoadForRead(c, r.arn, "imagebuilder:GetComponent").status().type(), "ResourceNotFoundException");

  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.shared_action = "imagebuilder:ListComponents";
  EXPECT_EQ(ListResources(b, Json{{"owner", "Shared"}}, spec)->items.size(), 1u);
  EXPECT_EQ(ListResources(c, Json{{"owner", "Shared"}}, spec)->items.size(), 0u);
  EXPECT_EQ(ListResources(b, Json::object(), spec)->items.size(), 0u);

  EXPECT_EQ(ReleaseForDelete(*store_, r).type(), "ResourceDependencyException");
  // Replacing the policy with one that grants only the owner unshares it.
  const std::string own = Json{{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", kA}}},
                                               {"Action", "imagebuilder:GetComponent"}}}}}.dump();
  ASSERT_TRUE(PutResourcePolicy(*store_, r, own).ok());
  EXPECT_EQ(ListResources(b, Json{{"owner", "Shared"}}, spec)->items.size(), 0u);
  EXPECT_TRUE(ReleaseForDelete(*store_, r).ok());
}

TEST_F(ResourceOpsTest, SharedListingsFromSeveralOwnersPageWithoutLosingRows) {
  const std::string c3 = "333333333333";
  std::vector<store::Resource> mine;
  for (const std::string& owner : {std::string(kA), c3}) {
    for (int b : {1, 2}) mine.push_back(AddComponent(owner, "same", "1.0.0", b));
    mine.push_back(AddComponent(owner, "zeta", "2.0.0"));
  }
  for (const auto& r : mine) {
    const std::string p = Json{{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", kB}}},
                                               {"Action", "imagebuilder:List*"}}}}}.dump();
    ASSERT_TRUE(PutResourcePolicy(*store_, r, p).ok());
  }
  auto b = Ctx(kB);
  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.shared_action = "imagebuilder:ListComponents";
  spec.one_per_version = true;
  std::vector<std::string> seen;
  std::string token;
  do {
    Json in = {{"owner", "Shared"}, {"maxResults", 1}};
    if (!token.empty()) in["nextToken"] = token;
    auto page = ListResources(b, in, spec);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->items.size(), 1u);
    for (auto& r : page->items) seen.push_back(r.account + ":" + r.name + "/" + std::to_string(r.build));
    token = page->next_token;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{std::string(kA) + ":same/2", c3 + ":same/2",
                                            std::string(kA) + ":zeta/1", c3 + ":zeta/1"}));
}

TEST_F(ResourceOpsTest, RejectsBadPolicies) {
  auto r = AddComponent(kA, "p", "1.0.0");
  auto put = [&](const Json& p) { return PutResourcePolicy(*store_, r, p.dump()).type(); };
  EXPECT_EQ(PutResourcePolicy(*store_, r, "not json").type(), "InvalidParameterValueException");
  EXPECT_EQ(put({{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", kB}}},
                                 {"Action", "imagebuilder:DeleteComponent"}}}}}),
            "InvalidParameterValueException");
  EXPECT_EQ(put({{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", "bob"}}},
                                 {"Action", "imagebuilder:GetComponent"}}}}}),
            "InvalidParameterValueException");
  EXPECT_EQ(put({{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", kB}}},
                                 {"Action", "imagebuilder:GetComponent"},
                                 {"Resource", "arn:aws:imagebuilder:us-east-1:111111111111:component/other/1.0.0/1"}}}}}),
            "InvalidParameterValueException");
  EXPECT_EQ(put({{"Statement", {{{"Effect", "Allow"}, {"Principal", {{"AWS", kB}}},
                                 {"Action", "imagebuilder:Get*"}, {"Condition", Json::object()}}}}}),
            "InvalidParameterValueException");
  EXPECT_TRUE(policy::GlobMatch("imagebuilder:Get*", "imagebuilder:GetComponent", true));
  EXPECT_FALSE(policy::GlobMatch("imagebuilder:List*", "imagebuilder:GetComponent", true));
}

TEST_F(ResourceOpsTest, IdempotentCreatesReplayAndMismatch) {
  auto ctx = Ctx(kA);
  int runs = 0;
  auto run = [&](store::Store& tx) -> Result<Json> {
    ++runs;
    return Json{{"componentBuildVersionArn", "x"}};
  };
  Json in = {{"name", "n"}, {"clientToken", "t1"}};
  auto a = RunIdempotent(ctx, "CreateComponent", in, run);
  auto b = RunIdempotent(ctx, "CreateComponent", in, run);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)["clientToken"], "t1");
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(runs, 1);
  Json other = {{"name", "m"}, {"clientToken", "t1"}};
  EXPECT_EQ(RunIdempotent(ctx, "CreateComponent", other, run).status().type(),
            "IdempotentParameterMismatchException");
  // Scoped per account: another account may reuse the token.
  auto ctxb = Ctx(kB);
  EXPECT_TRUE(RunIdempotent(ctxb, "CreateComponent", other, run).ok());
}

TEST_F(ResourceOpsTest, ValidatesTagsAndVersions) {
  EXPECT_TRUE(ValidateTags(Json{{"k", "v"}}, "tags").ok());
  EXPECT_EQ(ValidateTags(Json{{"aws:k", "v"}}, "tags").type(), "InvalidParameterValueException");
  EXPECT_EQ(ValidateTags(Json{{"k", 1}}, "tags", "InvalidParameterException").type(), "InvalidParameterException");
  Json many = Json::object();
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(ValidateTags(many, "tags").ok());
  EXPECT_TRUE(CheckCreateVersion("2021.01.01").ok());
  EXPECT_EQ(CheckCreateVersion("1.x.0").type(), "InvalidVersionNumberException");
  EXPECT_EQ(CheckCreateVersion("1.0.1073741824").type(), "InvalidVersionNumberException");
}

TEST_F(ResourceOpsTest, DependencyCheckFindsReferences) {
  auto ctx = Ctx(kA);
  store::Resource infra;
  infra.kind = "infrastructure-configuration";
  infra.arn = BuildArn(ctx, infra.kind, "infra");
  infra.account = kA;
  infra.region = "us-east-1";
  infra.name = "infra";
  ASSERT_TRUE(store_->Insert(infra).ok());
  EXPECT_TRUE(CheckNotReferenced(*store_, infra, "image-pipeline", {"infrastructureConfigurationArn"}).ok());
  store::Resource pipe;
  pipe.kind = "image-pipeline";
  pipe.arn = BuildArn(ctx, pipe.kind, "pipe");
  pipe.account = kA;
  pipe.region = "us-east-1";
  pipe.name = "pipe";
  pipe.doc = {{"infrastructureConfigurationArn", infra.arn}};
  ASSERT_TRUE(store_->Insert(pipe).ok());
  Status s = CheckNotReferenced(*store_, infra, "image-pipeline", {"infrastructureConfigurationArn"});
  EXPECT_EQ(s.type(), "ResourceDependencyException");
  EXPECT_NE(s.message().find(pipe.arn), std::string::npos);
}

}  // namespace
}  // namespace kiln::api
