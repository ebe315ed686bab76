// Request metrics for `GET /metrics`, in the Prometheus text format:
//   kiln_api_requests_total{operation,code}        counter
//   kiln_api_request_duration_seconds{operation}   histogram
//   kiln_api_requests_in_flight                    gauge
// `operation` is the model operation name, or "unknown" for requests that
// match no operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::api {

class Metrics {
 public:
  Metrics();
  void Begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void End(const std::string& operation, int status, double seconds);
  std::string RenderPrometheus() const;
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed on render
    uint64_t count = 0;
    double sum = 0;
  };
  std::vector<double> bounds_;  // bucket upper bounds, seconds
  std::atomic<int64_t> in_flight_{0};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace kiln::api
