#include "api/ops_registry.h"

namespace kiln::api {

// One line per ops_*.cc file: KILN_OPS(<Area>) declares
// `void Register<Area>Operations()` weakly. Keep the list sorted.
#define KILN_OPS_LIST(KILN_OPS) \
  KILN_OPS(Component)           \
  KILN_OPS(ContainerRecipe)     \
  KILN_OPS(DistributionConfiguration) \
  KILN_OPS(Image)               \
  KILN_OPS(ImagePipeline)       \
  KILN_OPS(ImageRecipe)         \
  KILN_OPS(InfrastructureConfiguration) \
  KILN_OPS(LifecyclePolicy)     \
  KILN_OPS(Policy)              \
  KILN_OPS(Resource)            \
  KILN_OPS(Tag)                 \
  KILN_OPS(Workflow)

#define KILN_DECLARE_WEAK(Area) __attribute__((weak)) void Register##Area##Operations();
KILN_OPS_LIST(KILN_DECLARE_WEAK)
#undef KILN_DECLARE_WEAK

std::vector<std::string> RegisterAllOperations() {
  std::vector<std::string> found;
#define KILN_CALL_IF_LINKED(Area)                   \
  if (&Register##Area##Operations != nullptr) {     \
    Register##Area##Operations();                   \
    found.push_back(#Area);                         \
  }
  KILN_OPS_LIST(KILN_CALL_IF_LINKED)
#undef KILN_CALL_IF_LINKED
  return found;
}

}  // namespace kiln::api
