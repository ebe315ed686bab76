// `kiln build FILE`: build an image from a local recipe, no server needed
// (engine/local_build.h).
#include <signal.h>

#include <atomic>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "api/catalog.h"
#include "cli/command.h"
#include "engine/local_build.h"
#include "instance/runc_provider.h"
#include "toe/document_source.h"

namespace {

std::atomic<bool> g_cancelled{false};
void OnSignal(int) { g_cancelled = true; }

int RunBuildCommand(int argc, char** argv) {
  CLI::App app{"Build an image from a recipe file: launch a build instance from the parent image, run the "
               "components' build and validate phases, snapshot, test on a fresh instance, write the outputs.",
               "kiln build"};
  std::string recipe;
  kiln::engine::LocalBuildOptions opts;
  opts.data_dir = kiln::engine::DefaultDataDir();
  app.add_option("recipe", recipe, "Recipe YAML file (see docs/BUILDS.md)")->required();
  app.add_option("--data-dir", opts.data_dir, "Image store and instance directory ($KILN_DATA_DIR)");
  app.add_option("--toe", opts.toe_binary, "kiln-toe binary to run components with (default: beside kiln)");
  app.add_flag("-v,--verbose", opts.verbose, "Stream component output");
  app.add_flag("--keep-logs", opts.keep_logs, "Keep kiln-toe's logs under DATA_DIR/builds");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (opts.toe_binary.empty()) opts.toe_binary = kiln::instance::FindHelperBinary("kiln-toe");
  std::error_code ec;
  opts.data_dir = std::filesystem::absolute(opts.data_dir, ec).string();
  // Ctrl-C stops the running command and cleans up instead of dying mid-build.
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed stdout (`kiln build ... | head`) must not kill kiln mid-build
  // and strand an instance: write errors are ignored instead.
  signal(SIGPIPE, SIG_IGN);
  opts.cancelled = [] { return g_cancelled.load(); };
  kiln::toe::InstallAwsClients();  // components from s3:// and KILN_ENDPOINT
  opts.managed_component = [](const std::string& name) -> kiln::Result<std::string> {
    std::string known;
    for (const auto& c : kiln::api::ManagedComponents()) {
      if (c.name == name) return c.data;
      known += (known.empty() ? "" : ", ") + c.name;
    }
    return kiln::Status::NotFound("no Kiln-managed component '" + name + "' (there are: " + known + ")");
  };
  return kiln::engine::RunLocalBuild(recipe, opts);
}

}  // namespace

KILN_REGISTER_COMMAND(build, "build", "Build an image from a recipe file on this machine", RunBuildCommand);
