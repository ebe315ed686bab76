// `kiln instance`: build instances outside a build (debugging, cleanup).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "engine/local_build.h"
#include "image/store.h"
#include "instance/runc_provider.h"

namespace {

int Fail(const kiln::Status& s) {
  std::fprintf(stderr, "kiln instance: %s\n", s.message().c_str());
  return 1;
}

int RunInstanceCommand(int argc, char** argv) {
  CLI::App app{"Build instances: run a command on a throwaway one, list, enter (shell) and terminate them "
               "(e.g. a failed build instance kept for you), clean up those left by a crash.",
               "kiln instance"};
  std::string data_dir = kiln::engine::DefaultDataDir();
  app.add_option("--data-dir", data_dir, "Image store and instance directory ($KILN_DATA_DIR)");
  app.require_subcommand(1);
  auto* cleanup = app.add_subcommand("cleanup", "Remove instances whose kiln process is gone");
  auto* run = app.add_subcommand("run", "Launch an instance from IMAGE, run COMMAND in it, terminate it");
  auto* list = app.add_subcommand("list", "List instances: kept (failed builds kept for you), in use, orphaned");
  auto* shell = app.add_subcommand("shell", "Open a shell (or run COMMAND) in a running instance, e.g. a kept one");
  auto* terminate = app.add_subcommand("terminate", "Terminate an instance (e.g. a kept failed build instance)");
  std::string instance_id;
  std::vector<std::string> shell_command;
  shell->add_option("id", instance_id, "Instance id (i-...)")->required();
  shell->add_option("command", shell_command, "Command to run instead of /bin/sh (after --)");
  terminate->add_option("id", instance_id, "Instance id (i-...)")->required();
  std::string image, type = "t3.medium";
  std::vector<std::string> command;
  bool network = false;
  run->add_option("image", image, "Image name in the store (e.g. busybox:latest)")->required();
  run->add_option("command", command, "Command and arguments (after --)")->required();
  run->add_option("--instance-type", type, "Instance type (CPU and memory limits)");
  run->add_flag("--network", network, "Share the host network");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::error_code ec;
  data_dir = std::filesystem::absolute(data_dir, ec).string();
  signal(SIGPIPE, SIG_IGN);  // a closed stdout must not strand the instance
  if (*cleanup) {
    auto removed = kiln::instance::RuncProvider::CleanupOrphans(data_dir);
    if (!removed.ok()) return Fail(removed.status());
    for (const auto& id : *removed) std::printf("removed %s\n", id.c_str());
    std::printf("%zu orphaned instance(s) removed\n", removed->size());
    return 0;
  }
  if (*list) {
    auto all = kiln::instance::RuncProvider::ListInstances(data_dir);
    if (!all.ok()) return Fail(all.status());
    for (const auto& i : *all) {
      std::string tags;
      for (const auto& [k, v] : i.tags) tags += "  " + k + "=" + v;
      std::printf("%s  %s%s\n", i.id.c_str(), i.state.c_str(), tags.c_str());
    }
    return 0;
  }
  if (*terminate) {
    kiln::Status s = kiln::instance::RuncProvider::Terminate(data_dir, instance_id);
    if (!s.ok()) return Fail(s);
    std::printf("terminated %s\n", instance_id.c_str());
    return 0;
  }
  if (*shell) {
    if (!std::filesystem::exists(data_dir + "/instances/" + instance_id))
      return Fail(kiln::Status::NotFound("no instance " + instance_id + " under " + data_dir +
                                         " (kiln instance list shows them)"));
    auto argv = kiln::instance::RuncProvider::ShellArgv(data_dir, instance_id, shell_command);
    if (!isatty(0)) argv.erase(argv.begin() + 4);  // no -t without a terminal
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    return Fail(kiln::Status::IOError("cannot run " + argv[0] + ": " + std::strerror(errno)));
  }
  auto store = kiln::image::ImageStore::Open(data_dir);
  if (!store.ok()) return Fail(store.status());
  auto img = image == "busybox" ? store->Busybox() : store->Get(image);
  if (!img.ok()) return Fail(img.status());
  auto layers = store->LayerDirs(*img);
  if (!layers.ok()) return Fail(layers.status());
  auto provider = kiln::instance::RuncProvider::Create(
      {.data_dir = data_dir, .toe_binary = kiln::instance::FindHelperBinary("kiln-toe")});
  if (!provider.ok()) return Fail(provider.status());
  auto inst = (*provider)->Launch({.layers = *layers, .instance_type = type, .network = network});
  if (!inst.ok()) return Fail(inst.status());
  kiln::instance::ExecRequest req;
  req.argv = command;
  req.on_output = [](kiln::host::Stream s, std::string_view d) {
    std::fwrite(d.data(), 1, d.size(), s == kiln::host::Stream::kStdout ? stdout : stderr);
  };
  auto r = (*inst)->Exec(req);
  kiln::Status removed = (*inst)->Remove();
  if (!r.ok()) return Fail(r.status());
  if (!removed.ok()) return Fail(removed);
  return r->exit_code;
}

}  // namespace

KILN_REGISTER_COMMAND(instance, "instance", "Run a command on a throwaway instance; list, enter, terminate and clean up instances",
                      RunInstanceCommand);
