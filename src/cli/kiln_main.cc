// `kiln`: the control plane and builder. Subcommands live in cmd_*.cc.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace kiln::cli {
std::vector<Command>& Commands() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace kiln::cli

static void Usage(FILE* out) {
  std::fprintf(out, "usage: kiln <command> [options]\n\ncommands:\n");
  auto cmds = kiln::cli::Commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& c : cmds) std::fprintf(out, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\nRun 'kiln <command> --help' for a command's options.\n");
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    Usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("kiln %s\n", KILN_VERSION);
    return 0;
  }
  for (auto& c : kiln::cli::Commands()) {
    if (c.name == argv[1]) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "kiln: unknown command '%s'\n\n", argv[1]);
  Usage(stderr);
  return 2;
}
