// ExecuteDocument (awstoe.md §5.4): runs another component document (local
// path, S3 URI or component ARN) with its own execution id, through the
// executor's StepContext::execute_document. Nesting depth and cycles are
// checked by the executor.
#include "toe/module_inputs.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class ExecuteDocument : public Module {
 public:
  std::string_view name() const override { return "ExecuteDocument"; }
  unsigned platforms() const override { return 7; }
  Status Validate(const Json& inputs) const override {
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"document", "document-s3-bucket-owner", "phases", "parameters"}));
    KILN_RETURN_IF_ERROR(CheckString(inputs, "document", true));
    KILN_RETURN_IF_ERROR(CheckString(inputs, "document-s3-bucket-owner", false));
    KILN_RETURN_IF_ERROR(CheckString(inputs, "phases", false));
    if (inputs.contains("parameters") && !inputs["parameters"].is_null()) {
      const Json& ps = inputs["parameters"];
      if (!ps.is_array()) return Status::Invalid("input 'parameters' must be a list of {name, value}");
      for (size_t i = 0; i < ps.size(); ++i) {
        const std::string at = "input 'parameters[" + std::to_string(i) + "]'";
        if (!ps[i].is_object()) return Status::Invalid(at + " must be a mapping with name and value");
        KILN_RETURN_IF_ERROR(CheckKnownKeys(ps[i], {"name", "value"}).Prefixed(at));
        KILN_RETURN_IF_ERROR(CheckString(ps[i], "name", true).Prefixed(at));
        KILN_RETURN_IF_ERROR(CheckString(ps[i], "value", true).Prefixed(at));
      }
    }
    return Status::Ok();
  }
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult res;
    if (!ctx.execute_document) {
      res.status = Status::Internal("ExecuteDocument needs the executor");
      return res;
    }
    auto r = ctx.execute_document(inputs, ctx);
    if (!r.ok()) {
      res.status = r.status();
      return res;
    }
    Json summary = *r;
    res.detailed_output = summary.value("detailedOutput", Json());
    summary.erase("detailedOutput");
    res.outputs = summary;
    const std::string status = summary.value("status", "");
    if (status != "success" && status != "successWithIgnoredFailure")
      res.status = Status::FailedPrecondition("document '" + inputs.value("document", "") + "' " + status + ": " +
                                              summary.value("failureMessage", ""));
    return res;
  }
};

}  // namespace

std::unique_ptr<Module> NewExecuteDocumentModule() { return std::make_unique<ExecuteDocument>(); }

}  // namespace kiln::toe
