#include "api/catalog.h"


#include "api/component_document.h"

namespace kiln::api {
namespace catalog_data {
struct Entry {
  const char* name;
  const char* data;
  size_t size;
};
extern const Entry kEntries[];
}  // namespace catalog_data

namespace {
// Bump when a catalogue document changes: a new version is added next to
// the old one, as Image Builder does for managed components.
constexpr const char* kCatalogVersion = "1.0.0";
}  // namespace

std::vector<ManagedComponent> ManagedComponents() {
  std::vector<ManagedComponent> out;
  for (const auto* e = catalog_data::kEntries; e->name; ++e) {
    out.push_back({e->name, kCatalogVersion, std::string(e->data, e->size)});
  }
  return out;
}

Status SeedManagedCatalog(store::Store& store, const std::string& region) {
  return store.Transaction([&](store::Store& tx) -> Status {
    for (const auto& c : ManagedComponents()) {
      Json input = {{"name", c.name}, {"semanticVersion", c.version}, {"platform", "Linux"}};
      auto r = MakeComponentResource("aws", region, input, c.data, "catalog/" + c.name + ".yml");
      if (!r.ok()) {
        return Status::Internal("the built-in component " + c.name + " is invalid: " +
                                r.status().message());
      }
      auto info = InspectComponentDocument(c.data, c.name);
      if (info.ok() && !info->description.empty()) r->doc["description"] = info->description;
      auto existing = tx.Get(r->arn);
      if (existing.ok()) continue;
      if (existing.status().code() != Code::kNotFound) return existing.status();
      KILN_RETURN_IF_ERROR(tx.Insert(*r));
    }
    return Status::Ok();
  });
}

Status EnsureManagedCatalog(OperationContext& ctx) {
  // One small read per call: the marker says this region holds this
  // catalogue already (the store may be shared by several processes).
  // (Computed once: building the list copies every embedded document.)
  static const std::string marker =
      std::string(kCatalogVersion) + ":" + std::to_string(ManagedComponents().size());
  KILN_ASSIGN_OR_RETURN(auto seen, ctx.store->GetValue("catalog", ctx.caller.region));
  if (seen && *seen == marker) return Status::Ok();
  KILN_RETURN_IF_ERROR(SeedManagedCatalog(*ctx.store, ctx.caller.region));
  return ctx.store->PutValue("catalog", ctx.caller.region, marker);
}

}  // namespace kiln::api
