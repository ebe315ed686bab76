#include "instance/instance_types.h"

namespace kiln::instance {

const std::vector<InstanceType>& InstanceTypes() {
  static const std::vector<InstanceType> kTypes = {
      {"t3.nano", 2, 512},      {"t3.micro", 2, 1024},     {"t3.small", 2, 2048},
      {"t3.medium", 2, 4096},   {"t3.large", 2, 8192},     {"t3.xlarge", 4, 16384},
      {"t3.2xlarge", 8, 32768}, {"t2.micro", 1, 1024},     {"t2.small", 1, 2048},
      {"t2.medium", 2, 4096},   {"t4g.micro", 2, 1024},    {"t4g.small", 2, 2048},
      {"t4g.medium", 2, 4096},  {"m5.large", 2, 8192},     {"m5.xlarge", 4, 16384},
      {"m5.2xlarge", 8, 32768}, {"m6i.large", 2, 8192},    {"m6i.xlarge", 4, 16384},
      {"m7i.large", 2, 8192},   {"c5.large", 2, 4096},     {"c5.xlarge", 4, 8192},
      {"c5.2xlarge", 8, 16384}, {"c6i.large", 2, 4096},    {"c6i.xlarge", 4, 8192},
      {"r5.large", 2, 16384},   {"r5.xlarge", 4, 32768},
  };
  return kTypes;
}

Result<InstanceType> FindInstanceType(const std::string& name) {
  for (const auto& t : InstanceTypes()) {
    if (t.name == name) return t;
  }
  std::string known;
  for (const auto& t : InstanceTypes()) known += (known.empty() ? "" : ", ") + t.name;
  return Status::Invalid("unknown instance type '" + name + "' (known: " + known + ")");
}

}  // namespace kiln::instance
