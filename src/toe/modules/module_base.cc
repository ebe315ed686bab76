#include "toe/modules/module_base.h"

#include "common/time.h"

namespace kiln::toe {
namespace {

std::string ItemLabel(size_t i) { return "inputs[" + std::to_string(i) + "]"; }

}  // namespace

Status CheckStillRunning(const StepContext& ctx) {
  if (ctx.cancelled && ctx.cancelled()) return Status::Cancelled("the run was cancelled");
  if (ctx.deadline_ms >= 0 && MonotonicMillis() >= ctx.deadline_ms) {
    return Status::Timeout("the step's timeout expired");
  }
  return Status::Ok();
}

Status ListModule::Validate(const Json& inputs) const {
  // A single mapping is accepted as a one-item list (documents written that
  // way work with awstoe too).
  if (inputs.is_object()) return ValidateItem(inputs);
  KILN_RETURN_IF_ERROR(CheckListOfObjects(inputs));
  for (size_t i = 0; i < inputs.size(); ++i) {
    KILN_RETURN_IF_ERROR(ValidateItem(inputs[i]).Prefixed(ItemLabel(i)));
  }
  return Status::Ok();
}

ModuleResult ListModule::Execute(const Json& inputs, StepContext& ctx) const {
  ModuleResult result;
  if (Status s = Validate(inputs); !s.ok()) {
    result.status = s;
    return result;
  }
  std::vector<Json> items = InputItems(inputs);
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    if (Status s = CheckStillRunning(ctx); !s.ok()) {
      result.status = s.Prefixed(ItemLabel(i));
      return result;
    }
    std::string out;
    Status s = RunItem(items[i], ctx, out);
    if (!s.ok()) {
      result.status = items.size() > 1 ? s.Prefixed(ItemLabel(i)) : s;
      return result;
    }
    if (i) joined += "\n";
    joined += out;
  }
  if (!output_key().empty()) result.outputs[std::string(output_key())] = joined;
  return result;
}

}  // namespace kiln::toe
