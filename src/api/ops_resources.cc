#include "api/ops_resources.h"

namespace kiln::api {

void RegisterResourceOperations() {
  RegisterComponentHandlers();
  RegisterImageRecipeHandlers();
  RegisterContainerRecipeHandlers();
  RegisterInfrastructureConfigurationHandlers();
  RegisterDistributionConfigurationHandlers();
  RegisterTagHandlers();
}

}  // namespace kiln::api
