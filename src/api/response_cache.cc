#include "api/response_cache.h"

#include <set>

namespace kiln::api {

bool ResponseCache::IsCacheable(std::string_view operation) {
  // Reads of stored resources only. Left out on purpose: pipelines (their
  // dateNextRun is computed from the clock), workflow and lifecycle
  // executions (polled while they change, little to gain), scan findings
  // and marketplace lookups (not Kiln's own state).
  static const std::set<std::string_view, std::less<>> kOps = {
      "GetComponent", "GetComponentPolicy", "ListComponents", "ListComponentBuildVersions",
      "GetImageRecipe", "GetImageRecipePolicy", "ListImageRecipes",
      "GetContainerRecipe", "GetContainerRecipePolicy", "ListContainerRecipes",
      "GetInfrastructureConfiguration", "ListInfrastructureConfigurations",
      "GetDistributionConfiguration", "ListDistributionConfigurations",
      "GetWorkflow", "ListWorkflows", "ListWorkflowBuildVersions",
      "GetLifecyclePolicy", "ListLifecyclePolicies",
      "GetImage", "GetImagePolicy", "ListImages", "ListImageBuildVersions", "ListImagePackages",
      "ListTagsForResource",
  };
  return kOps.count(operation) > 0;
}

std::optional<std::string> ResponseCache::Find(const std::string& key, uint64_t generation,
                                               const std::string& request_id) {
  std::shared_ptr<const Entry> e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation != generation_) return std::nullopt;
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    e = it->second;
  }
  std::string body = e->body;
  if (e->request_id_at != std::string::npos) {
    body.replace(e->request_id_at, e->request_id_size, request_id);
  }
  return body;
}

void ResponseCache::Insert(const std::string& key, uint64_t generation, const std::string& body,
                           const std::string& request_id) {
  auto e = std::make_shared<Entry>();
  e->body = body;
  // The id appears once, as the requestId member, when the output shape
  // has one. A body where it appears more than once is not cached.
  if (!request_id.empty()) {
    size_t at = body.find(request_id);
    if (at != std::string::npos) {
      if (body.find(request_id, at + 1) != std::string::npos) return;
      e->request_id_at = at;
      e->request_id_size = request_id.size();
    }
  }
  const size_t size = key.size() + body.size() + 64;
  if (size > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (generation < generation_) return;  // computed before a newer write
  if (generation > generation_ || bytes_ + size > max_bytes_) {
    map_.clear();
    bytes_ = 0;
    generation_ = generation;
  }
  auto [it, inserted] = map_.emplace(key, std::move(e));
  if (inserted) bytes_ += size;
}

size_t ResponseCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t ResponseCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace kiln::api
