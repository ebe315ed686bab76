// Registration of the resource operations written on the api-resources
// branch. RegisterResourceOperations() (called by ops_registry.cc at start-up)
// registers every group; each ops_<group>.cc defines one Register*Handlers().
#pragma once

namespace kiln::api {

void RegisterResourceOperations();

void RegisterComponentHandlers();                    // ops_components.cc
void RegisterImageRecipeHandlers();                  // ops_image_recipes.cc
void RegisterContainerRecipeHandlers();              // ops_container_recipes.cc
void RegisterInfrastructureConfigurationHandlers();  // ops_infrastructure.cc
void RegisterDistributionConfigurationHandlers();    // ops_distribution.cc
void RegisterTagHandlers();                          // ops_tags.cc (+ GetMarketplaceResource)

}  // namespace kiln::api
