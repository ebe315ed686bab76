#include "api/validator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln::api {
namespace {

using Json = nlohmann::json;

// Unicode code points in a UTF-8 string (the model's lengths count
// characters, not bytes).
int64_t CharLength(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Quote(const Json& v) {
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (CharLength(text) > 100) text = text.substr(0, 100) + "...";
  return "'" + text + "'";
}

class Walker {
 public:
  explicit Walker(size_t limit) : limit_(limit) {}
  std::vector<std::string> out;

  void Check(const Shape& s, const Json& v, const std::string& path) {
    if (out.size() >= limit_) return;
    switch (s.type) {
      case Shape::Type::kStructure: return Structure(s, v, path);
      case Shape::Type::kString: return String(s, v, path);
      case Shape::Type::kList: return List(s, v, path);
      case Shape::Type::kMap: return Map(s, v, path);
      case Shape::Type::kInteger:
        return Integer(s, v, path, std::numeric_limits<int32_t>::min(),
                       std::numeric_limits<int32_t>::max(), "an integer");
      case Shape::Type::kLong:
        return Integer(s, v, path, std::numeric_limits<int64_t>::min(),
                       std::numeric_limits<int64_t>::max(), "a long integer");
      case Shape::Type::kDouble:
        if (!v.is_number()) return Fail(v, path, "Member must be a number");
        if (s.min && v.get<double>() < double(*s.min))
          Fail(v, path, "Member must have value greater than or equal to " + std::to_string(*s.min));
        if (s.max && v.get<double>() > double(*s.max))
          Fail(v, path, "Member must have value less than or equal to " + std::to_string(*s.max));
        return;
      case Shape::Type::kBoolean:
        if (!v.is_boolean()) Fail(v, path, "Member must be a boolean");
        return;
      case Shape::Type::kTimestamp:
        if (!v.is_number() && !v.is_string()) Fail(v, path, "Member must be a timestamp");
        return;
      case Shape::Type::kBlob:
        if (!v.is_string()) Fail(v, path, "Member must be base64-encoded data");
        return;
    }
  }

 private:
  size_t limit_;

  void Fail(const Json& v, const std::string& path, const std::string& rule) {
    if (out.size() >= limit_) return;
    std::string value = v.is_null() ? "null" : Quote(v);
    out.push_back("Value " + value + " at '" + path + "' failed to satisfy constraint: " + rule);
  }

  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }

  void Length(const Shape& s, const Json& v, const std::string& path, int64_t n) {
    if (s.min && n < *s.min)
      Fail(v, path, "Member must have length greater than or equal to " + std::to_string(*s.min));
    if (s.max && n > *s.max)
      Fail(v, path, "Member must have length less than or equal to " + std::to_string(*s.max));
  }

  void Structure(const Shape& s, const Json& v, const std::string& path) {
    if (!v.is_object()) return Fail(v, path.empty() ? "input" : path, "Member must be a structure");
    for (const Member& m : s.members) {
      auto it = v.find(m.name);
      bool absent = it == v.end() || it->is_null();
      std::string p = Join(path, m.name);
      if (absent) {
        if (s.required.count(m.name)) Fail(Json(), p, "Member must not be null");
        continue;
      }
      Check(*m.shape, *it, p);
    }
  }

  void String(const Shape& s, const Json& v, const std::string& path) {
    if (!v.is_string()) return Fail(v, path, "Member must be a string");
    const std::string& text = v.get_ref<const std::string&>();
    Length(s, v, path, CharLength(text));
    if (!s.enum_values.empty() &&
        std::find(s.enum_values.begin(), s.enum_values.end(), text) == s.enum_values.end()) {
      std::string set;
      for (auto& e : s.enum_values) set += (set.empty() ? "" : ", ") + e;
      Fail(v, path, "Member must satisfy enum value set: [" + set + "]");
    }
    if (s.pattern && !s.pattern->Search(text))
      Fail(v, path, "Member must satisfy regular expression pattern: " + s.pattern->source());
  }

  void List(const Shape& s, const Json& v, const std::string& path) {
    if (!v.is_array()) return Fail(v, path, "Member must be a list");
    Length(s, v, path, int64_t(v.size()));
    for (size_t i = 0; i < v.size() && out.size() < limit_; ++i) {
      if (v[i].is_null()) { Fail(v[i], Join(path, std::to_string(i + 1) + ".member"), "Member must not be null"); continue; }
      Check(*s.member, v[i], Join(path, std::to_string(i + 1) + ".member"));
    }
  }

  void Map(const Shape& s, const Json& v, const std::string& path) {
    if (!v.is_object()) return Fail(v, path, "Member must be a map");
    Length(s, v, path, int64_t(v.size()));
    for (auto& [k, val] : v.items()) {
      if (out.size() >= limit_) return;
      if (s.key) Check(*s.key, Json(k), Join(path, k + ".key"));
      if (val.is_null()) { Fail(val, Join(path, k + ".value"), "Member must not be null"); continue; }
      if (s.value) Check(*s.value, val, Join(path, k + ".value"));
    }
  }

  void Integer(const Shape& s, const Json& v, const std::string& path, int64_t lo, int64_t hi,
               const char* what) {
    // A float is accepted when it is a whole number inside int64 ("5.0").
    bool integral = v.is_number_integer();
    if (v.is_number_float()) {
      double d = v.get<double>();
      integral = d >= -9.2e18 && d <= 9.2e18 && d == std::floor(d);
    }
    if (!integral) return Fail(v, path, std::string("Member must be ") + what);
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi))
      return Fail(v, path, "Member must have value less than or equal to " + std::to_string(hi));
    int64_t n = v.is_number_float() ? int64_t(v.get<double>()) : v.get<int64_t>();
    if (n < lo || n > hi) return Fail(v, path, std::string("Member must be ") + what);
    if (s.min && n < *s.min)
      Fail(v, path, "Member must have value greater than or equal to " + std::to_string(*s.min));
    if (s.max && n > *s.max)
      Fail(v, path, "Member must have value less than or equal to " + std::to_string(*s.max));
  }
};

}  // namespace

std::vector<std::string> FindViolations(const Shape& shape, const Json& value, size_t limit) {
  Walker w(limit);
  w.Check(shape, value, "");
  return std::move(w.out);
}

const std::string& ValidationErrorType(const Operation& op) {
  static const std::string kPreference[] = {"InvalidParameterValueException",
                                            "InvalidRequestException",
                                            "InvalidParameterException", "ClientException"};
  for (auto& t : kPreference) if (op.Declares(t)) return t;
  return kPreference[1];
}

Status ValidateInput(const Operation& op, const Json& input) {
  if (!op.input) return Status::Ok();
  auto v = FindViolations(*op.input, input);
  if (v.empty()) return Status::Ok();
  std::string msg = std::to_string(v.size()) +
                    (v.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < v.size(); ++i) msg += (i ? "; " : "") + v[i];
  return Status(Code::kInvalidArgument, msg, ValidationErrorType(op));
}

}  // namespace kiln::api
