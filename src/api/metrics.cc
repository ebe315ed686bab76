#include "api/metrics.h"

#include <cstdio>
#include <unordered_map>

namespace kiln::api {

namespace {
std::atomic<uint64_t> next_metrics_id{1};
}

Metrics::Metrics()
    : id_(next_metrics_id.fetch_add(1)),
      bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

Metrics::Shard& Metrics::ThisThreadShard() {
  // Per thread: this instance's shard. The id, not the address, names the
  // instance, so a later Metrics at a reused address gets a new shard.
  thread_local std::unordered_map<uint64_t, Shard*> mine;
  Shard*& shard = mine[id_];
  if (!shard) {
    std::lock_guard<std::mutex> lock(shards_mu_);
    shards_.push_back(std::make_unique<Shard>());
    shard = shards_.back().get();
  }
  return *shard;
}

void Metrics::End(const std::string& operation, int status, double seconds) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  Shard& s = ThisThreadShard();
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.counts[{operation, status}];
  Histogram& h = s.latency[operation];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) { ++h.buckets[i]; break; }
  }
  ++h.count;
  h.sum += seconds;
}

static std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string Metrics::RenderPrometheus() const {
  // Merge the shards.
  std::map<std::pair<std::string, int>, uint64_t> counts;
  std::map<std::string, Histogram> latency;
  {
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (auto& shard : shards_) {
      std::lock_guard<std::mutex> shard_lock(shard->mu);
      for (auto& [key, n] : shard->counts) counts[key] += n;
      for (auto& [op, h] : shard->latency) {
        Histogram& m = latency[op];
        if (m.buckets.empty()) m.buckets.assign(bounds_.size(), 0);
        for (size_t i = 0; i < bounds_.size(); ++i) m.buckets[i] += h.buckets[i];
        m.count += h.count;
        m.sum += h.sum;
      }
    }
  }
  std::string out;
  out += "# HELP kiln_api_requests_total API requests answered, by operation and HTTP status.\n";
  out += "# TYPE kiln_api_requests_total counter\n";
  for (auto& [key, n] : counts) {
    out += "kiln_api_requests_total{operation=\"" + key.first + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP kiln_api_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE kiln_api_request_duration_seconds histogram\n";
  for (auto& [op, h] : latency) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += h.buckets[i];
      out += "kiln_api_request_duration_seconds_bucket{operation=\"" + op + "\",le=\"" +
             Num(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "kiln_api_request_duration_seconds_bucket{operation=\"" + op + "\",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "kiln_api_request_duration_seconds_sum{operation=\"" + op + "\"} " + Num(h.sum) + "\n";
    out += "kiln_api_request_duration_seconds_count{operation=\"" + op + "\"} " +
           std::to_string(h.count) + "\n";
  }
  out += "# HELP kiln_api_requests_in_flight API requests being handled now.\n";
  out += "# TYPE kiln_api_requests_in_flight gauge\n";
  out += "kiln_api_requests_in_flight " + std::to_string(in_flight()) + "\n";
  out += "# HELP kiln_api_response_cache_hits_total Reads answered from the response cache.\n";
  out += "# TYPE kiln_api_response_cache_hits_total counter\n";
  out += "kiln_api_response_cache_hits_total " + std::to_string(cache_hits_.load()) + "\n";
  out += "# HELP kiln_api_response_cache_misses_total Cacheable reads the handler answered.\n";
  out += "# TYPE kiln_api_response_cache_misses_total counter\n";
  out += "kiln_api_response_cache_misses_total " + std::to_string(cache_misses_.load()) + "\n";
  return out;
}

}  // namespace kiln::api
