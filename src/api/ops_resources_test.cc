// Handler-level tests of the resource operations, for what the SDK suite
// cannot set up on its own: references from pipelines and images (stored by
// the image/pipeline operations of another branch) blocking deletes, and the
// embedded catalogue.
#include "api/ops_resources.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "api/catalog.h"
#include "api/resource_ops.h"
#include "common/hash.h"

namespace kiln::api {
namespace {

class OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterResourceOperations();
    dir_ = std::filesystem::temp_directory_path() / ("kiln-opsres-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    ctx_.caller = {"111111111111", "us-east-1", "AKID"};
    ctx_.request_id = "r";
    ctx_.store = store_.get();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<Json> Call(const std::string& op, const Json& input) {
    const OperationHandler* h = FindOperation(op);
    if (!h) return Status::Internal("no handler for " + op);
    return (*h)(ctx_, input);
  }
  // A row as the pipeline / image operations store it.
  void AddReferrer(const std::string& kind, const std::string& name, Json doc,
                   const std::string& status = "") {
    store::Resource r;
    r.kind = kind;
    r.arn = BuildArn(ctx_, kind, name, kind == "image" ? "1.0.0" : "",
                     kind == "image" ? std::optional<int64_t>(1) : std::nullopt);
    r.account = ctx_.caller.account_id;
    r.region = ctx_.caller.region;
    r.name = name;
    r.version = kind == "image" ? "1.0.0" : "";
    r.build = kind == "image" ? 1 : 0;
    r.status = status;
    r.doc = std::move(doc);
    ASSERT_TRUE(store_->Insert(r).ok());
    referrers_.push_back(r);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  OperationContext ctx_;
  std::vector<store::Resource> referrers_;
};

TEST_F(OpsTest, EveryResourceOperationIsRegistered) {
  for (const char* op :
       {"CreateComponent", "ImportComponent", "GetComponent", "ListComponents",
        "ListComponentBuildVersions", "DeleteComponent", "GetComponentPolicy", "PutComponentPolicy",
        "CreateImageRecipe", "GetImageRecipe", "ListImageRecipes", "DeleteImageRecipe",
        "GetImageRecipePolicy", "PutImageRecipePolicy", "CreateContainerRecipe",
        "GetContainerRecipe", "ListContainerRecipes", "DeleteContainerRecipe",
        "GetContainerRecipePolicy", "PutContainerRecipePolicy",
        "CreateInfrastructureConfiguration", "UpdateInfrastructureConfiguration",
        "GetInfrastructureConfiguration", "ListInfrastructureConfigurations",
        "DeleteInfrastructureConfiguration", "CreateDistributionConfiguration",
        "UpdateDistributionConfiguration", "GetDistributionConfiguration",
        "ListDistributionConfigurations", "DeleteDistributionConfiguration", "TagResource",
        "UntagResource", "ListTagsForResource", "GetMarketplaceResource"}) {
    EXPECT_NE(FindOperation(op), nullptr) << op;
  }
}

TEST_F(OpsTest, CatalogueDocumentsAreValidAndSeededOnce) {
  auto all = ManagedComponents();
  ASSERT_GE(all.size(), 4u);
  ASSERT_TRUE(SeedManagedCatalog(*store_, "us-east-1").ok());
  ASSERT_TRUE(SeedManagedCatalog(*store_, "us-east-1").ok());  // idempotent
  store::ListQuery q;
  q.kind = "component";
  q.accounts = {"aws"};
  q.region = "us-east-1";
  EXPECT_EQ(*store_->Count(q), static_cast<int64_t>(all.size()));
  auto update = store_->Get("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.0/1");
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->doc["owner"], "Amazon");
  EXPECT_EQ(update->doc["type"], "BUILD");
  auto reboot = store_->Get("arn:aws:imagebuilder:us-east-1:aws:component/reboot-test-linux/1.0.0/1");
  ASSERT_TRUE(reboot.ok());
  EXPECT_EQ(reboot->doc["type"], "TEST");
}

TEST_F(OpsTest, PipelinesAndRunningImagesBlockDeletes) {
  Json recipe_in = {{"name", "rec"}, {"semanticVersion", "1.0.0"}, {"parentImage", "ubuntu:22.04"},
                    {"components", {{{"componentArn", "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}}}}};
  auto recipe = Call("CreateImageRecipe", recipe_in);
  ASSERT_TRUE(recipe.ok()) << recipe.status().ToString();
  const std::string recipe_arn = (*recipe)["imageRecipeArn"];
  auto infra = Call("CreateInfrastructureConfiguration", {{"name", "inf"}, {"instanceProfileName", "p"}});
  ASSERT_TRUE(infra.ok()) << infra.status().ToString();
  const std::string infra_arn = (*infra)["infrastructureConfigurationArn"];
  auto dist = Call("CreateDistributionConfiguration", {{"name", "dis"}, {"distributions", {{{"region", "us-east-1"}}}}});
  ASSERT_TRUE(dist.ok()) << dist.status().ToString();
  const std::string dist_arn = (*dist)["distributionConfigurationArn"];

  AddReferrer("image-pipeline", "pipe", {{"imageRecipeArn", recipe_arn},
                                         {"infrastructureConfigurationArn", infra_arn},
                                         {"distributionConfigurationArn", dist_arn}});
  auto r1 = Call("DeleteImageRecipe", {{"imageRecipeArn", recipe_arn}});
  EXPECT_EQ(r1.status().type(), "ResourceDependencyException");
  EXPECT_NE(r1.status().message().find("image-pipeline/pipe"), std::string::npos);
  EXPECT_EQ(Call("DeleteInfrastructureConfiguration", {{"infrastructureConfigurationArn", infra_arn}}).status().type(),
            "ResourceDependencyException");
  EXPECT_EQ(Call("DeleteDistributionConfiguration", {{"distributionConfigurationArn", dist_arn}}).status().type(),
            "ResourceDependencyException");

  // Pipeline gone; a build still in progress keeps the infrastructure alive.
  ASSERT_TRUE(store_->Delete(referrers_[0].arn).ok());
  AddReferrer("image", "img", {{"infrastructureConfiguration", {{"arn", infra_arn}}},
                               {"imageRecipe", {{"arn", recipe_arn}}}},
              "BUILDING");
  EXPECT_EQ(Call("DeleteInfrastructureConfiguration", {{"infrastructureConfigurationArn", infra_arn}}).status().type(),
            "ResourceDependencyException");
  EXPECT_EQ(Call("DeleteImageRecipe", {{"imageRecipeArn", recipe_arn}}).status().type(),
            "ResourceDependencyException");
  store::Resource done = referrers_[1];
  done.status = "AVAILABLE";
  ASSERT_TRUE(store_->Update(done).ok());
  EXPECT_TRUE(Call("DeleteInfrastructureConfiguration", {{"infrastructureConfigurationArn", infra_arn}}).ok());
  EXPECT_TRUE(Call("DeleteImageRecipe", {{"imageRecipeArn", recipe_arn}}).ok());
  EXPECT_TRUE(Call("DeleteDistributionConfiguration", {{"distributionConfigurationArn", dist_arn}}).ok());
}

TEST_F(OpsTest, RecipeParentImageMustBeAnAvailableImage) {
  Json in = {{"name", "child"}, {"semanticVersion", "1.0.0"},
             {"parentImage", "arn:aws:imagebuilder:us-east-1:111111111111:image/base/x.x.x"},
             {"components", {{{"componentArn", "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}}}}};
  EXPECT_EQ(Call("CreateImageRecipe", in).status().type(), "ResourceNotFoundException");
  AddReferrer("image", "base", {{"platform", "Linux"}, {"state", {{"status", "FAILED"}}}}, "FAILED");
  EXPECT_EQ(Call("CreateImageRecipe", in).status().type(), "ResourceNotFoundException");
  store::Resource ok = referrers_[0];
  ok.status = "AVAILABLE";
  ASSERT_TRUE(store_->Update(ok).ok());
  auto created = Call("CreateImageRecipe", in);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
}

TEST_F(OpsTest, TagsWorkOnResourcesOtherOperationsStore) {
  AddReferrer("image-pipeline", "pipe", {{"tags", {{"a", "1"}}}});
  const std::string arn = referrers_[0].arn;
  ASSERT_TRUE(Call("TagResource", {{"resourceArn", arn}, {"tags", {{"b", "2"}}}}).ok());
  auto tags = Call("ListTagsForResource", {{"resourceArn", arn}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ((*tags)["tags"], (Json{{"a", "1"}, {"b", "2"}}));
}

}  // namespace
}  // namespace kiln::api
