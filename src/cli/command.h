// Subcommands of the `kiln` binary. Each cmd_<name>.cc defines one command and
// registers it with a static KILN_REGISTER_COMMAND; kiln_main.cc dispatches.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace kiln::cli {

struct Command {
  std::string name;     // "serve"
  std::string summary;  // one line for `kiln --help`
  // argv[0] is the subcommand name; returns the process exit code.
  std::function<int(int argc, char** argv)> run;
};

std::vector<Command>& Commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { Commands().push_back(std::move(c)); }
};

}  // namespace kiln::cli

#define KILN_REGISTER_COMMAND(ident, ...) \
  static ::kiln::cli::CommandRegistrar kiln_command_##ident{::kiln::cli::Command{__VA_ARGS__}}
