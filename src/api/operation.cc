#include "api/operation.h"

#include <map>

namespace kiln::api {
namespace {
// Filled at start-up (RegisterAllOperations) before the server starts its
// threads, then only read: no locking needed.
std::map<std::string, OperationHandler>& Registry() {
  static std::map<std::string, OperationHandler> registry;
  return registry;
}
}  // namespace

void RegisterOperation(const std::string& operation, OperationHandler handler) {
  Registry()[operation] = std::move(handler);
}

const OperationHandler* FindOperation(const std::string& operation) {
  auto it = Registry().find(operation);
  return it == Registry().end() ? nullptr : &it->second;
}

}  // namespace kiln::api
