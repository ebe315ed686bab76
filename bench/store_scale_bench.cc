// Store scale benchmark: do Get and List stay flat as the store grows?
//
// Fills a fresh SQLite store (through the Store interface) with component
// versions (10 versions per name) and image builds (10 builds of 10 versions
// per name), first to 1,000 rows of each kind, then to 100,000, and at both
// sizes measures p50/p99 latency of:
//   get        Store::Get of a random component ARN
//   list       Store::List, first page of 25 of the account's components
//   list-deep  Store::List, a page of 25 starting at a random cursor
//   api-list   ListResources as ListComponents uses it (one row per version,
//              signed page token), first page and a token from a random point
//   resolve    ResolveVersioned of ".../<random name>/x.x.x" (latest version)
//   get-image  Store::Get of a random image build ARN
// and Get throughput with 1 and 4 reader threads. Prints a table with the
// 100k/1k ratio per measurement (the peer is the same store at 1k rows).
//
// Usage: store_scale_bench [--rows N] [--dir DIR]   (default N = 100000)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/resource_ops.h"
#include "common/hash.h"
#include "store/paging.h"
#include "store/store.h"

using kiln::api::Json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAccount = "111111111111";
constexpr const char* kRegion = "us-east-1";

std::string ComponentArn(int name, int version) {
  return "arn:aws:imagebuilder:us-east-1:111111111111:component/comp-" + std::to_string(name) + "/1." +
         std::to_string(version) + ".0/1";
}

kiln::store::Resource Component(int i) {
  int name = i / 10, version = i % 10;
  kiln::store::Resource r;
  r.kind = "component";
  r.arn = ComponentArn(name, version);
  r.account = kAccount;
  r.region = kRegion;
  r.name = "comp-" + std::to_string(name);
  r.version = "1." + std::to_string(version) + ".0";
  r.build = 1;
  r.status = "ACTIVE";
  r.created_ms = r.updated_ms = 1700000000000 + i;
  r.doc = {{"arn", r.arn}, {"name", r.name}, {"version", r.version}, {"platform", "Linux"},
           {"type", "BUILD"}, {"owner", kAccount}, {"state", {{"status", "ACTIVE"}}},
           {"data", std::string(600, 'x')}, {"tags", Json::object()}};
  return r;
}

kiln::store::Resource Image(int i) {
  int name = i / 100, version = (i / 10) % 10, build = i % 10 + 1;
  kiln::store::Resource r;
  r.kind = "image";
  r.name = "img-" + std::to_string(name);
  r.version = "2." + std::to_string(version) + ".0";
  r.build = build;
  r.arn = "arn:aws:imagebuilder:us-east-1:111111111111:image/" + r.name + "/" + r.version + "/" +
          std::to_string(build);
  r.account = kAccount;
  r.region = kRegion;
  r.status = "AVAILABLE";
  r.created_ms = r.updated_ms = 1700000000000 + i;
  r.doc = {{"arn", r.arn}, {"name", r.name}, {"version", r.version}, {"state", {{"status", "AVAILABLE"}}},
           {"imageRecipe", {{"arn", "x"}, {"components", Json::array()}}}, {"tags", Json::object()}};
  return r;
}

bool Fill(kiln::store::Store& s, int from, int to) {
  for (int start = from; start < to; start += 1000) {
    int end = std::min(to, start + 1000);
    kiln::Status st = s.Transaction([&](kiln::store::Store& tx) -> kiln::Status {
      for (int i = start; i < end; ++i) {
        KILN_RETURN_IF_ERROR(tx.Insert(Component(i)));
        KILN_RETURN_IF_ERROR(tx.Insert(Image(i)));
      }
      return kiln::Status::Ok();
    });
    if (!st.ok()) {
      std::fprintf(stderr, "fill failed: %s\n", st.ToString().c_str());
      return false;
    }
  }
  return true;
}

struct Stats {
  double p50 = 0, p99 = 0;
};

// Runs `op` `n` times (after 50 warm-up runs); latencies in microseconds.
Stats Measure(int n, const std::function<bool()>& op) {
  for (int i = 0; i < 50; ++i) op();
  std::vector<double> us;
  us.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (!op()) {
      std::fprintf(stderr, "operation failed\n");
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

double GetThroughput(kiln::store::Store& s, int rows, int threads) {
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      long n = 0;
      while (!stop) {
        int i = static_cast<int>(rng() % rows);
        if (s.Get(ComponentArn(i / 10, i % 10)).ok()) ++n;
      }
      done += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& th : pool) th.join();
  return done / 2.0;
}

std::map<std::string, Stats> MeasureAll(kiln::store::Store& s, int rows) {
  std::mt19937 rng(42);
  std::map<std::string, Stats> out;
  const int n = 1000;
  out["get"] = Measure(n, [&] {
    int i = static_cast<int>(rng() % rows);
    return s.Get(ComponentArn(i / 10, i % 10)).ok();
  });
  out["get-image"] = Measure(n, [&] {
    int i = static_cast<int>(rng() % rows);
    return s.Get(Image(i).arn).ok();
  });
  kiln::store::ListQuery q;
  q.kind = "component";
  q.accounts = {kAccount};
  q.region = kRegion;
  q.limit = 25;
  out["list"] = Measure(n, [&] { return s.List(q).ok(); });
  out["list-deep"] = Measure(n, [&] {
    kiln::store::ListQuery deep = q;
    deep.after = Component(static_cast<int>(rng() % rows));
    return s.List(deep).ok();
  });

  kiln::api::OperationContext ctx;
  ctx.caller = {kAccount, kRegion, "AKID"};
  ctx.store = &s;
  kiln::api::ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.one_per_version = true;
  spec.filters = {{"name", kiln::api::DocFieldFilter("name")}};
  out["api-list"] = Measure(n, [&] { return kiln::api::ListResources(ctx, Json::object(), spec).ok(); });
  // Tokens from random points: take the token of a page that starts there.
  std::vector<std::string> tokens;
  for (int i = 0; i < 200; ++i) {
    std::string secret = *kiln::store::PageSecret(s);
    tokens.push_back(kiln::store::EncodePageToken(
        Component(static_cast<int>(rng() % rows)),
        Json{{"op", "ListComponents"}, {"account", kAccount}, {"region", kRegion}, {"owner", "Self"},
             {"byName", false}, {"filters", Json()}, {"name", ""}, {"version", ""}, {"include", Json()}},
        secret));
  }
  int t = 0;
  out["api-list-deep"] = Measure(n, [&] {
    auto r = kiln::api::ListResources(ctx, Json{{"nextToken", tokens[t++ % tokens.size()]}}, spec);
    if (!r.ok()) std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return r.ok();
  });
  out["resolve"] = Measure(n, [&] {
    auto arn = kiln::ParseArn("arn:aws:imagebuilder:us-east-1:111111111111:component/comp-" +
                              std::to_string(rng() % (rows / 10)) + "/x.x.x");
    return kiln::api::ResolveVersioned(ctx, *arn).ok();
  });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 100000;
  std::string dir = (std::filesystem::temp_directory_path() / ("kiln-bench-" + kiln::RandomHex(6))).string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rows") rows = std::stoi(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
  }
  auto opened = kiln::store::OpenSqliteStore(dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto& s = **opened;
  const int small = 1000;
  auto t0 = Clock::now();
  if (!Fill(s, 0, small)) return 1;
  auto at_small = MeasureAll(s, small);
  double tput_small_1 = GetThroughput(s, small, 1), tput_small_4 = GetThroughput(s, small, 4);
  auto t1 = Clock::now();
  if (!Fill(s, small, rows)) return 1;
  double fill_s = std::chrono::duration<double>(Clock::now() - t1).count();
  auto at_large = MeasureAll(s, rows);
  double tput_large_1 = GetThroughput(s, rows, 1), tput_large_4 = GetThroughput(s, rows, 4);

  std::printf("store_scale_bench: SQLite store, %d component rows + %d image rows (fill of %d+%d rows: %.1f s)\n",
              rows, rows, rows - small, rows - small, fill_s);
  std::printf("%-14s %12s %12s %12s %12s %9s %9s\n", "operation", "p50@1k us", "p99@1k us",
              "p50@big us", "p99@big us", "p50 ratio", "p99 ratio");
  for (const auto& [name, a] : at_small) {
    const Stats& b = at_large[name];
    std::printf("%-14s %12.1f %12.1f %12.1f %12.1f %9.2f %9.2f\n", name.c_str(), a.p50, a.p99, b.p50,
                b.p99, b.p50 / a.p50, b.p99 / a.p99);
  }
  std::printf("Get throughput (ops/s): 1k rows: 1 thread %.0f, 4 threads %.0f; %d rows: 1 thread %.0f, 4 threads %.0f\n",
              tput_small_1, tput_small_4, rows, tput_large_1, tput_large_4);
  std::printf("total %.1f s; data in %s (removed)\n",
              std::chrono::duration<double>(Clock::now() - t0).count(), dir.c_str());
  opened->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
