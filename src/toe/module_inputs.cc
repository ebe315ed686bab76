#include "toe/module_inputs.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

namespace kiln::toe {
namespace {

std::string Field(std::string_view key) { return "input '" + std::string(key) + "'"; }

const Json* Find(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<bool> ParseBool(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return n;
}

}  // namespace

bool HasReference(const Json& v) {
  return v.is_string() && v.get_ref<const std::string&>().find("{{") != std::string::npos;
}

Result<std::string> GetString(const Json& obj, std::string_view key) {
  const Json* v = Find(obj, key);
  if (!v) return Status::Invalid(Field(key) + " is required");
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return Status::Invalid(Field(key) + " must be a string");
}

std::string GetStringOr(const Json& obj, std::string_view key, std::string def) {
  const Json* v = Find(obj, key);
  if (!v) return def;
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

Result<bool> GetBool(const Json& obj, std::string_view key, bool def) {
  const Json* v = Find(obj, key);
  if (!v) return def;
  if (auto b = ParseBool(*v)) return *b;
  return Status::Invalid(Field(key) + " must be true or false, got " + v->dump());
}

Result<int64_t> GetInt(const Json& obj, std::string_view key, int64_t def) {
  const Json* v = Find(obj, key);
  if (!v) return def;
  if (auto n = ParseInt(*v)) return *n;
  return Status::Invalid(Field(key) + " must be an integer, got " + v->dump());
}

Result<std::vector<std::string>> GetStringList(const Json& obj, std::string_view key,
                                               bool required) {
  const Json* v = Find(obj, key);
  std::vector<std::string> out;
  if (!v) {
    if (required) return Status::Invalid(Field(key) + " is required");
    return out;
  }
  if (!v->is_array()) return Status::Invalid(Field(key) + " must be a list of strings");
  for (const Json& item : *v) {
    if (item.is_string()) out.push_back(item.get<std::string>());
    else if (item.is_number() || item.is_boolean()) out.push_back(item.dump());
    else return Status::Invalid(Field(key) + " must be a list of strings");
  }
  return out;
}

Status CheckObject(const Json& inputs, std::string_view what) {
  if (!inputs.is_object()) return Status::Invalid(std::string(what) + " must be a mapping");
  return Status::Ok();
}

Status CheckListOfObjects(const Json& inputs) {
  if (!inputs.is_array() || inputs.empty())
    return Status::Invalid("inputs must be a non-empty list of mappings");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].is_object())
      return Status::Invalid("inputs[" + std::to_string(i) + "] must be a mapping");
  return Status::Ok();
}

Status CheckString(const Json& obj, std::string_view key, bool required) {
  const Json* v = Find(obj, key);
  if (!v) return required ? Status::Invalid(Field(key) + " is required") : Status::Ok();
  if (v->is_string() || v->is_number() || v->is_boolean()) return Status::Ok();
  return Status::Invalid(Field(key) + " must be a string");
}

Status CheckBool(const Json& obj, std::string_view key) {
  const Json* v = Find(obj, key);
  if (!v || HasReference(*v) || ParseBool(*v)) return Status::Ok();
  return Status::Invalid(Field(key) + " must be true or false, got " + v->dump());
}

Status CheckInt(const Json& obj, std::string_view key, bool required) {
  const Json* v = Find(obj, key);
  if (!v) return required ? Status::Invalid(Field(key) + " is required") : Status::Ok();
  if (HasReference(*v) || ParseInt(*v)) return Status::Ok();
  return Status::Invalid(Field(key) + " must be an integer, got " + v->dump());
}

Status CheckStringList(const Json& obj, std::string_view key, bool required) {
  const Json* v = Find(obj, key);
  if (!v) return required ? Status::Invalid(Field(key) + " is required") : Status::Ok();
  if (!v->is_array()) return Status::Invalid(Field(key) + " must be a list of strings");
  for (const Json& item : *v)
    if (!(item.is_string() || item.is_number() || item.is_boolean()))
      return Status::Invalid(Field(key) + " must be a list of strings");
  return Status::Ok();
}

Status CheckKnownKeys(const Json& obj, std::initializer_list<std::string_view> known) {
  if (!obj.is_object()) return Status::Ok();
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || it.key() == k;
    if (!ok) return Status::Invalid("unknown input '" + it.key() + "'");
  }
  return Status::Ok();
}

std::vector<Json> InputItems(const Json& inputs) {
  if (inputs.is_array()) return {inputs.begin(), inputs.end()};
  if (inputs.is_object()) return {inputs};
  return {};
}

}  // namespace kiln::toe
