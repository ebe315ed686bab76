// Helpers shared by the kiln_toe unit tests.
#pragma once

#include <string>

#include "toe/document.h"
#include "toe/validator.h"

namespace kiln::toe::testing {

// Parses and validates `yaml`; returns every problem joined (or "").
inline std::string Problems(const std::string& yaml, ::kiln::toe::Problems* out = nullptr) {
  ::kiln::toe::Problems p;
  auto doc = ParseDocument(yaml, "doc.yml", &p);
  if (!doc.ok()) return doc.status().message();
  ValidateDocument(*doc, &p);
  if (out) *out = p;
  std::string all;
  for (const std::string& e : p.errors()) all += e + "\n";
  return all;
}

}  // namespace kiln::toe::testing
