#include "toe/expression.h"

#include <cctype>

namespace kiln::toe {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string ValueText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::vector<Reference> FindReferences(std::string_view s) {
  std::vector<Reference> out;
  size_t pos = 0;
  while ((pos = s.find("{{", pos)) != std::string_view::npos) {
    size_t close = s.find("}}", pos + 2);
    if (close == std::string_view::npos) break;
    // "{{{{ x }}" : use the innermost opening.
    size_t inner = s.rfind("{{", close);
    if (inner != pos) pos = inner;
    std::string expr = Trim(s.substr(pos + 2, close - pos - 2));
    if (!expr.empty()) out.push_back({pos, close + 2, expr});
    pos = close + 2;
  }
  return out;
}

ParsedRef ParseRef(const std::string& expr) {
  ParsedRef r;
  if (expr.rfind("aws:ssm:", 0) == 0) {
    r.kind = RefKind::kSsm;
    r.head = expr.substr(8);
    return r;
  }
  size_t dot = expr.find('.');
  if (dot == std::string::npos) {
    r.kind = RefKind::kVariable;
    r.head = expr;
    return r;
  }
  r.head = expr.substr(0, dot);
  std::string rest = expr.substr(dot + 1);
  if (rest == "index" || rest == "value") {
    r.kind = RefKind::kLoop;
    r.which = rest;
    return r;
  }
  // phase.step.(inputs|outputs)<path>; the step name may contain spaces.
  for (const char* which : {".inputs", ".outputs"}) {
    size_t w = rest.find(which);
    while (w != std::string::npos) {
      size_t after = w + std::string_view(which).size();
      if (after == rest.size() || rest[after] == '.' || rest[after] == '[') {
        r.kind = RefKind::kChaining;
        r.step = rest.substr(0, w);
        r.which = which + 1;
        r.path = rest.substr(after);
        return r;
      }
      w = rest.find(which, w + 1);
    }
  }
  r.kind = RefKind::kOther;
  return r;
}

std::optional<std::string> LookupChained(const Json& list, const std::string& path) {
  const Json* cur = &list;
  size_t i = 0;
  bool indexed = false;
  if (!cur->is_array()) return std::nullopt;
  while (i < path.size()) {
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return std::nullopt;
      std::string num = path.substr(i + 1, close - i - 1);
      if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      size_t idx = std::stoul(num);
      if (!cur->is_array() || idx >= cur->size()) return std::nullopt;
      cur = &(*cur)[idx];
      indexed = true;
      i = close + 1;
    } else if (path[i] == '.') {
      size_t next = path.find_first_of(".[", i + 1);
      std::string key = path.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
      if (cur->is_array() && !indexed) {  // inputs.key == inputs[0].key
        if (cur->empty()) return std::nullopt;
        cur = &(*cur)[0];
      }
      indexed = true;
      if (!cur->is_object() || !cur->contains(key)) return std::nullopt;
      cur = &(*cur)[key];
      i = next == std::string::npos ? path.size() : next;
    } else {
      return std::nullopt;
    }
  }
  return ValueText(*cur);
}

Result<std::string> Substitute(const std::string& s, const Scope& scope) {
  std::vector<Reference> refs = FindReferences(s);
  if (refs.empty()) return s;
  std::string out;
  size_t last = 0;
  for (const Reference& ref : refs) {
    out.append(s, last, ref.begin - last);
    last = ref.end;
    std::optional<std::string> value;
    ParsedRef p = ParseRef(ref.expr);
    switch (p.kind) {
      case RefKind::kVariable:
        if (scope.variables) {
          auto it = scope.variables->find(p.head);
          if (it != scope.variables->end()) value = it->second;
        }
        break;
      case RefKind::kLoop:
        if (scope.loop && (p.head == "loop" || (!scope.loop->name.empty() && p.head == scope.loop->name)))
          value = p.which == "index" ? std::to_string(scope.loop->index) : scope.loop->value;
        break;
      case RefKind::kChaining:
        // A loop named like a phase shadows chaining only for .index/.value,
        // which ParseRef already classified as kLoop.
        if (scope.steps) {
          auto it = scope.steps->find(p.head + "." + p.step);
          if (it != scope.steps->end() && it->second.value(p.which, Json()).is_array())
            value = LookupChained((*it).second[p.which], p.path);
          if (value && scope.chained) scope.chained(ref.expr, *value);
        }
        break;
      case RefKind::kSsm:
        return Status::Unimplemented(
            "'{{ " + ref.expr + " }}': SSM Parameter Store references need AWS Systems Manager, "
            "which kiln-toe does not support");
      case RefKind::kOther:
        break;
    }
    if (value) {
      out += *value;
    } else {
      if (scope.warn && p.kind != RefKind::kLoop)
        scope.warn("reference '{{ " + ref.expr + " }}' could not be resolved and is kept as written");
      out.append(s, ref.begin, ref.end - ref.begin);
    }
  }
  out.append(s, last, std::string::npos);
  return out;
}

Result<Json> SubstituteJson(const Json& v, const Scope& scope) {
  if (v.is_string()) {
    KILN_ASSIGN_OR_RETURN(std::string s, Substitute(v.get<std::string>(), scope));
    return Json(std::move(s));
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& item : v) {
      KILN_ASSIGN_OR_RETURN(Json r, SubstituteJson(item, scope));
      out.push_back(std::move(r));
    }
    return out;
  }
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      KILN_ASSIGN_OR_RETURN(Json r, SubstituteJson(it.value(), scope));
      out[it.key()] = std::move(r);
    }
    return out;
  }
  return v;
}

}  // namespace kiln::toe
