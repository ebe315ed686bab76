// The catalogue of Kiln-managed components: AWSTOE documents kept as files in
// src/api/catalog/*.yml, compiled into the binary, and stored under account
// "aws" (listed with owner=Amazon, readable by every account) in each region
// the first time that region is used.
#pragma once

#include <string>
#include <vector>

#include "api/operation.h"
#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

struct ManagedComponent {
  std::string name;     // file stem, e.g. "update-linux"
  std::string version;  // catalogue version
  std::string data;     // the document
};

// Every embedded component document.
std::vector<ManagedComponent> ManagedComponents();

// Stores the catalogue in `region` (idempotent: existing versions are kept;
// documents that fail validation are an Internal error naming the file).
Status SeedManagedCatalog(store::Store& store, const std::string& region);

// Seeds the caller's region once per process; the component, recipe and
// image operations call it before they look at account "aws".
Status EnsureManagedCatalog(OperationContext& ctx);

}  // namespace kiln::api
