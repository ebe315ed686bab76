// Container recipe operations: CreateContainerRecipe, GetContainerRecipe,
// ListContainerRecipes, DeleteContainerRecipe, GetContainerRecipePolicy,
// PutContainerRecipePolicy (resources-api.md §2.3, §3.2).
#include "api/dockerfile_template.h"
#include "api/ops_resources.h"
#include "api/recipe_common.h"

namespace kiln::api {
namespace {

RecipeKind ContainerRecipeKind() {
  RecipeKind k;
  k.kind = "container-recipe";
  k.arn_member = "containerRecipeArn";
  k.noun = "ContainerRecipe";
  k.get_action = "imagebuilder:GetContainerRecipe";
  k.list_action = "imagebuilder:ListContainerRecipes";
  k.output_key = "containerRecipe";
  k.list_key = "containerRecipeSummaryList";
  k.summary_fields = {"arn",         "containerType", "name", "platform", "owner",
                      "parentImage", "dateCreated",   "tags"};
  k.filters = {{"containerType", DocFieldFilter("containerType")},
               {"name", DocFieldFilter("name")},
               {"parentImage", DocFieldFilter("parentImage")},
               {"platform", DocFieldFilter("platform")}};
  return k;
}

Result<Json> CreateContainerRecipe(OperationContext& ctx, const Json& input) {
  if (input.value("containerType", "DOCKER") != "DOCKER") {
    return InvalidParameterValue("containerType: only DOCKER is supported");
  }
  if (input.value("parentImage", "").empty()) return InvalidParameterValue("parentImage is required");
  const bool has_data = input.contains("dockerfileTemplateData");
  const bool has_uri = input.contains("dockerfileTemplateUri");
  if (has_data == has_uri) {
    return InvalidParameterCombination("Specify exactly one of dockerfileTemplateData or "
                                       "dockerfileTemplateUri");
  }
  std::string dockerfile = input.value("dockerfileTemplateData", "");
  if (has_uri) {
    KILN_ASSIGN_OR_RETURN(dockerfile, FetchFromS3(input["dockerfileTemplateUri"].get<std::string>(),
                                                  "dockerfileTemplateUri"));
  }
  const Json& components = input.value("components", Json::array());
  KILN_RETURN_IF_ERROR(ValidateDockerfileTemplate(dockerfile,
                                                  components.is_array() && !components.empty(),
                                                  "dockerfileTemplateData"));
  const Json& repo = input.value("targetRepository", Json::object());
  if (repo.value("repositoryName", "").empty()) {
    return InvalidParameterValue("targetRepository.repositoryName is required");
  }
  KILN_ASSIGN_OR_RETURN(std::string platform,
                        CheckRecipeComponents(ctx, components, input.value("platformOverride", "")));
  Json doc = {{"containerType", "DOCKER"},
              {"platform", platform.empty() ? "Linux" : platform},
              // Kiln keeps recipes unencrypted in its local database (D-res-3).
              {"encrypted", false}};
  doc["dockerfileTemplateData"] = dockerfile;  // the template as read, also from a URI
  CopyFields(input, {"components", "instanceConfiguration", "kmsKeyId",
                     "parentImage", "workingDirectory", "targetRepository", "platformOverride",
                     "imageOsVersionOverride"},
             doc);
  return CreateRecipe(ctx, ContainerRecipeKind(), input, std::move(doc));
}

}  // namespace

void RegisterContainerRecipeHandlers() {
  RegisterRecipeOperations(ContainerRecipeKind(), CreateContainerRecipe);
}

}  // namespace kiln::api
