// Typed access to a step's inputs for modules.
//
// YAML scalars reach modules as JSON strings holding the raw scalar text
// ("0777", "true", "60"); JSON documents keep native numbers and booleans.
// The Get* functions (for Execute) accept both forms and name the field in
// their errors. The Check* functions (for Validate) additionally accept any
// string holding a "{{ ... }}" reference, whose type is only known at run time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "toe/module.h"

namespace kiln::toe {

// True when `v` is a string containing a "{{" reference.
bool HasReference(const Json& v);

// Execute-time reads. A missing (or null) optional key yields `def`.
Result<std::string> GetString(const Json& obj, std::string_view key);  // required
std::string GetStringOr(const Json& obj, std::string_view key, std::string def);
Result<bool> GetBool(const Json& obj, std::string_view key, bool def);
Result<int64_t> GetInt(const Json& obj, std::string_view key, int64_t def);
// A list of strings; a missing optional key gives an empty list.
Result<std::vector<std::string>> GetStringList(const Json& obj, std::string_view key,
                                               bool required);

// Validate-time checks (references accepted in place of typed values).
Status CheckObject(const Json& inputs, std::string_view what = "inputs");
// List-form modules: `inputs` must be a non-empty list of mappings.
Status CheckListOfObjects(const Json& inputs);
Status CheckString(const Json& obj, std::string_view key, bool required);
Status CheckBool(const Json& obj, std::string_view key);
Status CheckInt(const Json& obj, std::string_view key, bool required);
Status CheckStringList(const Json& obj, std::string_view key, bool required);
// Fails naming the first key of `obj` that is not in `known`.
Status CheckKnownKeys(const Json& obj, std::initializer_list<std::string_view> known);

// The items of list-form inputs; a single mapping counts as one item.
std::vector<Json> InputItems(const Json& inputs);

}  // namespace kiln::toe
