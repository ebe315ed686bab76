// Request metrics for `GET /metrics`, in the Prometheus text format:
//   kiln_api_requests_total{operation,code}        counter
//   kiln_api_request_duration_seconds{operation}   histogram
//   kiln_api_requests_in_flight                    gauge
//   kiln_api_response_cache_{hits,misses}_total    counters (response_cache.h)
// `operation` is the model operation name, or "unknown" for requests that
// match no operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::api {

class Metrics {
 public:
  Metrics();
  void Begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void End(const std::string& operation, int status, double seconds);
  void CacheHit() { cache_hits_.fetch_add(1, std::memory_order_relaxed); }
  void CacheMiss() { cache_misses_.fetch_add(1, std::memory_order_relaxed); }
  std::string RenderPrometheus() const;
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed on render
    uint64_t count = 0;
    double sum = 0;
  };
  // Each server thread records into its own shard, so recording never
  // waits for another thread (one shared lock made the two server threads
  // sleep on each other); rendering merges the shards.
  struct Shard {
    std::mutex mu;
    std::map<std::pair<std::string, int>, uint64_t> counts;
    std::map<std::string, Histogram> latency;
  };
  Shard& ThisThreadShard();

  const uint64_t id_;           // tells instances apart in the thread-local lookup
  std::vector<double> bounds_;  // bucket upper bounds, seconds
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> cache_hits_{0}, cache_misses_{0};
  mutable std::mutex shards_mu_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace kiln::api
