// Shared building blocks for the Image Builder resource operations
// (components, recipes, configurations, images, pipelines, workflows,
// lifecycle policies). Every ops_*.cc file uses these so that ARNs, errors,
// ownership, sharing, listing, paging, version resolution, idempotency and
// tags behave the same for every resource type.
//
// How resources are stored (store::Resource), for every kind:
//   arn      the resource's own ARN: build ARN for component / image /
//            workflow (".../1.0.0/1"), version ARN for image-recipe and
//            container-recipe (".../1.0.0"), plain ARN for unversioned kinds.
//   kind     the ARN resource type ("component", "image-recipe", "workflow",
//            ...); workflows keep their BUILD/TEST/DISTRIBUTION in the ARN.
//   account  the owner: the caller's 12-digit account, or "aws" for the
//            Kiln-managed catalogue (listed with owner=Amazon).
//   region   the caller's region: each (account, region) is its own namespace.
//   name     the ARN slug (ArnSlug(name): lower-case, spaces -> '-'). Lookups
//            from an ARN go by slug; the name as the user wrote it is
//            doc["name"]. Two names with the same slug collide.
//   version  "1.2.3" exactly as given at create time; build: 1.. or 0.
//   doc      the resource exactly as Get* returns it (the model's output
//            shape, e.g. the `component` object), including doc["tags"]
//            (the resource's tags; TagResource/UntagResource edit them) and
//            doc["owner"] (the account id, or "Amazon" for account "aws").
// Resource policies are NOT in doc: they live in the store's value space
// "resource-policy" (key = the resource ARN), with an index of who they
// share with; use PutResourcePolicy / GetResourcePolicy below.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/operation.h"
#include "common/arn.h"
#include "common/semver.h"
#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

// ---------------------------------------------------------------- errors
// Each returns a Status whose type() is the model's error shape name, so the
// HTTP layer puts it on the wire as is. Messages name the field or ARN.
Status InvalidParameterValue(const std::string& message);        // 400
Status InvalidParameterCombination(const std::string& message);  // 400
Status InvalidParameter(const std::string& message);             // 400 (tag operations)
Status InvalidVersionNumber(const std::string& message);         // 400
Status InvalidRequest(const std::string& message);               // 400
Status ResourceNotFound(const std::string& arn);                 // 404 "... not found: <arn>"
Status ResourceAlreadyExists(const std::string& arn);            // 400
Status ResourceInUse(const std::string& message);                // 400
// "Resource <arn> cannot be deleted because it is used by <by>".
Status ResourceDependency(const std::string& arn, const std::string& by);
Status Forbidden(const std::string& message);                    // 403
Status ServiceQuotaExceeded(const std::string& message);         // 402
// DryRunOperationException: "the request would have succeeded".
Status DryRunSucceeded(const std::string& operation);

// ---------------------------------------------------------------- time
// ISO-8601 UTC with milliseconds, as the API shows dates.
std::string NowIso();

// ---------------------------------------------------------------- ARNs
// The ARN of a resource the caller creates:
//   BuildArn(ctx, "component", "My Comp", "1.0.0", 1)
//     -> arn:aws:imagebuilder:<region>:<account>:component/my-comp/1.0.0/1
// `type` is the ARN resource type; for workflows pass "workflow/build" etc.
std::string BuildArn(const OperationContext& ctx, const std::string& type,
                     const std::string& name, const std::string& version = "",
                     std::optional<int64_t> build = std::nullopt);

// Which version levels an ARN parameter accepts.
enum class ArnLevel {
  kUnversioned,   // ".../distribution-configuration/name"
  kVersion,       // ".../1.2.3" (recipes)
  kBuild,         // ".../1.2.3/4"
  kVersionOrBuild,// either of the two above
  kPattern,       // ".../x.x.x", ".../1.x.x", ".../1.2.3" or ".../1.2.3/4"
};

// Parses `text` (the value of request member `param`) and checks that it is
// an ARN of resource type `type` ("component", "workflow", ...) at an
// accepted level. Errors are InvalidParameterValueException naming `param`;
// wildcard patterns such as x.2.x or 1.x.8 are rejected here.
Result<Arn> ParseResourceArn(const std::string& text, const std::string& param,
                             const std::string& type, ArnLevel level);

// "Amazon" for account "aws", else the account id (the `owner` field).
std::string OwnerDisplay(const std::string& account);

// ---------------------------------------------------------------- access
// The caller may read (Get, List, use as a dependency) a resource when it
// owns it, when it is Kiln-managed (account "aws"), or when the resource's
// policy grants the caller's account `action` (e.g. "imagebuilder:GetComponent").
// Resources of another region are never visible.
Result<bool> CanRead(OperationContext& ctx, const store::Resource& r, const std::string& action);

// Loads the resource with exactly this ARN for reading. A missing resource
// and one the caller may not read both give ResourceNotFoundException, so
// that other accounts' resources do not leak.
Result<store::Resource> LoadForRead(OperationContext& ctx, const std::string& arn,
                                    const std::string& action);
// Loads the resource for a change (update, delete, policy, tags): only the
// owner may; a resource the caller can read but not change gives
// ForbiddenException.
Result<store::Resource> LoadForWrite(OperationContext& ctx, const std::string& arn,
                                     const std::string& read_action);

// ---------------------------------------------------------------- versions
struct ResolveOptions {
  // Only rows for which this returns true are candidates (e.g. images that
  // are AVAILABLE). Default: components whose state is not DISABLED, and
  // every row of other kinds.
  std::function<bool(const store::Resource&)> candidate;
  // The action a shared resource's policy must grant ("imagebuilder:Get...").
  std::string read_action;
};

// Resolves an ARN of a versioned kind to one stored resource visible to the
// caller (guide L567-575, resources-api.md §1.5):
//   - a build ARN ".../1.2.3/4" is looked up exactly;
//   - a version ARN ".../1.2.3" means the latest build of 1.2.3;
//   - ".../1.x.x" / ".../x.x.x" the highest matching version, then build.
// No candidate -> ResourceNotFoundException naming the ARN.
Result<store::Resource> ResolveVersioned(OperationContext& ctx, const Arn& ref,
                                         const ResolveOptions& options = {});

// The model's LatestVersionReferences for `r` (latest overall, within the
// same major, same minor, same patch), computed over the versions of r's
// name visible to the caller. Returns an object (possibly empty).
Result<Json> LatestVersionReferences(OperationContext& ctx, const store::Resource& r,
                                     const ResolveOptions& options = {});

// Checks a version given at create time ("semanticVersion"): it must be
// concrete N.N.N with nodes in [0, 2^30-1]; else InvalidVersionNumberException.
Status CheckCreateVersion(const std::string& version);

// ---------------------------------------------------------------- listing
// A filter: true when `r` matches filter value `value`.
using FilterFn = std::function<bool(const store::Resource& r, const std::string& value)>;
// Matches doc[field] (a string, or an array containing the value, or a
// boolean written "true"/"false").
FilterFn DocFieldFilter(const std::string& field);

struct ListSpec {
  std::string kind;        // store kind
  std::string operation;   // e.g. "ListComponents" (part of the page token)
  // Supported filter names (§0.6); any other name is an
  // InvalidParameterValueException. A filter named "name" also narrows the
  // store query by slug.
  std::map<std::string, FilterFn> filters;
  // Group rows: one row per version (the latest build) or, with byName,
  // one per name (the latest version).
  bool one_per_version = false;
  // Extra condition on rows (e.g. includeDeprecated handling).
  std::function<bool(const store::Resource&)> include;
  // The action a policy must grant for owner=Shared listings.
  std::string shared_action;
  // Restrict to one name (slug) and/or version (ListComponentBuildVersions).
  std::optional<std::string> name;
  std::optional<std::string> version;
  // Restrict to one account instead of the `owner` member (e.g. a build
  // version listing of a resource owned by someone else).
  std::optional<std::string> account;
};

struct ListResult {
  std::vector<store::Resource> items;
  std::string next_token;  // "" when this is the last page
};

// Runs a List* operation from its input members: owner (Self by default;
// Amazon = Kiln-managed; Shared = other accounts' resources whose policy
// grants the caller `shared_action`; ThirdParty and AWSMarketplace have no
// resources in Kiln), filters, byName, maxResults (1..25, default 25) and
// nextToken (InvalidPaginationTokenException when altered or reused with a
// different request). Rows come ordered by name, version, build.
Result<ListResult> ListResources(OperationContext& ctx, const Json& input, const ListSpec& spec);

// ---------------------------------------------------------------- requests
// clientToken idempotency (store/idempotency.h) scoped by account, region and
// operation: `run` executes inside one store transaction together with the
// token record. The returned output gets "clientToken" set.
Result<Json> RunIdempotent(OperationContext& ctx, const std::string& operation,
                           const Json& input,
                           const std::function<Result<Json>(store::Store& tx)>& run);

// Validates a TagMap member (≤50 entries, keys 1-128 chars not starting with
// "aws:", values ≤256). `param` names the member in errors; `error_type`
// lets tag operations report InvalidParameterException.
Status ValidateTags(const Json& tags, const std::string& param,
                    const std::string& error_type = "InvalidParameterValueException");

// Copies members of `input` named in `fields` into `doc` when present.
void CopyFields(const Json& input, const std::vector<std::string>& fields, Json& doc);

// Keeps only `fields` of a stored doc (a List row from a Get shape).
Json Project(const Json& doc, const std::vector<std::string>& fields);

// Reads the object at an s3://bucket/key `uri` (request member `field`) with
// the S3 settings of the kiln serve process (AWS_* environment variables,
// AWS_ENDPOINT_URL_S3 for a local S3 server). InvalidParameterValueException
// for a bad URI or a failed read; InvalidRequestException when this build has
// no S3 client or no S3 credentials are configured.
Result<std::string> FetchFromS3(const std::string& uri, const std::string& field);

// ---------------------------------------------------------------- policies
// The four shareable kinds and the actions a policy may grant (§2.10):
//   component: imagebuilder:GetComponent, imagebuilder:ListComponents
//   image: GetImage, ListImages; image-recipe: GetImageRecipe,
//   ListImageRecipes; container-recipe: GetContainerRecipe, ListContainerRecipes.
// Validates `policy` (JSON text) for resource `r` and stores it, replacing
// any previous policy; updates the index used by owner=Shared listings.
// Only the owner may call it (use LoadForWrite first).
Status PutResourcePolicy(store::Store& tx, const store::Resource& r, const std::string& policy);
// The stored policy, or ResourceNotFoundException when there is none.
Result<std::string> GetResourcePolicy(store::Store& store, const store::Resource& r);
// True when r's policy grants some account other than its owner.
Result<bool> IsShared(store::Store& store, const store::Resource& r);
// Call when deleting r: refuses with ResourceDependencyException while r is
// shared, otherwise removes its policy record.
Status ReleaseForDelete(store::Store& tx, const store::Resource& r);

// ---------------------------------------------------------------- deletes
// ResourceDependencyException when any resource of kind `kind` in r's
// account and region has, at one of `fields` (dotted paths into doc, e.g.
// "imageRecipeArn" or "infrastructureConfiguration.arn"), exactly r.arn and
// satisfies `also` (when given).
Status CheckNotReferenced(store::Store& store, const store::Resource& r, const std::string& kind,
                          const std::vector<std::string>& fields,
                          const std::function<bool(const store::Resource&)>& also = {});

}  // namespace kiln::api
