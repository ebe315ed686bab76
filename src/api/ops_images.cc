// Image operations (resources-api.md §2.6, §3.4): CreateImage, GetImage,
// ListImages, ListImageBuildVersions, DeleteImage, CancelImageCreation,
// RetryImage, DistributeImage, ImportVmImage, ImportDiskImage,
// ListImagePackages, ListImageScanFindings, ListImageScanFindingAggregations,
// GetImagePolicy, PutImagePolicy.
//
// CreateImage records a PENDING image and queues a build job; the engine
// builds it. Nothing here ever reports AVAILABLE: only a finished build does.
#include <algorithm>
#include <map>
#include <set>

#include "api/build_records.h"
#include "api/image_builds.h"
#include "api/resource_ops.h"
#include "common/time.h"

namespace kiln::api {
namespace {

constexpr const char* kGetImage = "imagebuilder:GetImage";
constexpr const char* kListImages = "imagebuilder:ListImages";

Result<Json> CreateImage(OperationContext& ctx, const Json& input) {
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  KILN_ASSIGN_OR_RETURN(BuildConfig config, ResolveBuildConfig(ctx, input));
  return RunIdempotent(ctx, "CreateImage", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(std::string arn,
                          CreateImageBuild(ctx, tx, config, input.value("tags", Json::object()),
                                           "USER_INITIATED", std::nullopt));
    return Json{{"imageBuildVersionArn", arn}};
  });
}

// What Get/List return of an image doc (the "owner" kept for list rows is
// not part of the Image shape).
Json ImageOutput(const store::Resource& r) {
  Json d = r.doc;
  d.erase("owner");
  d.erase("packages");  // ListImagePackages shows them
  d.erase("kiln");      // where the build engine keeps the image (build_worker.cc)
  d["state"] = d.value("state", Json::object());
  d["state"]["status"] = ImageStatus(r);
  return d;
}

bool NotDeleted(const store::Resource& r) { return ImageStatus(r) != "DELETED"; }

Result<Json> GetImage(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageBuildVersionArn", "");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, "imageBuildVersionArn", "image", ArnLevel::kPattern));
  ResolveOptions opts;
  opts.read_action = kGetImage;
  opts.candidate = NotDeleted;
  KILN_ASSIGN_OR_RETURN(auto r, ResolveVersioned(ctx, ref, opts));
  return Json{{"image", ImageOutput(r)}};
}

std::map<std::string, FilterFn> ImageFilters() {
  return {{"name", DocFieldFilter("name")},
          {"osVersion", DocFieldFilter("osVersion")},
          {"platform", DocFieldFilter("platform")},
          {"type", DocFieldFilter("type")},
          {"version", DocFieldFilter("version")}};
}

Json SummaryRow(const store::Resource& r) {
  Json row = Project(r.doc, {"arn", "name", "type", "platform", "osVersion", "owner", "dateCreated",
                             "outputResources", "tags", "buildType", "imageSource",
                             "deprecationTime", "lifecycleExecutionId", "loggingConfiguration"});
  row["version"] = r.version + "/" + std::to_string(r.build);  // "1.0.0/2", as the guide shows
  row["state"] = ImageOutput(r)["state"];
  return row;
}

Result<Json> ListImages(OperationContext& ctx, const Json& input) {
  ListSpec spec;
  spec.kind = "image";
  spec.operation = "ListImages";
  spec.filters = ImageFilters();
  spec.one_per_version = true;
  spec.shared_action = kListImages;
  const bool include_deprecated = input.value("includeDeprecated", false);
  spec.include = [include_deprecated](const store::Resource& r) {
    std::string s = ImageStatus(r);
    if (s == "DELETED") return false;
    return include_deprecated || s != "DEPRECATED";
  };
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, {"name", "type", "version", "platform", "osVersion", "owner",
                               "dateCreated", "buildType", "imageSource"});
    row["arn"] = ParseArn(r.arn)->WithoutBuild().ToString();
    rows.push_back(std::move(row));
  }
  Json out = {{"imageVersionList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> ListImageBuildVersions(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageVersionArn", "");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, "imageVersionArn", "image", ArnLevel::kVersion));
  if (ref.region != ctx.caller.region) return ResourceNotFound(text);
  // "You must own the image to run this command" (guide L9093); Kiln-managed
  // images are readable by everyone.
  if (ref.account != ctx.caller.account_id && ref.account != "aws")
    return Forbidden("You must own the image to list its build versions: " + text);
  ListSpec spec;
  spec.kind = "image";
  spec.operation = "ListImageBuildVersions";
  spec.filters = ImageFilters();
  spec.account = ref.account;
  spec.name = ref.name;
  spec.version = ref.version;
  Json in = input;
  in.erase("imageVersionArn");
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, in, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) rows.push_back(SummaryRow(r));
  Json out = {{"imageSummaryList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

// Rows of `kind` whose parent is `parent` (all pages).
Result<std::vector<store::Resource>> Children(store::Store& s, const store::Resource& owner_row,
                                              const std::string& kind, const std::string& parent) {
  store::ListQuery q;
  q.kind = kind;
  q.accounts = {owner_row.account};
  q.region = owner_row.region;
  q.parent = parent;
  q.limit = 500;
  std::vector<store::Resource> out;
  while (true) {
    KILN_ASSIGN_OR_RETURN(auto page, s.List(q));
    for (auto& r : page.items) out.push_back(std::move(r));
    if (!page.more) return out;
    q.after = out.back();
  }
}

Result<Json> DeleteImage(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, "imageBuildVersionArn", "image", ArnLevel::kBuild).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGetImage));
    if (ImageBuilding(ImageStatus(r)))
      return Status::FailedPrecondition("Image " + text + " is still being built (state " +
                                        ImageStatus(r) + "); cancel it with CancelImageCreation "
                                        "before deleting it")
          .WithType("ResourceDependencyException");
    KILN_RETURN_IF_ERROR(ReleaseForDelete(tx, r));
    // The image's build records go with it.
    KILN_ASSIGN_OR_RETURN(auto jobs, Children(tx, r, "build-job", r.arn));
    for (const auto& j : jobs) KILN_RETURN_IF_ERROR(tx.Delete(j.arn));
    KILN_ASSIGN_OR_RETURN(auto wfs, Children(tx, r, "workflow-execution", r.arn));
    for (const auto& wf : wfs) {
      KILN_ASSIGN_OR_RETURN(auto steps, Children(tx, r, "workflow-step-execution", wf.arn));
      for (const auto& s : steps) KILN_RETURN_IF_ERROR(tx.Delete(s.arn));
      KILN_RETURN_IF_ERROR(tx.Delete(wf.arn));
    }
    return tx.Delete(r.arn);
  }));
  return Json{{"imageBuildVersionArn", text}};
}

Result<Json> CancelImageCreation(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, "imageBuildVersionArn", "image", ArnLevel::kBuild).status());
  return RunIdempotent(ctx, "CancelImageCreation", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGetImage));
    const std::string was = ImageStatus(r);
    if (!ImageBuilding(was))
      return ResourceInUse("Image " + text + " is not being built (state " + was +
                           "); only images in progress can be cancelled");
    SetImageStatus(r, "CANCELLED", "Cancelled by CancelImageCreation");
    KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(r, was));
    // Queued jobs never start; a running job sees "cancelled" and stops.
    KILN_ASSIGN_OR_RETURN(auto jobs, Children(tx, r, "build-job", r.arn));
    for (auto& j : jobs) {
      if (j.status != "queued" && j.status != "running") continue;
      std::string old = j.status;
      j.status = "cancelled";
      j.updated_ms = NowMillis();
      KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(j, old));
    }
    return Json{{"imageBuildVersionArn", text}};
  });
}

Result<Json> RetryImage(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, "imageBuildVersionArn", "image", ArnLevel::kBuild).status());
  return RunIdempotent(ctx, "RetryImage", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGetImage));
    const std::string was = ImageStatus(r);
    if (was != "FAILED")
      return ResourceInUse("Image " + text + " is in state " + was + "; only FAILED builds can be retried");
    KILN_ASSIGN_OR_RETURN(auto jobs, Children(tx, r, "build-job", r.arn));
    if (jobs.empty()) return Status::Internal("image " + text + " has no build job to retry");
    const auto& last = *std::max_element(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
      return a.created_ms < b.created_ms;
    });
    store::Resource job = last;
    job.arn = "build-job/" + NewUuid();
    job.status = "queued";
    job.created_ms = job.updated_ms = NowMillis();
    job.doc["retried"] = true;
    KILN_RETURN_IF_ERROR(tx.Insert(job));
    SetImageStatus(r, "PENDING");
    KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(r, was));
    return Json{{"imageBuildVersionArn", text}};
  });
}

Status NotSupported(const std::string& what) {
  return Status::Unimplemented(what);
}

Result<Json> DistributeImage(OperationContext& ctx, const Json& input) {
  const std::string source = input.value("sourceImage", "");
  if (source.rfind("arn:", 0) != 0)
    return NotSupported("DistributeImage of '" + source + "' is not supported: Kiln distributes only "
                        "its own images (an Image Builder image ARN), and has no EC2 AMIs or SSM "
                        "parameters to read");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(source, "sourceImage", "image", ArnLevel::kPattern));
  ResolveOptions opts;
  opts.read_action = kGetImage;
  KILN_ASSIGN_OR_RETURN(auto img, ResolveVersioned(ctx, ref, opts));
  if (ImageStatus(img) != "AVAILABLE")
    return ResourceInUse("sourceImage " + img.arn + " is " + ImageStatus(img) +
                         "; only AVAILABLE images can be distributed");
  const std::string dist = input.value("distributionConfigurationArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(dist, "distributionConfigurationArn",
                                        "distribution-configuration", ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(LoadForRead(ctx, dist, "").status());
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  return NotSupported("DistributeImage is not supported yet: Kiln distributes images while it builds "
                      "them (container images to kiln serve --container-registry), but copying the "
                      "built image " + img.arn + " to the regions and accounts of " + dist +
                      " is not implemented (the request is valid)");
}

Result<Json> ImportVmImage(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(CheckCreateVersion(input.value("semanticVersion", "")));
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  const std::string arn = BuildArn(ctx, "image", input.value("name", ""), input.value("semanticVersion", ""));
  return NotSupported("ImportVmImage is not supported yet: importing VM import task " +
                      input.value("vmImportTaskId", "") + " as " + arn +
                      " needs EC2 VM Import/Export, which Kiln does not have (the request is valid)");
}

Result<Json> ImportDiskImage(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(CheckCreateVersion(input.value("semanticVersion", "")));
  std::string uri = input.value("uri", "");
  std::string lower = uri;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.size() < 4 || lower.compare(lower.size() - 4, 4, ".iso") != 0)
    return InvalidParameterValue("uri must name an .ISO file, got '" + uri + "'");
  if (input.value("platform", "") != "Windows")
    return InvalidParameterValue("platform must be Windows for ISO imports, got '" +
                                 input.value("platform", "") + "'");
  if (input.value("osVersion", "") != "Microsoft Windows 11")
    return InvalidParameterValue("osVersion must be 'Microsoft Windows 11' for ISO imports, got '" +
                                 input.value("osVersion", "") + "'");
  const std::string infra = input.value("infrastructureConfigurationArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(infra, "infrastructureConfigurationArn",
                                        "infrastructure-configuration", ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(LoadForRead(ctx, infra, "").status());
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  return NotSupported("ImportDiskImage is not supported yet: building an image from the ISO " + uri +
                      " needs Windows installation machinery Kiln does not have (the request is valid)");
}

Result<store::Resource> LoadOwnedImage(OperationContext& ctx, const std::string& member,
                                       const std::string& text) {
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, member, "image", ArnLevel::kBuild).status());
  return LoadForRead(ctx, text, kGetImage);
}

Result<Json> ListImagePackages(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageBuildVersionArn", "");
  KILN_ASSIGN_OR_RETURN(auto r, LoadOwnedImage(ctx, "imageBuildVersionArn", text));
  // The package inventory comes from the build's CollectImageMetadata step
  // (doc "packages"); until a build collected it there is none.
  Json all = r.doc.value("packages", Json::array());
  int limit = input.value("maxResults", 25);
  size_t start = 0;
  if (input.contains("nextToken")) {
    const std::string t = input.value("nextToken", "");
    if (t.rfind("p", 0) != 0 || t.size() < 2 || !std::all_of(t.begin() + 1, t.end(), ::isdigit))
      return Status::Invalid("nextToken is not valid for ListImagePackages")
          .WithType("InvalidPaginationTokenException");
    start = std::stoul(t.substr(1));
  }
  Json rows = Json::array();
  for (size_t i = start; i < all.size() && rows.size() < static_cast<size_t>(limit); ++i)
    rows.push_back(all[i]);
  Json out = {{"imagePackageList", rows}};
  if (start + rows.size() < all.size()) out["nextToken"] = "p" + std::to_string(start + rows.size());
  return out;
}

Result<Json> ListImageScanFindings(OperationContext& ctx, const Json& input) {
  for (const auto& f : input.value("filters", Json::array())) {
    static const std::set<std::string> kNames = {"imageBuildVersionArn", "imagePipelineArn",
                                                 "vulnerabilityId", "severity"};
    if (!kNames.count(f.value("name", "")))
      return InvalidParameterValue("filter '" + f.value("name", "") +
                                   "' is not supported (imageBuildVersionArn, imagePipelineArn, "
                                   "vulnerabilityId, severity)");
  }
  return NotSupported("ListImageScanFindings is not supported: Kiln does not scan images (no "
                      "Amazon Inspector), so it has no findings to report");
}

Result<Json> ListImageScanFindingAggregations(OperationContext& ctx, const Json& input) {
  return NotSupported("ListImageScanFindingAggregations is not supported: Kiln does not scan "
                      "images (no Amazon Inspector), so it has no findings to aggregate");
}

Result<Json> GetImagePolicy(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageArn", "");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, "imageArn", "image", ArnLevel::kVersionOrBuild));
  ResolveOptions opts;
  opts.read_action = kGetImage;
  KILN_ASSIGN_OR_RETURN(auto r, ResolveVersioned(ctx, ref, opts));
  if (r.account != ctx.caller.account_id)
    return Forbidden("Only the owner of " + r.arn + " may read its policy");
  KILN_ASSIGN_OR_RETURN(std::string policy, GetResourcePolicy(*ctx.store, r));
  return Json{{"policy", policy}};
}

Result<Json> PutImagePolicy(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("imageArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, "imageArn", "image", ArnLevel::kBuild).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGetImage));
    return PutResourcePolicy(tx, r, input.value("policy", ""));
  }));
  return Json{{"imageArn", text}};
}

}  // namespace

void RegisterImageOperations() {
  RegisterOperation("CreateImage", CreateImage);
  RegisterOperation("GetImage", GetImage);
  RegisterOperation("ListImages", ListImages);
  RegisterOperation("ListImageBuildVersions", ListImageBuildVersions);
  RegisterOperation("DeleteImage", DeleteImage);
  RegisterOperation("CancelImageCreation", CancelImageCreation);
  RegisterOperation("RetryImage", RetryImage);
  RegisterOperation("DistributeImage", DistributeImage);
  RegisterOperation("ImportVmImage", ImportVmImage);
  RegisterOperation("ImportDiskImage", ImportDiskImage);
  RegisterOperation("ListImagePackages", ListImagePackages);
  RegisterOperation("ListImageScanFindings", ListImageScanFindings);
  RegisterOperation("ListImageScanFindingAggregations", ListImageScanFindingAggregations);
  RegisterOperation("GetImagePolicy", GetImagePolicy);
  RegisterOperation("PutImagePolicy", PutImagePolicy);
}

}  // namespace kiln::api
