// Image recipe operations: CreateImageRecipe, GetImageRecipe,
// ListImageRecipes, DeleteImageRecipe, GetImageRecipePolicy,
// PutImageRecipePolicy (resources-api.md §2.2, §3.2).
#include "api/build_records.h"
#include "api/ops_resources.h"
#include "api/recipe_common.h"

namespace kiln::api {
namespace {

RecipeKind ImageRecipeKind() {
  RecipeKind k;
  k.kind = "image-recipe";
  k.arn_member = "imageRecipeArn";
  k.noun = "ImageRecipe";
  k.get_action = "imagebuilder:GetImageRecipe";
  k.list_action = "imagebuilder:ListImageRecipes";
  k.output_key = "imageRecipe";
  k.list_key = "imageRecipeSummaryList";
  k.summary_fields = {"arn", "name", "platform", "owner", "parentImage", "dateCreated", "tags"};
  k.filters = {{"name", DocFieldFilter("name")},
               {"parentImage", DocFieldFilter("parentImage")},
               {"platform", DocFieldFilter("platform")}};
  return k;
}

// The platform of an Image Builder image used as parent ("" when the parent
// is not an Image Builder image ARN, e.g. a container image reference).
Result<std::string> ParentImagePlatform(OperationContext& ctx, const std::string& parent) {
  if (parent.rfind("arn:", 0) != 0) return std::string();
  KILN_ASSIGN_OR_RETURN(auto image, ResolveParentImageArn(ctx, parent));
  return image.doc.value("platform", "");
}

Result<Json> CreateImageRecipe(OperationContext& ctx, const Json& input) {
  const std::string parent = input.value("parentImage", "");
  if (parent.empty()) return InvalidParameterValue("parentImage is required");
  KILN_ASSIGN_OR_RETURN(std::string parent_platform, ParentImagePlatform(ctx, parent));
  KILN_ASSIGN_OR_RETURN(std::string platform,
                        CheckRecipeComponents(ctx, input.value("components", Json()), parent_platform));
  if (input.contains("amiTags")) KILN_RETURN_IF_ERROR(ValidateTags(input["amiTags"], "amiTags"));
  Json doc = {{"type", "AMI"}, {"platform", platform.empty() ? "Linux" : platform}};
  CopyFields(input, {"components", "parentImage", "blockDeviceMappings", "workingDirectory",
                     "additionalInstanceConfiguration", "amiTags", "amiWatermarks"},
             doc);
  return CreateRecipe(ctx, ImageRecipeKind(), input, std::move(doc));
}

}  // namespace

void RegisterImageRecipeHandlers() {
  RegisterRecipeOperations(ImageRecipeKind(), CreateImageRecipe);
}

}  // namespace kiln::api
