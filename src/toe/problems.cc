#include "toe/problems.h"

namespace kiln::toe {

std::string Problems::Format(const Where& w, const std::string& message) {
  std::string out = w.document;
  if (w.line > 0) out += ":" + std::to_string(w.line);
  if (!out.empty()) out += ": ";
  std::string ctx;
  auto add = [&](const char* kind, const std::string& v) {
    if (v.empty()) return;
    if (!ctx.empty()) ctx += ", ";
    ctx += std::string(kind) + " '" + v + "'";
  };
  add("phase", w.phase);
  add("step", w.step);
  add("field", w.field);
  if (!ctx.empty()) out += ctx + ": ";
  return out + message;
}

void Problems::Add(const Where& w, const std::string& m) { errors_.push_back(Format(w, m)); }
void Problems::AddWarning(const Where& w, const std::string& m) { warnings_.push_back(Format(w, m)); }

Status Problems::ToStatus() const {
  if (errors_.empty()) return Status::Ok();
  std::string msg;
  for (const std::string& e : errors_) {
    if (!msg.empty()) msg += "\n";
    msg += e;
  }
  return Status::Invalid(msg);
}

}  // namespace kiln::toe
