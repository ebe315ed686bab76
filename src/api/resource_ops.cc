#include "api/resource_ops.h"

#include <algorithm>
#include <climits>
#include <set>
#include <tuple>

#include "api/resource_policy.h"
#include "common/time.h"
#include "store/idempotency.h"
#include "store/paging.h"

// The S3 client comes from the toe-modules branch; until it is merged,
// FetchFromS3 answers a clear "not supported by this build" error.
#if __has_include("common/s3.h")
#include "common/s3.h"
#define KILN_HAVE_S3 1
#endif

namespace kiln::api {

// ---------------------------------------------------------------- errors

Status InvalidParameterValue(const std::string& m) {
  return Status::Invalid(m).WithType("InvalidParameterValueException");
}
Status InvalidParameterCombination(const std::string& m) {
  return Status::Invalid(m).WithType("InvalidParameterCombinationException");
}
Status InvalidParameter(const std::string& m) {
  return Status::Invalid(m).WithType("InvalidParameterException");
}
Status InvalidVersionNumber(const std::string& m) {
  return Status::Invalid(m).WithType("InvalidVersionNumberException");
}
Status InvalidRequest(const std::string& m) {
  return Status::Invalid(m).WithType("InvalidRequestException");
}
Status ResourceNotFound(const std::string& arn) {
  return Status::NotFound("The resource does not exist or is not accessible: " + arn)
      .WithType("ResourceNotFoundException");
}
Status ResourceAlreadyExists(const std::string& arn) {
  return Status::AlreadyExists("The following resource already exists: " + arn)
      .WithType("ResourceAlreadyExistsException");
}
Status ResourceInUse(const std::string& m) {
  return Status::FailedPrecondition(m).WithType("ResourceInUseException");
}
Status ResourceDependency(const std::string& arn, const std::string& by) {
  return Status::FailedPrecondition("Resource " + arn + " cannot be deleted because it is used by " +
                                    by)
      .WithType("ResourceDependencyException");
}
Status Forbidden(const std::string& m) {
  return Status::PermissionDenied(m).WithType("ForbiddenException");
}
Status ServiceQuotaExceeded(const std::string& m) {
  return Status::FailedPrecondition(m).WithType("ServiceQuotaExceededException");
}
Status DryRunSucceeded(const std::string& operation) {
  return Status::FailedPrecondition("Request would have succeeded, but the dryRun flag is set (" +
                                    operation + " made no changes)")
      .WithType("DryRunOperationException");
}

std::string NowIso() { return FormatIso8601(NowMillis()); }

// ---------------------------------------------------------------- ARNs

std::string BuildArn(const OperationContext& ctx, const std::string& type, const std::string& name,
                     const std::string& version, std::optional<int64_t> build) {
  Arn a;
  a.region = ctx.caller.region;
  a.account = ctx.caller.account_id;
  size_t slash = type.find('/');
  if (slash != std::string::npos) {
    a.type = type.substr(0, slash);
    a.workflow_type = type.substr(slash + 1);
  } else {
    a.type = type;
  }
  a.name = ArnSlug(name);
  a.version = version;
  a.build = build;
  return a.ToString();
}

Result<Arn> ParseResourceArn(const std::string& text, const std::string& param,
                             const std::string& type, ArnLevel level) {
  auto bad = [&](const std::string& why) {
    return InvalidParameterValue("The value supplied for parameter '" + param + "' is not a valid " +
                                 type + " ARN (" + why + "): " + text);
  };
  auto parsed = ParseArn(text);
  if (!parsed.ok()) return bad(parsed.status().message());
  Arn a = *parsed;
  if (a.type != type) return bad("it names a " + a.type);
  const bool has_version = !a.version.empty();
  const bool has_build = a.build.has_value();
  switch (level) {
    case ArnLevel::kUnversioned:
      if (has_version) return bad("this resource type has no version");
      break;
    case ArnLevel::kVersion:
      if (!has_version || has_build) return bad("expected .../<name>/<major>.<minor>.<patch>");
      break;
    case ArnLevel::kBuild:
      if (!has_build) return bad("expected a build version .../<major>.<minor>.<patch>/<build>");
      break;
    case ArnLevel::kVersionOrBuild:
    case ArnLevel::kPattern:
      if (!has_version) return bad("a version is required");
      break;
  }
  if (has_version) {
    if (level == ArnLevel::kPattern && !has_build) {
      auto p = ParseVersionPattern(a.version);
      if (!p.ok()) {
        return InvalidParameterValue("The value supplied for parameter '" + param +
                                     "' is not valid: " + p.status().message() + " (" + text + ")");
      }
    } else {
      auto v = ParseSemVer(a.version);
      if (!v.ok()) return bad(v.status().message());
    }
  }
  return a;
}

std::string OwnerDisplay(const std::string& account) {
  return account == "aws" ? "Amazon" : account;
}

// ---------------------------------------------------------------- access

Result<bool> CanRead(OperationContext& ctx, const store::Resource& r, const std::string& action) {
  if (r.region != ctx.caller.region) return false;
  if (r.account == ctx.caller.account_id || r.account == "aws") return true;
  if (action.empty()) return false;
  KILN_ASSIGN_OR_RETURN(auto raw, ctx.store->GetValue("resource-policy", r.arn));
  if (!raw) return false;
  Json record = Json::parse(*raw, nullptr, false);
  if (!record.is_object()) return false;
  Json doc = Json::parse(record.value("policy", ""), nullptr, false);
  return policy::Allows(doc, ctx.caller.account_id, action, r.arn);
}

Result<store::Resource> LoadForRead(OperationContext& ctx, const std::string& arn,
                                    const std::string& action) {
  auto r = ctx.store->Get(arn);
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound) return ResourceNotFound(arn);
    return r.status();
  }
  KILN_ASSIGN_OR_RETURN(bool ok, CanRead(ctx, *r, action));
  if (!ok) return ResourceNotFound(arn);
  return std::move(*r);
}

Result<store::Resource> LoadForWrite(OperationContext& ctx, const std::string& arn,
                                     const std::string& read_action) {
  KILN_ASSIGN_OR_RETURN(auto r, LoadForRead(ctx, arn, read_action));
  if (r.account != ctx.caller.account_id) {
    return Forbidden("Account " + ctx.caller.account_id + " is not authorized to change " + arn +
                     ": only its owner (" + OwnerDisplay(r.account) + ") may");
  }
  return r;
}

// ---------------------------------------------------------------- versions

namespace {

bool DefaultCandidate(const store::Resource& r) {
  if (r.kind == "component") {
    return r.doc.value("state", Json::object()).value("status", "ACTIVE") != "DISABLED";
  }
  return true;
}

}  // namespace

Result<store::Resource> ResolveVersioned(OperationContext& ctx, const Arn& ref,
                                         const ResolveOptions& options) {
  const std::string text = ref.ToString();
  auto candidate = options.candidate ? options.candidate : DefaultCandidate;
  if (ref.region != ctx.caller.region) return ResourceNotFound(text);
  if (ref.build) {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForRead(ctx, text, options.read_action));
    return r;
  }
  auto pattern = ParseVersionPattern(ref.version);
  if (!pattern.ok()) {
    return InvalidParameterValue("The version in " + text + " is not valid: " +
                                 pattern.status().message());
  }
  // Newest (version, build) first: the first match is the latest, and for
  // the usual ".../x.x.x" it is the first row read.
  store::ListQuery q;
  q.kind = ref.type;
  q.accounts = {ref.account};
  q.region = ref.region;
  q.name = ref.name;
  if (pattern->IsConcrete()) q.version = ref.version;
  q.descending = true;
  // One row first (what ".../x.x.x" needs); pages grow while rows are
  // skipped (disabled, other workflow type, not matching "1.x.x").
  q.limit = 1;
  while (true) {
    KILN_ASSIGN_OR_RETURN(auto page, ctx.store->List(q));
    for (auto& r : page.items) {
      if (!ref.workflow_type.empty()) {
        auto a = ParseArn(r.arn);
        if (!a.ok() || a->workflow_type != ref.workflow_type) continue;
      }
      auto v = ParseSemVer(r.version);
      if (!v.ok() || !pattern->Matches(*v) || !candidate(r)) continue;
      KILN_ASSIGN_OR_RETURN(bool visible, CanRead(ctx, r, options.read_action));
      if (!visible) return ResourceNotFound(text);
      return std::move(r);
    }
    if (!page.more) return ResourceNotFound(text);
    q.after = std::move(page.items.back());
    q.limit = std::min(q.limit * 8, 500);
  }
}

Result<Json> LatestVersionReferences(OperationContext& ctx, const store::Resource& r,
                                     const ResolveOptions& options) {
  auto candidate = options.candidate ? options.candidate : DefaultCandidate;
  auto mine = ParseSemVer(r.version);
  Json refs = Json::object();
  if (!mine.ok()) return refs;
  std::string workflow_type;
  if (r.kind == "workflow") {
    auto a = ParseArn(r.arn);
    if (a.ok()) workflow_type = a->workflow_type;
  }
  // Newest first, so the first row to qualify for each reference is the
  // latest one; the scan ends at the first candidate of r's own version
  // (by then all four are set), so it reads only the versions above r.
  store::ListQuery q;
  q.kind = r.kind;
  q.accounts = {r.account};
  q.region = r.region;
  q.name = r.name;
  q.descending = true;
  q.limit = 8;
  while (true) {
    KILN_ASSIGN_OR_RETURN(auto page, ctx.store->List(q));
    for (const auto& row : page.items) {
      if (!candidate(row)) continue;
      if (!workflow_type.empty()) {
        auto a = ParseArn(row.arn);
        if (!a.ok() || a->workflow_type != workflow_type) continue;
      }
      auto v = ParseSemVer(row.version);
      if (!v.ok()) continue;
      auto set_once = [&](const char* key) {
        if (!refs.contains(key)) refs[key] = row.arn;
      };
      set_once("latestVersionArn");
      if (v->major == mine->major) set_once("latestMajorVersionArn");
      if (v->major == mine->major && v->minor == mine->minor) set_once("latestMinorVersionArn");
      if (*v == *mine) {
        set_once("latestPatchVersionArn");
        return refs;
      }
    }
    if (!page.more) return refs;
    q.after = page.items.back();
    q.limit = std::min(q.limit * 8, 500);
  }
}

Status CheckCreateVersion(const std::string& version) {
  auto v = ParseSemVer(version);
  if (!v.ok()) {
    return InvalidVersionNumber("semanticVersion: " + v.status().message() +
                                ". Versions must be <major>.<minor>.<patch> with each node "
                                "between 0 and 1073741823 and no wildcards");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- listing

FilterFn DocFieldFilter(const std::string& field) {
  return [field](const store::Resource& r, const std::string& value) {
    if (!r.doc.contains(field)) return false;
    const Json& v = r.doc[field];
    if (v.is_string()) return v.get<std::string>() == value;
    if (v.is_boolean()) return (v.get<bool>() ? "true" : "false") == value;
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>()) == value;
    if (v.is_array()) {
      return std::any_of(v.begin(), v.end(),
                         [&](const Json& e) { return e.is_string() && e.get<std::string>() == value; });
    }
    return false;
  };
}

namespace {

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

Result<std::vector<Filter>> ParseFilters(const Json& input, const ListSpec& spec) {
  std::vector<Filter> out;
  if (!input.contains("filters") || input["filters"].is_null()) return out;
  const Json& list = input["filters"];
  if (!list.is_array()) return InvalidParameterValue("filters must be a list");
  std::string supported;
  for (const auto& [n, f] : spec.filters) supported += (supported.empty() ? "" : ", ") + n;
  for (const auto& f : list) {
    Filter filter;
    filter.name = f.value("name", "");
    if (!spec.filters.count(filter.name)) {
      return InvalidParameterValue("The filter name '" + filter.name + "' is not supported by " +
                                   spec.operation + "; supported filters: " +
                                   (supported.empty() ? "none" : supported));
    }
    if (f.contains("values") && f["values"].is_array()) {
      for (const auto& v : f["values"]) {
        if (v.is_string()) filter.values.push_back(v.get<std::string>());
      }
    }
    if (filter.values.empty()) {
      return InvalidParameterValue("The filter '" + filter.name + "' needs at least one value");
    }
    out.push_back(std::move(filter));
  }
  return out;
}

enum class Grouping { kNone, kVersion, kName };

// The cursor that skips everything of `r`'s group.
store::Resource GroupEnd(const store::Resource& r, Grouping g) {
  store::Resource c;
  c.name = r.name;
  switch (g) {
    case Grouping::kNone:
      c.version = r.version;
      c.build = r.build;
      c.arn = r.arn;
      break;
    case Grouping::kVersion:
      c.version = r.version;
      c.build = INT64_MAX;
      break;
    case Grouping::kName:
      c.version = "~";  // VersionSortKey("~") sorts after every numeric key
      c.build = INT64_MAX;
      break;
  }
  return c;
}

std::string GroupKey(const store::Resource& r, Grouping g) {
  switch (g) {
    case Grouping::kNone: return r.arn;
    case Grouping::kVersion: return r.account + "\n" + r.name + "\n" + store::VersionSortKey(r.version);
    case Grouping::kName: return r.account + "\n" + r.name;
  }
  return r.arn;
}

// The position of a group's representative row in listing order.
std::tuple<std::string, std::string, int64_t, std::string> GroupOrder(const store::Resource& r,
                                                                      Grouping g) {
  return {r.name, g == Grouping::kName ? "" : store::VersionSortKey(r.version),
          g == Grouping::kNone ? r.build : 0, r.arn};
}

// owner=Shared: a few rows of possibly several owners. Grouped and paged in
// memory so that rows of different owners never split one group; the page
// token holds the last group's representative row.
Result<ListResult> ListShared(OperationContext& ctx, const std::set<std::string>& arns,
                              const store::ListQuery& q, Grouping grouping, int limit,
                              const std::function<Result<bool>(const store::Resource&)>& accept,
                              const Json& fingerprint, const std::string& secret) {
  std::vector<store::Resource> rows;
  for (const auto& arn : arns) {
    auto r = ctx.store->Get(arn);
    if (!r.ok()) {
      if (r.status().code() == Code::kNotFound) continue;  // deleted since it was shared
      return r.status();
    }
    if (r->kind != q.kind || r->region != q.region) continue;
    if (q.name && r->name != *q.name) continue;
    if (q.version && store::VersionSortKey(r->version) != store::VersionSortKey(*q.version)) continue;
    KILN_ASSIGN_OR_RETURN(bool ok, accept(*r));
    if (ok) rows.push_back(std::move(*r));
  }
  std::sort(rows.begin(), rows.end(), [](const store::Resource& a, const store::Resource& b) {
    return GroupOrder(a, Grouping::kNone) < GroupOrder(b, Grouping::kNone);
  });
  std::map<std::string, size_t> index;
  std::vector<store::Resource> groups;
  for (auto& r : rows) {  // ascending, so a later row is its group's latest
    auto [it, inserted] = index.emplace(GroupKey(r, grouping), groups.size());
    if (inserted) groups.push_back(r);
    else groups[it->second] = r;
  }
  std::sort(groups.begin(), groups.end(), [&](const store::Resource& a, const store::Resource& b) {
    return GroupOrder(a, grouping) < GroupOrder(b, grouping);
  });
  size_t start = 0;
  if (q.after) {
    auto cursor = GroupOrder(*q.after, grouping);
    while (start < groups.size() && GroupOrder(groups[start], grouping) <= cursor) ++start;
  }
  ListResult result;
  for (size_t i = start; i < groups.size() && static_cast<int>(result.items.size()) < limit; ++i) {
    result.items.push_back(groups[i]);
  }
  if (start + result.items.size() < groups.size()) {
    result.next_token = store::EncodePageToken(result.items.back(), fingerprint, secret);
  }
  return result;
}

}  // namespace

Result<ListResult> ListResources(OperationContext& ctx, const Json& input, const ListSpec& spec) {
  KILN_ASSIGN_OR_RETURN(auto filters, ParseFilters(input, spec));
  int limit = 25;
  if (input.contains("maxResults") && input["maxResults"].is_number_integer()) {
    limit = input["maxResults"].get<int>();
    if (limit < 1 || limit > 25) return InvalidParameterValue("maxResults must be between 1 and 25");
  }
  const std::string owner = input.value("owner", "Self");
  const bool by_name = input.value("byName", false);
  Grouping grouping = by_name ? Grouping::kName
                              : (spec.one_per_version ? Grouping::kVersion : Grouping::kNone);

  store::ListQuery q;
  q.kind = spec.kind;
  q.region = ctx.caller.region;
  q.name = spec.name;
  q.version = spec.version;
  std::set<std::string> shared;  // owner=Shared: the ARNs shared with the caller
  if (spec.account) {
    q.accounts = {*spec.account};
  } else if (owner == "Self") {
    q.accounts = {ctx.caller.account_id};
  } else if (owner == "Amazon") {
    q.accounts = {"aws"};
  } else if (owner == "Shared") {
    KILN_ASSIGN_OR_RETURN(auto arns, policy::SharedWith(*ctx.store, ctx.caller.region,
                                                        ctx.caller.account_id, spec.kind));
    std::set<std::string> owners;
    for (const auto& a : arns) {
      auto parsed = ParseArn(a);
      if (parsed.ok() && parsed->account != ctx.caller.account_id) {
        owners.insert(parsed->account);
        shared.insert(a);
      }
    }
    if (owners.empty()) return ListResult{};
    q.accounts.assign(owners.begin(), owners.end());
  } else if (owner == "ThirdParty" || owner == "AWSMarketplace") {
    return ListResult{};  // Kiln has no third-party or Marketplace resources
  } else {
    return InvalidParameterValue("owner must be one of Self, Shared, Amazon, ThirdParty, "
                                 "AWSMarketplace (got '" + owner + "')");
  }
  // A single exact name narrows the store scan to that slug.
  for (const auto& f : filters) {
    if (f.name == "name" && f.values.size() == 1 && !q.name) q.name = ArnSlug(f.values[0]);
  }

  // The page token is bound to everything that shapes the listing.
  Json fingerprint = {{"op", spec.operation},   {"account", ctx.caller.account_id},
                      {"region", q.region},     {"owner", owner},
                      {"byName", by_name},      {"filters", input.value("filters", Json())},
                      {"name", spec.name.value_or("")}, {"version", spec.version.value_or("")},
                      {"include", input.value("includeDeprecated", Json())}};
  KILN_ASSIGN_OR_RETURN(auto secret, store::PageSecret(*ctx.store));
  if (input.contains("nextToken") && input["nextToken"].is_string()) {
    KILN_ASSIGN_OR_RETURN(auto after, store::DecodePageToken(input["nextToken"].get<std::string>(),
                                                            fingerprint, secret));
    q.after = after;
  }

  auto accept = [&](const store::Resource& r) -> Result<bool> {
    if (owner == "Shared" && !spec.account) {
      if (!shared.count(r.arn)) return false;
      KILN_ASSIGN_OR_RETURN(bool ok, CanRead(ctx, r, spec.shared_action));
      if (!ok) return false;
    }
    if (spec.include && !spec.include(r)) return false;
    for (const auto& f : filters) {
      const FilterFn& fn = spec.filters.at(f.name);
      if (!std::any_of(f.values.begin(), f.values.end(),
                       [&](const std::string& v) { return fn(r, v); })) {
        return false;
      }
    }
    return true;
  };

  if (owner == "Shared" && !spec.account) {
    return ListShared(ctx, shared, q, grouping, limit, accept, fingerprint, secret);
  }

  // Stream store pages; keep the latest row of each group (rows ascend, so
  // the last accepted row of a group is its latest build / version).
  ListResult result;
  std::vector<std::string> keys;
  bool more = false;
  // One extra row shows whether a next page exists. When rows fold into
  // groups or get filtered out, the loop below reads further store pages,
  // each twice the size of the last, so an unfiltered listing decodes only
  // the rows it returns (plus one) and a filtered one stays a few queries.
  q.limit = limit + 1;
  while (!more) {
    KILN_ASSIGN_OR_RETURN(auto page, ctx.store->List(q));
    if (page.items.empty()) break;
    // The keyset position after this page (the rows below are moved out).
    store::Resource next;
    next.name = page.items.back().name;
    next.version = page.items.back().version;
    next.build = page.items.back().build;
    next.arn = page.items.back().arn;
    for (auto& r : page.items) {
      KILN_ASSIGN_OR_RETURN(bool ok, accept(r));
      if (!ok) continue;
      std::string key = GroupKey(r, grouping);
      if (!keys.empty() && keys.back() == key) {
        result.items.back() = std::move(r);
        continue;
      }
      if (static_cast<int>(result.items.size()) == limit) {
        more = true;
        break;
      }
      keys.push_back(std::move(key));
      result.items.push_back(std::move(r));
    }
    if (more || !page.more) break;
    q.after = std::move(next);
    q.limit = std::min(q.limit * 2, 500);
  }
  if (more) {
    result.next_token = store::EncodePageToken(GroupEnd(result.items.back(), grouping),
                                               fingerprint, secret);
  }
  return result;
}

// ---------------------------------------------------------------- requests

Result<Json> RunIdempotent(OperationContext& ctx, const std::string& operation, const Json& input,
                           const std::function<Result<Json>(store::Store& tx)>& run) {
  const std::string token = input.value("clientToken", "");
  const std::string scope = ctx.caller.account_id + "/" + ctx.caller.region + "/" + operation;
  KILN_ASSIGN_OR_RETURN(Json out, store::WithClientToken(*ctx.store, scope, token, input, run));
  if (!token.empty()) out["clientToken"] = token;
  return out;
}

Status ValidateTags(const Json& tags, const std::string& param, const std::string& error_type) {
  auto err = [&](const std::string& m) { return Status::Invalid(param + ": " + m).WithType(error_type); };
  if (tags.is_null()) return Status::Ok();
  if (!tags.is_object()) return err("tags must be a map of strings");
  if (tags.size() > 50) return err("at most 50 tags are allowed (got " + std::to_string(tags.size()) + ")");
  for (const auto& [k, v] : tags.items()) {
    if (k.empty() || k.size() > 128) return err("tag key '" + k + "' must be 1 to 128 characters");
    if (k.rfind("aws:", 0) == 0) return err("tag key '" + k + "' must not start with 'aws:'");
    if (!v.is_string()) return err("the value of tag '" + k + "' must be a string");
    if (v.get<std::string>().size() > 256) return err("the value of tag '" + k + "' is longer than 256 characters");
  }
  return Status::Ok();
}

void CopyFields(const Json& input, const std::vector<std::string>& fields, Json& doc) {
  if (!input.is_object()) return;
  for (const auto& f : fields) {
    auto it = input.find(f);
    if (it != input.end() && !it->is_null()) doc[f] = *it;
  }
}

Json Project(const Json& doc, const std::vector<std::string>& fields) {
  Json out = Json::object();
  CopyFields(doc, fields, out);
  return out;
}

// ---------------------------------------------------------------- S3

// Reads a document from an s3:// URI with the S3 settings of the kiln serve
// process (AWS_* environment, AWS_ENDPOINT_URL_S3 for local S3 servers).
Result<std::string> FetchFromS3(const std::string& uri, const std::string& field) {
#if KILN_HAVE_S3
  auto parsed = s3::S3Uri::Parse(uri);
  if (!parsed.ok() || parsed->key.empty()) {
    return InvalidParameterValue(field + ": '" + uri + "' is not an s3://bucket/key URI");
  }
  auto config = s3::Config::FromEnvironment();
  if (!config.ok()) {
    return InvalidRequest(field + ": kiln serve has no S3 access configured to read " + uri + ": " +
                          config.status().message());
  }
  auto body = s3::Client(*config).GetObject(parsed->bucket, parsed->key);
  if (!body.ok()) {
    return InvalidParameterValue(field + ": cannot read " + uri + ": " + body.status().message());
  }
  return std::move(*body);
#else
  return Status::Unimplemented(field + " (" + uri +
                               ") is not supported by this Kiln build yet (no S3 client); pass "
                               "the content inline instead")
      .WithType("InvalidRequestException");
#endif
}

// ---------------------------------------------------------------- deletes

namespace {
const Json* AtPath(const Json& doc, const std::string& path) {
  const Json* cur = &doc;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}
}  // namespace

Status CheckNotReferenced(store::Store& store, const store::Resource& r, const std::string& kind,
                          const std::vector<std::string>& fields,
                          const std::function<bool(const store::Resource&)>& also) {
  store::ListQuery q;
  q.kind = kind;
  q.accounts = {r.account};
  q.region = r.region;
  q.limit = 500;
  return store::ForEachResource(store, q, [&](const store::Resource& row) {
    for (const auto& f : fields) {
      const Json* v = AtPath(row.doc, f);
      if (v && v->is_string() && v->get<std::string>() == r.arn && (!also || also(row))) {
        return ResourceDependency(r.arn, row.arn);
      }
    }
    return Status::Ok();
  });
}

}  // namespace kiln::api
