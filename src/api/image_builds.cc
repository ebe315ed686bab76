#include "api/image_builds.h"

#include "api/build_records.h"
#include "api/resource_ops.h"
#include "common/time.h"
#include "store/paging.h"

namespace kiln::api {
namespace {

Result<store::Resource> ResolveRecipe(OperationContext& ctx, const std::string& text,
                                      const std::string& member, const std::string& kind,
                                      const std::string& action) {
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, member, kind, ArnLevel::kPattern));
  if (ref.build) return InvalidParameterValue(member + " must not name a build: " + text);
  ResolveOptions opts;
  opts.read_action = action;
  auto r = ResolveVersioned(ctx, ref, opts);
  if (!r.ok()) return r.status().Prefixed(member);
  return r;
}

Result<store::Resource> LoadConfiguration(OperationContext& ctx, const std::string& text,
                                          const std::string& member, const std::string& kind) {
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, member, kind, ArnLevel::kUnversioned).status());
  auto r = LoadForRead(ctx, text, "");
  if (!r.ok()) return r.status().Prefixed(member);
  return r;
}

// The next build number of (account, region, slug, version): one more than
// any build ever made, so numbers are not reused after deletes.
Result<int64_t> NextBuildNumber(store::Store& tx, const store::Resource& probe) {
  const std::string key = probe.account + "/" + probe.region + "/" + probe.name + "/" + probe.version;
  KILN_ASSIGN_OR_RETURN(auto last, tx.GetValue("image-build-number", key));
  int64_t n = last ? std::stoll(*last) : 0;
  store::ListQuery q;
  q.kind = "image";
  q.accounts = {probe.account};
  q.region = probe.region;
  q.name = probe.name;
  q.version = probe.version;
  q.limit = 500;
  KILN_RETURN_IF_ERROR(store::ForEachResource(tx, q, [&](const store::Resource& r) {
    n = std::max(n, r.build);
    return Status::Ok();
  }));
  KILN_RETURN_IF_ERROR(tx.PutValue("image-build-number", key, std::to_string(n + 1)));
  return n + 1;
}

}  // namespace

Result<BuildConfig> ResolveBuildConfig(OperationContext& ctx, const Json& input) {
  BuildConfig c;
  const bool image = input.contains("imageRecipeArn") && input["imageRecipeArn"].is_string();
  const bool container = input.contains("containerRecipeArn") && input["containerRecipeArn"].is_string();
  if (image == container)
    return InvalidParameterCombination("You must specify exactly one of imageRecipeArn or containerRecipeArn");
  c.container = container;
  if (image) {
    KILN_ASSIGN_OR_RETURN(c.recipe, ResolveRecipe(ctx, input["imageRecipeArn"].get<std::string>(), "imageRecipeArn",
                                                  "image-recipe", "imagebuilder:GetImageRecipe"));
  } else {
    KILN_ASSIGN_OR_RETURN(c.recipe, ResolveRecipe(ctx, input["containerRecipeArn"].get<std::string>(),
                                                  "containerRecipeArn", "container-recipe",
                                                  "imagebuilder:GetContainerRecipe"));
  }
  KILN_ASSIGN_OR_RETURN(c.infrastructure,
                        LoadConfiguration(ctx, input.value("infrastructureConfigurationArn", ""),
                                          "infrastructureConfigurationArn",
                                          "infrastructure-configuration"));
  if (input.contains("distributionConfigurationArn") && input["distributionConfigurationArn"].is_string()) {
    KILN_ASSIGN_OR_RETURN(c.distribution,
                          LoadConfiguration(ctx, input["distributionConfigurationArn"].get<std::string>(),
                                            "distributionConfigurationArn",
                                            "distribution-configuration"));
  }
  c.image_tests = {{"imageTestsEnabled", true}, {"timeoutMinutes", 720}};
  if (input.contains("imageTestsConfiguration") && input["imageTestsConfiguration"].is_object()) {
    const Json& t = input["imageTestsConfiguration"];
    if (t.contains("imageTestsEnabled")) c.image_tests["imageTestsEnabled"] = t["imageTestsEnabled"];
    if (t.contains("timeoutMinutes")) {
      int64_t m = t["timeoutMinutes"].get<int64_t>();
      if (m < 60 || m > 1440)
        return InvalidParameterValue("imageTestsConfiguration.timeoutMinutes must be 60 to 1440, got " +
                                     std::to_string(m));
      c.image_tests["timeoutMinutes"] = m;
    }
  }
  if (input.contains("imageScanningConfiguration") && input["imageScanningConfiguration"].is_object()) {
    c.image_scanning = input["imageScanningConfiguration"];
    if (c.image_scanning.value("imageScanningEnabled", false))
      return Status::Unimplemented(
          "imageScanningConfiguration.imageScanningEnabled: image security scanning (Amazon "
          "Inspector) is not supported by Kiln; leave it disabled");
  }
  c.enhanced_metadata = input.value("enhancedImageMetadataEnabled", true);
  c.execution_role = input.value("executionRole", "");
  if (input.contains("workflows") && input["workflows"].is_array()) c.workflows_config = input["workflows"];
  if (input.contains("loggingConfiguration")) c.logging = input["loggingConfiguration"];
  KILN_ASSIGN_OR_RETURN(c.workflows, ResolveBuildWorkflows(ctx, input, c.container));
  return c;
}

Result<std::string> CreateImageBuild(OperationContext& ctx, store::Store& tx,
                                     const BuildConfig& config, const Json& tags,
                                     const std::string& build_type,
                                     const std::optional<PipelineSource>& pipeline) {
  const Json& recipe = config.recipe.doc;
  store::Resource img;
  img.kind = "image";
  img.account = ctx.caller.account_id;
  img.region = ctx.caller.region;
  img.name = ArnSlug(recipe.value("name", ""));
  img.version = recipe.value("version", config.recipe.version);
  KILN_ASSIGN_OR_RETURN(img.build, NextBuildNumber(tx, img));
  img.arn = BuildArn(ctx, "image", recipe.value("name", ""), img.version, img.build);
  img.parent = pipeline ? pipeline->arn : "";
  img.created_ms = img.updated_ms = NowMillis();
  Json d = {{"arn", img.arn},
            {"type", config.container ? "DOCKER" : "AMI"},
            {"name", recipe.value("name", "")},
            {"version", img.version},
            {"platform", recipe.value("platform", "Linux")},
            {"enhancedImageMetadataEnabled", config.enhanced_metadata},
            {config.container ? "containerRecipe" : "imageRecipe", recipe},
            {"infrastructureConfiguration", config.infrastructure.doc},
            {"imageTestsConfiguration", config.image_tests},
            {"dateCreated", FormatIso8601(img.created_ms)},
            {"tags", tags.is_object() ? tags : Json::object()},
            {"buildType", build_type},
            {"imageSource", "CUSTOM"},
            {"owner", ctx.caller.account_id}};
  if (config.distribution) d["distributionConfiguration"] = config.distribution->doc;
  if (pipeline) {
    d["sourcePipelineArn"] = pipeline->arn;
    d["sourcePipelineName"] = pipeline->name;
  }
  if (!config.image_scanning.is_null()) d["imageScanningConfiguration"] = config.image_scanning;
  if (!config.execution_role.empty()) d["executionRole"] = config.execution_role;
  if (!config.workflows_config.is_null()) d["workflows"] = config.workflows_config;
  if (!config.logging.is_null()) d["loggingConfiguration"] = config.logging;
  img.doc = std::move(d);
  SetImageStatus(img, "PENDING");
  KILN_RETURN_IF_ERROR(tx.Insert(img));

  store::Resource job;
  job.kind = "build-job";
  job.arn = "build-job/" + NewUuid();
  job.account = img.account;
  job.region = img.region;
  job.name = img.name;
  job.version = img.version;
  job.build = img.build;
  job.parent = img.arn;
  job.status = "queued";
  job.created_ms = job.updated_ms = img.created_ms;
  job.doc = {{"imageBuildVersionArn", img.arn},
             {"buildType", build_type},
             {"workflows", ResolvedWorkflowsJson(config.workflows)},
             {"imageTestsConfiguration", config.image_tests}};
  KILN_RETURN_IF_ERROR(tx.Insert(job));
  return img.arn;
}

}  // namespace kiln::api
