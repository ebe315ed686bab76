// Image Builder ARNs (resources-api.md §0.4):
//   arn:<partition>:imagebuilder:<region>:<owner>:<type>/<slug>[/<version>[/<build>]]
//   workflows: arn:...:workflow/<build|test|distribution>/<slug>/<version>/<build>
// <owner> is a 12-digit account id, "aws" (Kiln-managed) or "aws-marketplace".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace kiln {

struct Arn {
  std::string partition = "aws";
  std::string region;
  std::string account;        // owner segment
  std::string type;           // "component", "image", "image-recipe", ...
  std::string workflow_type;  // "build" | "test" | "distribution" for workflows, else ""
  std::string name;           // the slug
  std::string version;        // "", "1.2.3", or a pattern such as "1.x.x"
  std::optional<int64_t> build;

  std::string ToString() const;
  // The same ARN without its build node ("version ARN").
  Arn WithoutBuild() const {
    Arn a = *this;
    a.build.reset();
    return a;
  }
};

// Parses an Image Builder ARN. Errors name the part that is wrong.
Result<Arn> ParseArn(const std::string& text);

// The ARN name segment: lower-cased, spaces replaced by hyphens
// ("My Example Image" -> "my-example-image").
std::string ArnSlug(const std::string& name);

}  // namespace kiln
