// Shared scaffolding for action modules.
//
// Most modules take `inputs:` as a list of mappings and process the items in
// order (awstoe.md §5.0). ListModule does the iteration: it validates each
// item, runs each item, prefixes errors with "inputs[i]" so the user sees
// which item failed, and collects per-item string outputs, which are joined
// with '\n' into one output object (the rule of §5.0 for multi-item outputs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "toe/module.h"
#include "toe/module_inputs.h"

namespace kiln::toe {

inline constexpr unsigned kAllPlatforms = static_cast<unsigned>(Platform::kLinux) |
                                          static_cast<unsigned>(Platform::kWindows) |
                                          static_cast<unsigned>(Platform::kMacOS);
inline constexpr unsigned kUnixPlatforms =
    static_cast<unsigned>(Platform::kLinux) | static_cast<unsigned>(Platform::kMacOS);
inline constexpr unsigned kWindowsOnly = static_cast<unsigned>(Platform::kWindows);

class NamedModule : public Module {
 public:
  NamedModule(std::string_view name, unsigned platforms) : name_(name), platforms_(platforms) {}
  std::string_view name() const override { return name_; }
  unsigned platforms() const override { return platforms_; }

 private:
  std::string_view name_;
  unsigned platforms_;
};

class ListModule : public NamedModule {
 public:
  using NamedModule::NamedModule;

  Status Validate(const Json& inputs) const final;
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const final;

 protected:
  // Static checks of one item (references allowed where values are typed).
  virtual Status ValidateItem(const Json& item) const = 0;
  // Runs one item. Set `output` to this item's output value when the module
  // has one (its key is output_key()).
  virtual Status RunItem(const Json& item, StepContext& ctx, std::string& output) const = 0;
  // Name of the module's single output ("" = none).
  virtual std::string_view output_key() const { return ""; }
};

// Checks common to every module: deadline and cancellation.
Status CheckStillRunning(const StepContext& ctx);

}  // namespace kiln::toe
