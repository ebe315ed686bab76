#include "engine/lifecycle.h"

#include <algorithm>
#include <ctime>
#include <set>

namespace kiln::engine {
namespace {

Status Bad(const std::string& where, const std::string& why) {
  return Status::Invalid(where + ": " + why);
}

std::map<std::string, std::string> TagMap(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

bool AnyTagMatches(const std::map<std::string, std::string>& wanted,
                   const std::map<std::string, std::string>& have) {
  for (const auto& [k, v] : wanted) {
    auto it = have.find(k);
    if (it != have.end() && it->second == v) return true;
  }
  return false;
}

Result<LifecyclePeriod> ParsePeriod(const Json& j, const std::string& where) {
  LifecyclePeriod p;
  if (!j.contains("value") || !j["value"].is_number_integer() || j["value"].get<int64_t>() < 1)
    return Bad(where + ".value", "must be a positive integer");
  p.value = j["value"].get<int64_t>();
  if (!j.contains("unit") || !j["unit"].is_string())
    return Bad(where + ".unit", "is required (DAYS, WEEKS, MONTHS or YEARS)");
  p.unit = j["unit"].get<std::string>();
  if (p.unit != "DAYS" && p.unit != "WEEKS" && p.unit != "MONTHS" && p.unit != "YEARS")
    return Bad(where + ".unit", "'" + p.unit + "' is not DAYS, WEEKS, MONTHS or YEARS");
  return p;
}

Result<LifecycleRule> ParseRule(const Json& d, size_t i, bool container,
                                std::set<LifecycleAction>& seen) {
  std::string where = "policyDetails[" + std::to_string(i) + "]";
  LifecycleRule r;
  const Json& action = d.value("action", Json::object());
  std::string type = action.value("type", "");
  if (type == "DEPRECATE") r.action = LifecycleAction::kDeprecate;
  else if (type == "DISABLE") r.action = LifecycleAction::kDisable;
  else if (type == "DELETE") r.action = LifecycleAction::kDelete;
  else return Bad(where + ".action.type", "'" + type + "' is not DEPRECATE, DISABLE or DELETE");
  if (!seen.insert(r.action).second)
    return Bad(where + ".action.type", "a policy has at most one " + type + " rule");
  if (container && r.action != LifecycleAction::kDelete)
    return Bad(where + ".action.type",
               type + " applies to AMI images only; container image policies can only DELETE");
  const Json& inc = action.value("includeResources", Json::object());
  r.include_amis = inc.value("amis", false);
  r.include_snapshots = inc.value("snapshots", false);
  r.include_containers = inc.value("containers", false);
  if (container && (r.include_amis || r.include_snapshots))
    return Bad(where + ".action.includeResources",
               "amis and snapshots do not apply to a CONTAINER_IMAGE policy");
  if (!container && r.include_containers)
    return Bad(where + ".action.includeResources", "containers do not apply to an AMI_IMAGE policy");
  if (r.action != LifecycleAction::kDelete && r.include_snapshots)
    return Bad(where + ".action.includeResources.snapshots",
               "snapshots can only be included in a DELETE rule");

  const Json& f = d.value("filter", Json::object());
  std::string ftype = f.value("type", "");
  if (ftype == "AGE") r.filter = LifecycleRule::Filter::kAge;
  else if (ftype == "COUNT") r.filter = LifecycleRule::Filter::kCount;
  else return Bad(where + ".filter.type", "'" + ftype + "' is not AGE or COUNT");
  if (!f.contains("value") || !f["value"].is_number_integer() || f["value"].get<int64_t>() < 1)
    return Bad(where + ".filter.value", "must be a positive integer");
  r.value = f["value"].get<int64_t>();
  if (r.filter == LifecycleRule::Filter::kAge) {
    KILN_ASSIGN_OR_RETURN(LifecyclePeriod p, ParsePeriod(f, where + ".filter"));
    r.unit = p.unit;
    if (f.contains("retainAtLeast")) r.retain_at_least = f["retainAtLeast"].get<int64_t>();
  } else {
    if (r.action != LifecycleAction::kDelete)
      return Bad(where + ".filter.type", "COUNT can only be used by a DELETE rule; " + type +
                                             " rules filter by AGE");
    if (f.contains("unit")) return Bad(where + ".filter.unit", "is only used with type AGE");
    if (f.contains("retainAtLeast"))
      return Bad(where + ".filter.retainAtLeast", "is only used with type AGE");
  }

  const Json& ex = d.value("exclusionRules", Json::object());
  r.exclusion_tags = TagMap(ex.value("tagMap", Json::object()));
  if (ex.contains("amis")) {
    if (container)
      return Bad(where + ".exclusionRules.amis", "does not apply to a CONTAINER_IMAGE policy");
    const Json& a = ex["amis"];
    r.ami_exclusions.is_public = a.value("isPublic", false);
    r.ami_exclusions.regions = a.value("regions", std::vector<std::string>{});
    r.ami_exclusions.shared_accounts = a.value("sharedAccounts", std::vector<std::string>{});
    r.ami_exclusions.tags = TagMap(a.value("tagMap", Json::object()));
    if (a.contains("lastLaunched")) {
      KILN_ASSIGN_OR_RETURN(r.ami_exclusions.last_launched,
                            ParsePeriod(a["lastLaunched"], where + ".exclusionRules.amis.lastLaunched"));
    }
  }
  return r;
}

struct Working {
  const LifecycleImage* image;
  std::string status;
};

bool OlderFirst(const Working* a, const Working* b) {
  if (a->image->created_ms != b->image->created_ms) return a->image->created_ms < b->image->created_ms;
  return a->image->build < b->image->build;
}

bool AmiExcluded(const AmiExclusions& ex, const LifecycleAmi& ami, int64_t now_ms) {
  if (ex.is_public && ami.is_public) return true;
  if (std::find(ex.regions.begin(), ex.regions.end(), ami.region) != ex.regions.end()) return true;
  for (const auto& acct : ami.shared_accounts)
    if (std::find(ex.shared_accounts.begin(), ex.shared_accounts.end(), acct) !=
        ex.shared_accounts.end())
      return true;
  if (std::find(ex.shared_accounts.begin(), ex.shared_accounts.end(), ami.account) !=
      ex.shared_accounts.end())
    return true;
  if (ex.last_launched && ami.last_launched_ms > 0 &&
      ex.last_launched->AddTo(ami.last_launched_ms) > now_ms)
    return true;
  return AnyTagMatches(ex.tags, ami.tags);
}

}  // namespace

const char* LifecycleActionName(LifecycleAction a) {
  switch (a) {
    case LifecycleAction::kDeprecate: return "DEPRECATE";
    case LifecycleAction::kDisable: return "DISABLE";
    case LifecycleAction::kDelete: return "DELETE";
  }
  return "?";
}

int64_t LifecyclePeriod::AddTo(int64_t from_ms) const {
  if (unit == "DAYS") return from_ms + value * 86400000;
  if (unit == "WEEKS") return from_ms + value * 7 * 86400000;
  // Calendar arithmetic in UTC; the day is clamped to the target month.
  time_t t = static_cast<time_t>(from_ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  int64_t months = unit == "MONTHS" ? value : value * 12;
  int64_t total = tm.tm_mon + months;
  tm.tm_year += static_cast<int>(total / 12);
  tm.tm_mon = static_cast<int>(total % 12);
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = tm.tm_year + 1900;
  int dim = kDays[tm.tm_mon] + (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  tm.tm_mday = std::min(tm.tm_mday, dim);
  return static_cast<int64_t>(timegm(&tm)) * 1000 + from_ms % 1000;
}

Result<LifecyclePolicySpec> ParseLifecyclePolicy(const Json& input) {
  LifecyclePolicySpec p;
  std::string rt = input.value("resourceType", "");
  if (rt != "AMI_IMAGE" && rt != "CONTAINER_IMAGE")
    return Bad("resourceType", "'" + rt + "' is not AMI_IMAGE or CONTAINER_IMAGE");
  p.container = rt == "CONTAINER_IMAGE";
  const Json& details = input.value("policyDetails", Json::array());
  if (!details.is_array() || details.empty() || details.size() > 3)
    return Bad("policyDetails", "must hold 1 to 3 rules (one DEPRECATE, DISABLE and DELETE at most)");
  std::set<LifecycleAction> seen;
  for (size_t i = 0; i < details.size(); ++i) {
    KILN_ASSIGN_OR_RETURN(LifecycleRule r, ParseRule(details[i], i, p.container, seen));
    p.rules.push_back(std::move(r));
  }
  std::stable_sort(p.rules.begin(), p.rules.end(),
                   [](const LifecycleRule& a, const LifecycleRule& b) { return a.action < b.action; });
  const Json& sel = input.value("resourceSelection", Json::object());
  bool has_recipes = sel.contains("recipes"), has_tags = sel.contains("tagMap");
  if (has_recipes == has_tags)
    return Bad("resourceSelection", "give exactly one of recipes or tagMap");
  if (has_recipes) {
    std::set<std::string> names;
    for (size_t i = 0; i < sel["recipes"].size(); ++i) {
      const Json& r = sel["recipes"][i];
      std::string where = "resourceSelection.recipes[" + std::to_string(i) + "]";
      RecipeSelector s;
      s.name = r.value("name", "");
      auto v = ParseVersionPattern(r.value("semanticVersion", ""));
      if (!v.ok()) return Bad(where + ".semanticVersion", v.status().message());
      s.version = *v;
      if (!names.insert(s.name + "/" + s.version.ToString()).second)
        return Bad(where, "recipe " + s.name + " " + s.version.ToString() + " is listed twice");
      p.recipes.push_back(std::move(s));
    }
  } else {
    p.selection_tags = TagMap(sel["tagMap"]);
  }
  return p;
}

bool Selects(const LifecyclePolicySpec& policy, const LifecycleImage& image) {
  if (image.container != policy.container) return false;
  if (!policy.recipes.empty()) {
    auto v = ParseSemVer(image.version);
    if (!v.ok()) return false;
    for (const auto& r : policy.recipes)
      if (r.name == image.name && r.version.Matches(*v)) return true;
    return false;
  }
  // [DECISION §5.3] tag selection matches on any one pair.
  return AnyTagMatches(policy.selection_tags, image.tags);
}

std::vector<LifecycleDecision> EvaluateLifecyclePolicy(const LifecyclePolicySpec& policy,
                                                       const std::vector<LifecycleImage>& images,
                                                       int64_t now_ms) {
  std::vector<Working> work;
  for (const auto& img : images) {
    if (!Selects(policy, img)) continue;
    if (img.status != "AVAILABLE" && img.status != "DEPRECATED" && img.status != "DISABLED")
      continue;  // building, failed, cancelled or deleted images are never touched
    work.push_back({&img, img.status});
  }
  // Recipe-version groups (image name + version).
  std::map<std::string, std::vector<Working*>> groups;
  for (auto& w : work) groups[w.image->name + "\n" + w.image->version].push_back(&w);
  for (auto& [key, g] : groups) std::sort(g.begin(), g.end(), OlderFirst);

  std::vector<LifecycleDecision> out;
  for (const LifecycleRule& rule : policy.rules) {
    std::set<const Working*> eligible;
    for (auto& [key, g] : groups) {
      std::vector<Working*> alive;
      for (Working* w : g)
        if (w->status != "DELETED") alive.push_back(w);
      if (rule.filter == LifecycleRule::Filter::kCount) {
        // Keep the newest `value` per recipe version; the older are eligible.
        int64_t extra = static_cast<int64_t>(alive.size()) - rule.value;
        for (int64_t i = 0; i < extra; ++i) eligible.insert(alive[i]);
      } else {
        LifecyclePeriod age{rule.value, rule.unit};
        std::set<const Working*> keep;
        for (int64_t i = 0; i < rule.retain_at_least && i < static_cast<int64_t>(alive.size()); ++i)
          keep.insert(alive[alive.size() - 1 - i]);
        for (Working* w : alive)
          if (age.AddTo(w->image->created_ms) <= now_ms && !keep.count(w)) eligible.insert(w);
      }
    }
    for (auto& [key, g] : groups) {
      for (Working* w : g) {
        if (!eligible.count(w)) continue;
        const std::string& st = w->status;
        if (rule.action == LifecycleAction::kDeprecate && st != "AVAILABLE") continue;
        if (rule.action == LifecycleAction::kDisable && (st == "DISABLED" || st == "DELETED")) continue;
        if (rule.action == LifecycleAction::kDelete && st == "DELETED") continue;
        if (AnyTagMatches(rule.exclusion_tags, w->image->tags)) continue;
        // [DECISION §5.6] an excluded AMI keeps its image resource too.
        if (std::any_of(w->image->amis.begin(), w->image->amis.end(), [&](const LifecycleAmi& a) {
              return AmiExcluded(rule.ami_exclusions, a, now_ms);
            }))
          continue;
        LifecycleDecision d;
        d.image_arn = w->image->arn;
        d.action = rule.action;
        d.new_status = rule.action == LifecycleAction::kDeprecate ? "DEPRECATED"
                       : rule.action == LifecycleAction::kDisable ? "DISABLED"
                                                                  : "DELETED";
        d.include_amis = rule.include_amis;
        d.include_snapshots = rule.include_snapshots;
        d.include_containers = rule.include_containers;
        d.reason = rule.filter == LifecycleRule::Filter::kCount
                       ? "more than " + std::to_string(rule.value) +
                             " newer images of this recipe version"
                       : "older than " + std::to_string(rule.value) + " " + rule.unit;
        w->status = d.new_status;
        out.push_back(std::move(d));
      }
    }
  }
  return out;
}

}  // namespace kiln::engine
