// Assert (awstoe.md §5.1): the inputs are one comparison or logical
// expression; true succeeds, false fails the step (then onFailure applies).
#include "toe/condition.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class Assert : public Module {
 public:
  std::string_view name() const override { return "Assert"; }
  unsigned platforms() const override { return 7; }
  Status Validate(const Json& inputs) const override {
    if (!inputs.is_object() || inputs.empty())
      return Status::Invalid("inputs must be one comparison or logical expression");
    return CheckCondition(inputs, false);
  }
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult res;
    auto r = EvaluateCondition(inputs);
    if (!r.ok()) res.status = r.status();
    else if (!*r) res.status = Status::FailedPrecondition("assertion is false: " + inputs.dump());
    return res;
  }
};

}  // namespace

std::unique_ptr<Module> NewAssertModule() { return std::make_unique<Assert>(); }

}  // namespace kiln::toe
