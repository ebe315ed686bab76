// `kiln serve`: the Image Builder API over HTTP (see src/api/server.h).
#include <cstdio>
#include <malloc.h>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "api/api_service.h"
#include "api/auth.h"
#include "api/build_worker.h"
#include "api/pipeline_scheduler.h"
#include "api/ops_registry.h"
#include "api/server.h"
#include "api/service_model.h"
#include "cli/command.h"
#include "common/log.h"
#include "store/store.h"

namespace kiln::cli {
namespace {

// "127.0.0.1:8080" or "[::1]:8080" -> address, port.
bool SplitListen(const std::string& listen, std::string* addr, uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *addr = listen.substr(0, colon);
  if (addr->size() > 2 && addr->front() == '[' && addr->back() == ']')
    *addr = addr->substr(1, addr->size() - 2);
  std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  unsigned long n = std::stoul(p);
  if (n > 65535) return false;
  *port = static_cast<uint16_t>(n);
  return true;
}

int RunServe(int argc, char** argv) {
  CLI::App app{"Serve the EC2 Image Builder API (restJson1, SigV4) over HTTP", "kiln serve"};
  std::string listen = "127.0.0.1:8080", data_dir, config, log_level = "info";
  int threads = 0, max_builds = 2, response_cache_mb = 64;
  bool no_builds = false, instance_network = false;
  std::string container_registry;
  app.add_option("--listen", listen, "ADDR:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "directory for Kiln's state (kiln.db)")->required();
  app.add_option("--config", config,
                 "accounts and access keys (JSON or YAML); KILN_ACCESS_KEY_ID/"
                 "KILN_SECRET_ACCESS_KEY/KILN_ACCOUNT_ID add one more");
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "worker threads (default: one per core)");
  app.add_option("--max-builds", max_builds, "image builds that run at once")->capture_default_str();
  app.add_flag("--instance-network", instance_network,
               "give build and test instances the host network (default: loopback only)");
  app.add_option("--container-registry", container_registry,
                 "HOST:PORT of the registry container images are distributed to (stands in for ECR; "
                 "plain http needs KILN_INSECURE_REGISTRIES)");
  app.add_option("--response-cache-mb", response_cache_mb,
                 "memory for answers of repeated reads, dropped on any write (0 = off)")
      ->check(CLI::Range(0, 65536))
      ->capture_default_str();
  app.add_flag("--no-builds", no_builds,
               "do not build images here (queued builds wait for a kiln serve that builds)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::SetLevelFromString(log_level);
  // glibc hands the free memory at the top of each thread's heap back to
  // the kernel as soon as it exceeds 128 KB, so every response of a few KB
  // could grow the heap again (sysmalloc + page faults: 5% of a cached
  // ListComponents). A fixed threshold keeps up to 64 MB per heap instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 1 << 20);

  std::string addr;
  uint16_t port = 0;
  if (!SplitListen(listen, &addr, &port)) {
    std::fprintf(stderr, "kiln serve: --listen '%s' is not ADDR:PORT\n", listen.c_str());
    return 2;
  }

  api::KeyTable keys;
  if (!config.empty()) {
    Status s = keys.LoadFile(config);
    if (!s.ok()) { std::fprintf(stderr, "kiln serve: %s\n", s.message().c_str()); return 2; }
  }
  if (Status s = keys.LoadEnvironment(); !s.ok()) {
    std::fprintf(stderr, "kiln serve: %s\n", s.message().c_str());
    return 2;
  }
  if (keys.size() == 0) {
    std::fprintf(stderr,
                 "kiln serve: no access keys: give --config FILE or set KILN_ACCESS_KEY_ID and "
                 "KILN_SECRET_ACCESS_KEY\n");
    return 2;
  }

  // KILN_HAVE_STORE is set by src/cli/CMakeLists.txt when kiln_store (with
  // its SQLite backend) is built; until then `kiln serve` runs without a
  // store and says so (operations that need it fail with a clear error).
  std::unique_ptr<store::Store> store;
#if KILN_HAVE_STORE
  {
    auto opened = store::OpenSqliteStore(data_dir);
    if (!opened.ok()) {
      std::fprintf(stderr, "kiln serve: cannot open the store in %s: %s\n", data_dir.c_str(),
                   opened.status().ToString().c_str());
      return 1;
    }
    store = std::move(opened).value();
  }
#else
  log::Warn("this build has no SQLite store (src/store/sqlite not built): serving without "
            "state; operations that need it will fail");
#endif

  const api::ServiceModel& model = api::ServiceModel::Embedded();
  std::vector<std::string> areas = api::RegisterAllOperations();
  int implemented = 0;
  for (auto& op : model.operations()) implemented += api::FindOperation(op->name) != nullptr;
  log::Info("operations implemented: " + std::to_string(implemented) + " of " +
            std::to_string(model.operations().size()) +
            " (others answer NotImplementedException)");

  api::ApiService service(model, api::Authenticator(std::move(keys)), store.get());
  service.SetResponseCache(size_t(response_cache_mb) << 20);
  api::ServerOptions options;
  options.address = addr;
  options.port = port;
  options.threads = threads;
  api::Server server(options, service);
  if (Status s = server.Listen(); !s.ok()) {
    std::fprintf(stderr, "kiln serve: %s\n", s.message().c_str());
    return 1;
  }
  std::unique_ptr<api::BuildWorker> worker;
  std::unique_ptr<api::PipelineScheduler> scheduler;
  if (store && !no_builds) {
    scheduler = std::make_unique<api::PipelineScheduler>(store.get());
    if (Status s = scheduler->Start(); !s.ok()) {
      std::fprintf(stderr, "kiln serve: pipeline scheduler: %s\n", s.message().c_str());
      return 1;
    }
    worker = std::make_unique<api::BuildWorker>(
        store.get(), api::BuildWorkerOptions{.data_dir = data_dir, .max_builds = max_builds,
                                             .instance_network = instance_network,
                                             .container_registry = container_registry});
    if (Status s = worker->Start(); !s.ok()) {
      std::fprintf(stderr, "kiln serve: build worker: %s\n", s.message().c_str());
      return 1;
    }
  } else {
    log::Warn("image builds and pipeline schedules are off (--no-builds): CreateImage queues builds "
              "that stay PENDING here");
  }
  log::Info("serving the Image Builder API on " + addr + ":" + std::to_string(server.port()) +
            " (data in " + data_dir + ")");
  server.Run();
  if (scheduler) scheduler->Stop();
  if (worker) worker->Stop();  // running builds end as FAILED "interrupted"; queued ones wait
  return 0;
}

}  // namespace

KILN_REGISTER_COMMAND(serve, "serve", "serve the Image Builder API (AWS CLI/SDK compatible)",
                      RunServe);

}  // namespace kiln::cli
