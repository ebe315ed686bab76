#include "api/metrics.h"

#include <cstdio>

namespace kiln::api {

Metrics::Metrics()
    : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

void Metrics::End(const std::string& operation, int status, double seconds) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[{operation, status}];
  Histogram& h = latency_[operation];
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
  std::string out;
  out += "# HELP kiln_api_requests_total API requests answered, by operation and HTTP status.\n";
  out += "# TYPE kiln_api_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, n] : counts_) {
    out += "kiln_api_requests_total{operation=\"" + key.first + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP kiln_api_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE kiln_api_request_duration_seconds histogram\n";
  for (auto& [op, h] : latency_) {
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
  return out;
}

}  // namespace kiln::api
