// Container recipes' Dockerfile templates (resources-api.md §2.3.1, guide
// L979-1008), interpreted the way Kiln builds containers: on the build
// instance, around the recipe's components.
//
//   FROM {{{ imagebuilder:parentImage }}}     the recipe's parent (only FROM allowed)
//   {{{ imagebuilder:environments }}}         nothing to set up in Kiln
//   {{{ imagebuilder:components }}}           where the components run
//                                             (absent: after every instruction)
//
// Instructions (case-insensitive): RUN (shell and exec form), ENV, ARG,
// WORKDIR, USER, LABEL, EXPOSE, ENTRYPOINT, CMD, VOLUME, STOPSIGNAL and
// MAINTAINER. RUN runs in the build instance with the ENV/ARG values so far
// and the WORKDIR; the rest become the image configuration. COPY and ADD
// (no build context exists), SHELL, HEALTHCHECK, ONBUILD and multi-stage
// FROM are refused, naming the line. $VAR and ${VAR} are substituted in
// ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME and STOPSIGNAL arguments.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::engine {

struct DockerInstruction {
  std::string keyword;  // upper case: "RUN", "ENV", ...
  std::string args;     // the rest of the (joined) line
  int line = 0;         // first line in the template
};

struct DockerfileTemplate {
  std::vector<DockerInstruction> before;  // before the components
  std::vector<DockerInstruction> after;   // after them
};

// Splits the template; errors name the line.
Result<DockerfileTemplate> ParseDockerfileTemplate(const std::string& text);

// The state the instructions build up, applied in order.
class DockerfileState {
 public:
  // `parent_config` is the parent image's OCI config ("config" object).
  explicit DockerfileState(const nlohmann::json& parent_config);

  // Applies a non-RUN instruction. For RUN, returns the command to run
  // (argv) without running it; callers use env(), workdir() and user().
  Result<std::vector<std::string>> Apply(const DockerInstruction& ins);

  std::vector<std::string> run_env() const;  // ENV and ARG values, "K=V"
  const std::string& workdir() const { return workdir_; }
  const std::string& user() const { return user_; }
  // The changes to the image's OCI config ("Env", "WorkingDir", ...).
  nlohmann::json ConfigChanges() const;

 private:
  std::string Substitute(const std::string& s) const;
  std::string Lookup(const std::string& name) const;
  nlohmann::json config_;          // the parent's, updated
  nlohmann::json changes_ = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> env_, args_;
  std::string workdir_ = "/", user_;
};

}  // namespace kiln::engine
