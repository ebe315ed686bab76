#include "toe/condition.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

namespace kiln::toe {
namespace {

enum class Kind { kStringUnary, kStringBinary, kPattern, kNumber, kFileUnary, kFileHash, kLogicalList, kNot };

const std::map<std::string, Kind>& Operators() {
  static const std::map<std::string, Kind> ops = {
      {"stringIsEmpty", Kind::kStringUnary},      {"stringIsWhitespace", Kind::kStringUnary},
      {"stringEquals", Kind::kStringBinary},      {"stringLessThan", Kind::kStringBinary},
      {"stringLessThanEquals", Kind::kStringBinary}, {"stringGreaterThan", Kind::kStringBinary},
      {"stringGreaterThanEquals", Kind::kStringBinary}, {"patternMatches", Kind::kPattern},
      {"numberEquals", Kind::kNumber},            {"numberLessThan", Kind::kNumber},
      {"numberLessThanEquals", Kind::kNumber},    {"numberGreaterThan", Kind::kNumber},
      {"numberGreaterThanEquals", Kind::kNumber}, {"binaryExists", Kind::kFileUnary},
      {"fileExists", Kind::kFileUnary},           {"folderExists", Kind::kFileUnary},
      {"fileMD5Equals", Kind::kFileHash},         {"fileSHA1Equals", Kind::kFileHash},
      {"fileSHA256Equals", Kind::kFileHash},      {"fileSHA512Equals", Kind::kFileHash},
      {"and", Kind::kLogicalList},                {"or", Kind::kLogicalList},
      {"not", Kind::kNot},
  };
  return ops;
}

bool IsAction(const Json& v) {
  return v.is_string() && (v == "Execute" || v == "Skip" || v == "Abort");
}

std::string Text(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string Fold(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The one operator key of an expression mapping (or an error).
Result<std::string> OperatorOf(const Json& expr, bool allow_then_else) {
  if (!expr.is_object()) return Status::Invalid("a condition must be a mapping with one operator");
  std::string op;
  for (auto it = expr.begin(); it != expr.end(); ++it) {
    const std::string& k = it.key();
    if (k == "value" || k == "path") continue;
    if (allow_then_else && (k == "then" || k == "else")) continue;
    if (!Operators().count(k)) return Status::Invalid("unknown operator '" + k + "'");
    if (!op.empty())
      return Status::Invalid("a condition takes exactly one operator, found '" + op + "' and '" + k + "'");
    op = k;
  }
  if (op.empty()) return Status::Invalid("a condition needs an operator");
  return op;
}

// `not` takes a mapping or a one-item list; returns the inner expression.
Result<Json> NotOperand(const Json& v) {
  if (v.is_object()) return v;
  if (v.is_array() && v.size() == 1) return v[0];
  return Status::Invalid("'not' takes exactly one expression");
}

Status CheckExpr(const Json& expr, bool allow_then_else) {
  KILN_ASSIGN_OR_RETURN(std::string op, OperatorOf(expr, allow_then_else));
  const Json& operand = expr[op];
  Kind kind = Operators().at(op);
  bool has_value = expr.contains("value"), has_path = expr.contains("path");
  switch (kind) {
    case Kind::kLogicalList:
      if (!operand.is_array() || operand.empty())
        return Status::Invalid("'" + op + "' takes a list of one or more expressions");
      for (const Json& e : operand) KILN_RETURN_IF_ERROR(CheckExpr(e, false).Prefixed(op));
      break;
    case Kind::kNot: {
      KILN_ASSIGN_OR_RETURN(Json inner, NotOperand(operand));
      KILN_RETURN_IF_ERROR(CheckExpr(inner, false).Prefixed("not"));
      break;
    }
    case Kind::kStringBinary:
    case Kind::kPattern:
    case Kind::kNumber:
      if (!has_value) return Status::Invalid("'" + op + "' needs a 'value' to compare with");
      if (operand.is_object() || operand.is_array() || expr["value"].is_object() || expr["value"].is_array())
        return Status::Invalid("'" + op + "' compares single values, not lists or mappings");
      if (kind == Kind::kPattern && !operand.is_null() && Text(operand).find("{{") == std::string::npos) {
        try {
          std::regex re(Text(operand), std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
          return Status::Invalid("'patternMatches' has an invalid regular expression '" + Text(operand) + "'");
        }
      }
      break;
    case Kind::kFileHash:
      if (!has_path) return Status::Invalid("'" + op + "' needs a 'path' to the file");
      [[fallthrough]];
    case Kind::kStringUnary:
    case Kind::kFileUnary:
      if (operand.is_object() || operand.is_array())
        return Status::Invalid("'" + op + "' takes a single value");
      if (has_value) return Status::Invalid("'" + op + "' does not take a 'value'");
      break;
  }
  if (has_path && kind != Kind::kFileHash) return Status::Invalid("'" + op + "' does not take a 'path'");
  if (allow_then_else) {
    for (const char* k : {"then", "else"})
      if (expr.contains(k) && !IsAction(expr[k]))
        return Status::Invalid(std::string("'") + k + "' must be Execute, Skip or Abort");
  }
  return Status::Ok();
}

bool BinaryExists(const std::string& name) {
  if (name.empty()) return false;
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string full = dir + "/" + name;
    struct stat st;
    if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(full.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::string> FileDigest(const std::string& path, const EVP_MD* md) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) EVP_DigestUpdate(ctx, buf, in.gcount());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

Result<bool> Eval(const Json& expr) {
  KILN_ASSIGN_OR_RETURN(std::string op, OperatorOf(expr, true));
  const Json& operand = expr[op];
  const std::string a = Text(operand);
  const std::string v = Text(expr.value("value", Json()));
  switch (Operators().at(op)) {
    case Kind::kLogicalList: {
      bool is_and = op == "and";
      for (const Json& e : operand) {  // short-circuit, left to right
        KILN_ASSIGN_OR_RETURN(bool r, Eval(e));
        if (is_and && !r) return false;
        if (!is_and && r) return true;
      }
      return is_and;
    }
    case Kind::kNot: {
      KILN_ASSIGN_OR_RETURN(Json inner, NotOperand(operand));
      KILN_ASSIGN_OR_RETURN(bool r, Eval(inner));
      return !r;
    }
    case Kind::kStringUnary:
      if (op == "stringIsEmpty") return a.empty();
      return !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) != 0;
      });
    case Kind::kStringBinary: {
      int c = Fold(v).compare(Fold(a));
      if (op == "stringEquals") return c == 0;
      if (op == "stringLessThan") return c < 0;
      if (op == "stringLessThanEquals") return c <= 0;
      if (op == "stringGreaterThan") return c > 0;
      return c >= 0;
    }
    case Kind::kPattern:
      try {
        std::regex re(a, std::regex::ECMAScript | std::regex::icase);
        return std::regex_search(v, re);
      } catch (const std::regex_error&) {
        return Status::Invalid("'patternMatches' has an invalid regular expression '" + a + "'");
      }
    case Kind::kNumber: {
      auto c = CompareDecimal(v, a);
      if (!c) return false;  // the guide: a failed conversion evaluates to false
      if (op == "numberEquals") return *c == 0;
      if (op == "numberLessThan") return *c < 0;
      if (op == "numberLessThanEquals") return *c <= 0;
      if (op == "numberGreaterThan") return *c > 0;
      return *c >= 0;
    }
    case Kind::kFileUnary: {
      if (op == "binaryExists") return BinaryExists(a);
      struct stat st;
      if (stat(a.c_str(), &st) != 0) return false;
      return op == "fileExists" ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode);
    }
    case Kind::kFileHash: {
      const EVP_MD* md = op == "fileMD5Equals"    ? EVP_md5()
                         : op == "fileSHA1Equals" ? EVP_sha1()
                         : op == "fileSHA256Equals" ? EVP_sha256()
                                                    : EVP_sha512();
      auto d = FileDigest(Text(expr.value("path", Json())), md);
      return d && *d == Fold(a);
    }
  }
  return Status::Internal("unhandled operator " + op);
}

Json UnwrapIf(const Json& n) { return n.is_array() && n.size() == 1 ? n[0] : n; }

IfAction ParseAction(const Json& v, IfAction def) {
  if (!v.is_string()) return def;
  if (v == "Execute") return IfAction::kExecute;
  if (v == "Skip") return IfAction::kSkip;
  if (v == "Abort") return IfAction::kAbort;
  return def;
}

}  // namespace

std::optional<int> CompareDecimal(const std::string& a, const std::string& b) {
  static const std::regex kNumber("^[-+]?([0-9]+[.])?[0-9]+$");
  if (!std::regex_match(a, kNumber) || !std::regex_match(b, kNumber)) return std::nullopt;
  struct Dec {
    bool neg;
    std::string whole, frac;
  };
  auto parse = [](std::string s) {
    Dec d{false, "", ""};
    if (s[0] == '+' || s[0] == '-') {
      d.neg = s[0] == '-';
      s = s.substr(1);
    }
    size_t dot = s.find('.');
    d.whole = s.substr(0, dot);
    d.frac = dot == std::string::npos ? "" : s.substr(dot + 1);
    d.whole.erase(0, std::min(d.whole.find_first_not_of('0'), d.whole.size()));
    while (!d.frac.empty() && d.frac.back() == '0') d.frac.pop_back();
    if (d.whole.empty() && d.frac.empty()) d.neg = false;  // -0 == 0
    return d;
  };
  Dec x = parse(a), y = parse(b);
  auto mag = [](const Dec& p, const Dec& q) {  // compares |p| with |q|
    if (p.whole.size() != q.whole.size()) return p.whole.size() < q.whole.size() ? -1 : 1;
    if (int c = p.whole.compare(q.whole)) return c < 0 ? -1 : 1;
    size_t n = std::max(p.frac.size(), q.frac.size());
    std::string pf = p.frac + std::string(n - p.frac.size(), '0');
    std::string qf = q.frac + std::string(n - q.frac.size(), '0');
    if (int c = pf.compare(qf)) return c < 0 ? -1 : 1;
    return 0;
  };
  if (x.neg != y.neg) return x.neg ? -1 : 1;
  int m = mag(x, y);
  return x.neg ? -m : m;
}

Status CheckCondition(const Json& expr, bool allow_then_else) {
  return CheckExpr(allow_then_else ? UnwrapIf(expr) : expr, allow_then_else);
}

Result<bool> EvaluateCondition(const Json& expr) { return Eval(expr); }

const char* IfActionName(IfAction a) {
  switch (a) {
    case IfAction::kExecute: return "Execute";
    case IfAction::kSkip: return "Skip";
    case IfAction::kAbort: return "Abort";
  }
  return "Execute";
}

Result<IfAction> EvaluateIf(const Json& if_node) {
  Json n = UnwrapIf(if_node);
  KILN_ASSIGN_OR_RETURN(bool r, Eval(n));
  if (r) return ParseAction(n.value("then", Json()), IfAction::kExecute);
  return ParseAction(n.value("else", Json()), IfAction::kSkip);
}

}  // namespace kiln::toe
