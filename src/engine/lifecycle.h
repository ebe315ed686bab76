// Image lifecycle policies (workflows-pipelines-lifecycle.md §5): the
// policy rules as the API gives them, validated, and the evaluation
// algorithm of §5.6 as a pure function from (policy, images, now) to the
// actions to take. The API layer stores policies and applies the decisions;
// the engine's scheduler runs policies when they come due.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/semver.h"
#include "common/status.h"

namespace kiln::engine {

using Json = nlohmann::json;

enum class LifecycleAction { kDeprecate, kDisable, kDelete };  // the order rules apply in
const char* LifecycleActionName(LifecycleAction a);  // "DEPRECATE", "DISABLE", "DELETE"

struct LifecyclePeriod {
  int64_t value = 0;
  std::string unit;  // DAYS | WEEKS | MONTHS | YEARS
  // `from_ms` plus the period, with calendar arithmetic for months and years
  // (a month after 31 Jan is the last day of February).
  int64_t AddTo(int64_t from_ms) const;
};

struct AmiExclusions {
  bool is_public = false;
  std::vector<std::string> regions;
  std::vector<std::string> shared_accounts;
  std::optional<LifecyclePeriod> last_launched;
  std::map<std::string, std::string> tags;
  bool Empty() const {
    return !is_public && regions.empty() && shared_accounts.empty() && !last_launched && tags.empty();
  }
};

struct LifecycleRule {
  LifecycleAction action = LifecycleAction::kDelete;
  bool include_amis = false, include_snapshots = false, include_containers = false;
  enum class Filter { kAge, kCount } filter = Filter::kAge;
  int64_t value = 0;             // age in `unit`s, or images to keep
  std::string unit;              // AGE only
  int64_t retain_at_least = 0;   // AGE only; 0 = not set
  std::map<std::string, std::string> exclusion_tags;  // images carrying any are skipped
  AmiExclusions ami_exclusions;
};

struct RecipeSelector {
  std::string name;
  VersionPattern version;  // "1.x.x" style patterns allowed
};

struct LifecyclePolicySpec {
  bool container = false;  // resourceType CONTAINER_IMAGE (else AMI_IMAGE)
  std::vector<LifecycleRule> rules;  // sorted: deprecate, disable, delete
  std::vector<RecipeSelector> recipes;
  std::map<std::string, std::string> selection_tags;
};

// Validates the CreateLifecyclePolicy/UpdateLifecyclePolicy members
// `resourceType`, `policyDetails` and `resourceSelection` beyond what the
// model checks (one rule per action, container policies delete only, units
// with AGE only, exactly one selection kind, ...). Errors are
// InvalidArgument naming the member, e.g. "policyDetails[1].filter.unit: ...".
Result<LifecyclePolicySpec> ParseLifecyclePolicy(const Json& input);

// What the evaluation needs to know about an image build version.
struct LifecycleAmi {
  std::string image_id;
  std::string region;
  std::string account;
  bool is_public = false;
  std::vector<std::string> shared_accounts;
  std::map<std::string, std::string> tags;
  int64_t last_launched_ms = 0;  // 0 = never launched
};
struct LifecycleImage {
  std::string arn;
  std::string name;     // the image (= recipe) name
  std::string version;  // "1.0.0"
  int64_t build = 0;
  bool container = false;
  std::string status;   // AVAILABLE, DEPRECATED, DISABLED, ... (others are never candidates)
  int64_t created_ms = 0;
  std::map<std::string, std::string> tags;
  std::vector<LifecycleAmi> amis;
};

struct LifecycleDecision {
  std::string image_arn;
  LifecycleAction action;
  std::string new_status;  // DEPRECATED, DISABLED or DELETED
  bool include_amis = false, include_snapshots = false, include_containers = false;
  std::string reason;      // why the rule selected the image
};

// True when the policy's resource selection covers `image`.
bool Selects(const LifecyclePolicySpec& policy, const LifecycleImage& image);

// Runs the rules over `images` at time `now_ms` (§5.6): candidates are the
// selected images of the policy's type in AVAILABLE, DEPRECATED or
// DISABLED; rules apply in the order deprecate, disable, delete, each seeing
// the statuses the earlier rules produced; COUNT and retainAtLeast work per
// recipe version (image name + version). Images with an excluded tag, or any
// excluded AMI, are left alone. Decisions come in the order they apply.
std::vector<LifecycleDecision> EvaluateLifecyclePolicy(const LifecyclePolicySpec& policy,
                                                       const std::vector<LifecycleImage>& images,
                                                       int64_t now_ms);

}  // namespace kiln::engine
