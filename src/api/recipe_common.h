// What image recipes and container recipes share: versioned, immutable
// (except tags), shareable resources with a component list (resources-api.md
// §2.2, §2.3, §3.2). ops_image_recipes.cc and ops_container_recipes.cc
// describe their differences in a RecipeKind and call these.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/resource_ops.h"

namespace kiln::api {

struct RecipeKind {
  std::string kind;         // "image-recipe" | "container-recipe"
  std::string arn_member;   // "imageRecipeArn" | "containerRecipeArn"
  std::string noun;         // "ImageRecipe" | "ContainerRecipe" (operation names)
  std::string get_action;   // "imagebuilder:GetImageRecipe"
  std::string list_action;  // "imagebuilder:ListImageRecipes"
  std::string output_key;   // "imageRecipe"
  std::string list_key;     // "imageRecipeSummaryList"
  std::vector<std::string> summary_fields;
  std::map<std::string, FilterFn> filters;
};

// Checks a recipe's `components` (ComponentConfigurationList): at most 20;
// every componentArn a component ARN (wildcards allowed) that resolves now to
// a component the caller may use; parameters known to that component and
// every parameter without a default given; at least one BUILD component.
// Returns the platform the components share ("" when there are none);
// components of different platforms, or not matching `platform` when that is
// given, are an InvalidParameterValueException.
Result<std::string> CheckRecipeComponents(OperationContext& ctx, const Json& components,
                                          const std::string& platform);

// Stores a new recipe version built by `doc` (its arn, name, version, owner,
// dateCreated and tags are filled here). ResourceAlreadyExists when the
// version exists. Runs under clientToken idempotency; returns
// {<arn_member>, latestVersionReferences}.
Result<Json> CreateRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input, Json doc);

Result<Json> GetRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input);
Result<Json> ListRecipes(OperationContext& ctx, const RecipeKind& k, const Json& input);
// Refuses while a pipeline or an in-progress image build uses this version,
// or while the recipe is shared.
Result<Json> DeleteRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input);
Result<Json> GetRecipePolicy(OperationContext& ctx, const RecipeKind& k, const Json& input);
Result<Json> PutRecipePolicy(OperationContext& ctx, const RecipeKind& k, const Json& input);

// Registers the six operations of `k` (Create is given by the caller).
void RegisterRecipeOperations(const RecipeKind& k, OperationHandler create);

// True for image statuses that are still moving (PENDING .. INTEGRATING).
bool ImageInProgress(const store::Resource& image);

}  // namespace kiln::api
