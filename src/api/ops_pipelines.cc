// Image pipeline operations (workflows-pipelines-lifecycle.md §4):
// CreateImagePipeline, UpdateImagePipeline, GetImagePipeline,
// ListImagePipelines, DeleteImagePipeline, StartImagePipelineExecution,
// ListImagePipelineImages.
//
// A pipeline row keeps the request's members as the `ImagePipeline` shape.
// Schedules are cron expressions (§4.3, validated with their time zone);
// dateNextRun is computed from them. Running due pipelines is the engine's
// scheduler's job.
#include "api/build_records.h"
#include "api/image_builds.h"
#include "api/resource_ops.h"
#include "common/time.h"
#include "engine/schedule.h"
#include "store/paging.h"

namespace kiln::api {
namespace {

const std::vector<std::string> kPipelineMembers = {
    "description", "imageRecipeArn", "containerRecipeArn", "infrastructureConfigurationArn",
    "distributionConfigurationArn", "imageScanningConfiguration", "imageTags", "executionRole",
    "workflows", "loggingConfiguration"};

// Validates `schedule` and fills its defaults; returns the next run (ms) or
// nullopt when there is no schedule.
Result<std::optional<int64_t>> CheckSchedule(Json& schedule) {
  if (schedule.is_null()) return std::optional<int64_t>();
  const std::string expr = schedule.value("scheduleExpression", "");
  if (expr.empty()) return InvalidParameterValue("schedule.scheduleExpression is required in a schedule");
  if (expr.rfind("cron(", 0) != 0)
    return InvalidParameterValue("schedule.scheduleExpression: pipelines take a cron(...) expression, "
                                 "got '" + expr + "'");
  auto cron = engine::ParseCron(expr);
  if (!cron.ok()) return InvalidParameterValue("schedule.scheduleExpression: " + cron.status().message());
  auto zone = engine::TimeZone::Load(schedule.value("timezone", "Etc/UTC"));
  if (!zone.ok()) return InvalidParameterValue("schedule.timezone: " + zone.status().message());
  if (!schedule.contains("pipelineExecutionStartCondition"))
    schedule["pipelineExecutionStartCondition"] = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE";
  return engine::NextCronRun(*cron, *zone, NowMillis());
}

// Builds the pipeline doc from a create/update request (the whole pipeline
// is replaced on update, §4.1).
Result<Json> PipelineDoc(OperationContext& ctx, const Json& input, const BuildConfig& config) {
  Json d = Json::object();
  CopyFields(input, kPipelineMembers, d);
  d["platform"] = config.recipe.doc.value("platform", "Linux");
  d["enhancedImageMetadataEnabled"] = config.enhanced_metadata;
  d["imageTestsConfiguration"] = config.image_tests;
  d["status"] = input.value("status", "ENABLED");
  if (input.contains("schedule") && input["schedule"].is_object()) {
    Json schedule = input["schedule"];
    KILN_ASSIGN_OR_RETURN(auto next, CheckSchedule(schedule));
    d["schedule"] = schedule;
    if (next && d["status"] == "ENABLED") d["dateNextRun"] = FormatIso8601(*next);
  }
  if (input.contains("imageTags")) KILN_RETURN_IF_ERROR(ValidateTags(input["imageTags"], "imageTags"));
  return d;
}

Result<Json> CreateImagePipeline(OperationContext& ctx, const Json& input) {
  const std::string name = input.value("name", "");
  const std::string arn = BuildArn(ctx, "image-pipeline", name);
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  KILN_ASSIGN_OR_RETURN(BuildConfig config, ResolveBuildConfig(ctx, input));
  KILN_ASSIGN_OR_RETURN(Json doc, PipelineDoc(ctx, input, config));
  return RunIdempotent(ctx, "CreateImagePipeline", input, [&](store::Store& tx) -> Result<Json> {
    store::Resource r;
    r.arn = arn;
    r.kind = "image-pipeline";
    r.account = ctx.caller.account_id;
    r.region = ctx.caller.region;
    r.name = ArnSlug(name);
    r.created_ms = r.updated_ms = NowMillis();
    doc["arn"] = arn;
    doc["name"] = name;
    doc["dateCreated"] = FormatIso8601(r.created_ms);
    doc["tags"] = input.value("tags", Json::object());
    r.status = doc["status"];
    r.doc = doc;
    Status s = tx.Insert(r);
    if (s.code() == Code::kAlreadyExists) return ResourceAlreadyExists(arn);
    KILN_RETURN_IF_ERROR(s);
    return Json{{"imagePipelineArn", arn}};
  });
}

Result<Json> UpdateImagePipeline(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("imagePipelineArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "imagePipelineArn", "image-pipeline", ArnLevel::kUnversioned).status());
  KILN_ASSIGN_OR_RETURN(BuildConfig config, ResolveBuildConfig(ctx, input));
  KILN_ASSIGN_OR_RETURN(Json doc, PipelineDoc(ctx, input, config));
  return RunIdempotent(ctx, "UpdateImagePipeline", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, arn, ""));
    // Identity, tags and run history survive; every other member is replaced.
    for (const char* keep : {"arn", "name", "dateCreated", "tags", "dateLastRun", "lastRunStatus"})
      if (r.doc.contains(keep)) doc[keep] = r.doc[keep];
    r.updated_ms = NowMillis();
    doc["dateUpdated"] = FormatIso8601(r.updated_ms);
    r.status = doc["status"];
    r.doc = doc;
    KILN_RETURN_IF_ERROR(tx.Update(r));
    return Json{{"imagePipelineArn", arn}};
  });
}

// dateNextRun as of now (the stored one goes stale as time passes).
Json PipelineOutput(const store::Resource& r) {
  Json d = r.doc;
  d.erase("dateNextRun");
  if (d.value("status", "") == "ENABLED" && d.contains("schedule")) {
    Json schedule = d["schedule"];
    auto next = CheckSchedule(schedule);
    if (next.ok() && *next) d["dateNextRun"] = FormatIso8601(**next);
  }
  return d;
}

Result<Json> GetImagePipeline(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("imagePipelineArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "imagePipelineArn", "image-pipeline", ArnLevel::kUnversioned).status());
  KILN_ASSIGN_OR_RETURN(auto r, LoadForRead(ctx, arn, ""));
  return Json{{"imagePipeline", PipelineOutput(r)}};
}

Result<Json> ListImagePipelines(OperationContext& ctx, const Json& input) {
  ListSpec spec;
  spec.kind = "image-pipeline";
  spec.operation = "ListImagePipelines";
  for (const char* f : {"description", "distributionConfigurationArn", "imageRecipeArn",
                        "infrastructureConfigurationArn", "name", "status"})
    spec.filters[f] = DocFieldFilter(f);
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) rows.push_back(PipelineOutput(r));
  Json out = {{"imagePipelineList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> DeleteImagePipeline(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("imagePipelineArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "imagePipelineArn", "image-pipeline", ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, arn, ""));
    // A build of this pipeline still in progress depends on it.
    store::ListQuery q;
    q.kind = "image";
    q.accounts = {r.account};
    q.region = r.region;
    q.parent = arn;
    q.limit = 500;
    KILN_RETURN_IF_ERROR(store::ForEachResource(tx, q, [&](const store::Resource& img) {
      return ImageBuilding(ImageStatus(img)) ? ResourceDependency(arn, img.arn) : Status::Ok();
    }));
    return tx.Delete(arn);
  }));
  return Json{{"imagePipelineArn", arn}};
}

Result<Json> StartImagePipelineExecution(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("imagePipelineArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "imagePipelineArn", "image-pipeline", ArnLevel::kUnversioned).status());
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  KILN_ASSIGN_OR_RETURN(auto pipeline, LoadForWrite(ctx, arn, ""));
  if (pipeline.doc.value("status", "ENABLED") != "ENABLED")
    return ResourceInUse("Pipeline " + arn + " is DISABLED; enable it with UpdateImagePipeline to run it");
  // The pipeline's references are resolved again now: wildcard versions pick
  // what is latest at this run.
  KILN_ASSIGN_OR_RETURN(BuildConfig config, ResolveBuildConfig(ctx, pipeline.doc));
  Json tags = pipeline.doc.value("imageTags", Json::object());
  const Json given = input.value("tags", Json::object());  // items() needs a live object
  for (const auto& [k, v] : given.items()) tags[k] = v;
  if (tags.size() > 50) return InvalidParameterValue("tags: an image has at most 50 tags (pipeline imageTags plus tags)");
  return RunIdempotent(ctx, "StartImagePipelineExecution", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto image_arn,
                          CreateImageBuild(ctx, tx, config, tags, "USER_INITIATED",
                                           PipelineSource{arn, pipeline.doc.value("name", "")}));
    KILN_ASSIGN_OR_RETURN(auto current, tx.Get(arn));
    current.doc["dateLastRun"] = FormatIso8601(NowMillis());
    current.doc["lastRunStatus"] = "PENDING";
    KILN_RETURN_IF_ERROR(tx.Update(current));
    return Json{{"imageBuildVersionArn", image_arn}};
  });
}

Result<Json> ListImagePipelineImages(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("imagePipelineArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "imagePipelineArn", "image-pipeline", ArnLevel::kUnversioned).status());
  KILN_ASSIGN_OR_RETURN(auto pipeline, LoadForRead(ctx, arn, ""));
  ListSpec spec;
  spec.kind = "image";
  spec.operation = "ListImagePipelineImages";
  spec.account = pipeline.account;
  spec.filters = {{"name", DocFieldFilter("name")}, {"version", DocFieldFilter("version")}};
  spec.include = [arn](const store::Resource& r) { return r.parent == arn; };
  Json in = input;
  in.erase("imagePipelineArn");
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, in, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, {"arn", "name", "type", "platform", "osVersion", "owner", "dateCreated",
                               "outputResources", "tags", "buildType", "imageSource"});
    row["version"] = r.version + "/" + std::to_string(r.build);
    row["state"] = {{"status", ImageStatus(r)}};
    if (r.doc.contains("state") && r.doc["state"].contains("reason"))
      row["state"]["reason"] = r.doc["state"]["reason"];
    rows.push_back(std::move(row));
  }
  Json out = {{"imageSummaryList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

}  // namespace

void RegisterImagePipelineOperations() {
  RegisterOperation("CreateImagePipeline", CreateImagePipeline);
  RegisterOperation("UpdateImagePipeline", UpdateImagePipeline);
  RegisterOperation("GetImagePipeline", GetImagePipeline);
  RegisterOperation("ListImagePipelines", ListImagePipelines);
  RegisterOperation("DeleteImagePipeline", DeleteImagePipeline);
  RegisterOperation("StartImagePipelineExecution", StartImagePipelineExecution);
  RegisterOperation("ListImagePipelineImages", ListImagePipelineImages);
}

}  // namespace kiln::api
