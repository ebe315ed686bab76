// The instance-type table: EC2 instance type names (what an infrastructure
// configuration's instanceTypes lists) mapped to the CPU and memory limits a
// container instance gets. Sizes follow EC2's published vCPU / memory
// figures; a container cannot use more CPUs than the host has, so the CPU
// limit is a quota (vCPUs x 100 ms per 100 ms period), not a CPU set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::instance {

struct InstanceType {
  std::string name;     // "t3.medium"
  double vcpus;         // 2
  int64_t memory_mib;   // 4096
};

// All known types, in table order (documented in docs/BUILDS.md).
const std::vector<InstanceType>& InstanceTypes();
// The type named `name`, or InvalidArgument listing the known families.
Result<InstanceType> FindInstanceType(const std::string& name);

}  // namespace kiln::instance
