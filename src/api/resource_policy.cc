#include "api/resource_policy.h"

#include <algorithm>
#include <cctype>

#include "api/resource_ops.h"

namespace kiln::api::policy {
namespace {

constexpr const char* kPolicySpace = "resource-policy";
constexpr const char* kIndexSpace = "shared-with";

std::vector<std::string> AsList(const Json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

bool IsAccountId(const std::string& s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Principal entry -> account id ("*" for anyone); "" when not understood.
std::string PrincipalAccount(const std::string& p) {
  if (p == "*") return "*";
  if (IsAccountId(p)) return p;
  const std::string prefix = "arn:aws:iam::";
  if (p.rfind(prefix, 0) == 0) {
    std::string rest = p.substr(prefix.size());
    size_t colon = rest.find(':');
    if (colon != std::string::npos && IsAccountId(rest.substr(0, colon)) &&
        rest.substr(colon + 1) == "root") {
      return rest.substr(0, colon);
    }
  }
  return "";
}

std::vector<std::string> PrincipalAccounts(const Json& principal) {
  if (principal.is_string()) return {PrincipalAccount(principal.get<std::string>())};
  std::vector<std::string> out;
  if (principal.is_object() && principal.contains("AWS")) {
    for (const auto& p : AsList(principal["AWS"])) out.push_back(PrincipalAccount(p));
  }
  return out;
}

std::string IndexKey(const std::string& region, const std::string& grantee,
                     const std::string& kind) {
  return region + "|" + grantee + "|" + kind;
}

Result<std::vector<std::string>> ReadIndex(store::Store& s, const std::string& key) {
  KILN_ASSIGN_OR_RETURN(auto raw, s.GetValue(kIndexSpace, key));
  std::vector<std::string> arns;
  if (raw) {
    Json j = Json::parse(*raw, nullptr, false);
    if (j.is_array()) arns = AsList(j);
  }
  return arns;
}

Status UpdateIndex(store::Store& s, const store::Resource& r, const std::string& grantee,
                   bool add) {
  const std::string key = IndexKey(r.region, grantee, r.kind);
  KILN_ASSIGN_OR_RETURN(auto arns, ReadIndex(s, key));
  auto it = std::find(arns.begin(), arns.end(), r.arn);
  if (add && it == arns.end()) arns.push_back(r.arn);
  if (!add && it != arns.end()) arns.erase(it);
  if (arns.empty()) return s.DeleteValue(kIndexSpace, key);
  return s.PutValue(kIndexSpace, key, Json(arns).dump());
}

struct Record {
  std::string policy;
  std::set<std::string> grantees;
};

Result<std::optional<Record>> ReadRecord(store::Store& s, const std::string& arn) {
  KILN_ASSIGN_OR_RETURN(auto raw, s.GetValue(kPolicySpace, arn));
  if (!raw) return std::optional<Record>();
  Json j = Json::parse(*raw, nullptr, false);
  if (!j.is_object()) return Status::Internal("stored policy of " + arn + " is corrupt");
  Record rec;
  rec.policy = j.value("policy", "");
  for (const auto& g : AsList(j.value("grantees", Json::array()))) rec.grantees.insert(g);
  return std::optional<Record>(rec);
}

}  // namespace

std::vector<std::string> ShareableActions(const std::string& kind) {
  if (kind == "component") return {"imagebuilder:GetComponent", "imagebuilder:ListComponents"};
  if (kind == "image") return {"imagebuilder:GetImage", "imagebuilder:ListImages"};
  if (kind == "image-recipe") {
    return {"imagebuilder:GetImageRecipe", "imagebuilder:ListImageRecipes"};
  }
  if (kind == "container-recipe") {
    return {"imagebuilder:GetContainerRecipe", "imagebuilder:ListContainerRecipes"};
  }
  return {};
}

bool GlobMatch(const std::string& pattern, const std::string& text, bool ci) {
  auto eq = [&](char a, char b) {
    return ci ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b))
              : a == b;
  };
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<std::set<std::string>> Validate(const std::string& text, const std::string& kind,
                                       const std::string& arn) {
  const auto allowed = ShareableActions(kind);
  if (allowed.empty()) return InvalidParameterValue("resources of type " + kind + " cannot have a policy");
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return InvalidParameterValue("policy: not a JSON object");
  if (!doc.contains("Statement")) return InvalidParameterValue("policy: missing 'Statement'");
  Json statements = doc["Statement"].is_object() ? Json::array({doc["Statement"]}) : doc["Statement"];
  if (!statements.is_array() || statements.empty()) {
    return InvalidParameterValue("policy: 'Statement' must be a non-empty list of statements");
  }
  std::set<std::string> grantees;
  for (size_t i = 0; i < statements.size(); ++i) {
    const Json& st = statements[i];
    const std::string where = "policy Statement[" + std::to_string(i) + "]";
    if (!st.is_object()) return InvalidParameterValue(where + ": not an object");
    for (const auto& [key, value] : st.items()) {
      static const std::set<std::string> known = {"Sid", "Effect", "Principal", "Action", "Resource"};
      if (!known.count(key)) {
        return InvalidParameterValue(where + ": '" + key +
                                     "' is not supported (Kiln supports Sid, Effect, Principal, "
                                     "Action, Resource)");
      }
    }
    std::string effect = st.value("Effect", "");
    if (effect != "Allow" && effect != "Deny") {
      return InvalidParameterValue(where + ": Effect must be Allow or Deny");
    }
    if (!st.contains("Principal")) return InvalidParameterValue(where + ": missing Principal");
    auto accounts = PrincipalAccounts(st["Principal"]);
    if (accounts.empty()) {
      return InvalidParameterValue(where + ": Principal must be {\"AWS\": [account ids]}");
    }
    for (const auto& a : accounts) {
      if (a.empty()) {
        return InvalidParameterValue(where + ": Principal entries must be 12-digit account ids, "
                                     "arn:aws:iam::<account>:root or \"*\"");
      }
    }
    auto actions = AsList(st.value("Action", Json()));
    if (actions.empty()) return InvalidParameterValue(where + ": missing Action");
    for (const auto& action : actions) {
      bool any = std::any_of(allowed.begin(), allowed.end(),
                             [&](const std::string& a) { return GlobMatch(action, a, true); });
      if (!any) {
        return InvalidParameterValue(where + ": action '" + action + "' cannot be granted on a " +
                                     kind + " (allowed: " + allowed[0] + ", " + allowed[1] + ")");
      }
    }
    if (st.contains("Resource")) {
      for (const auto& res : AsList(st["Resource"])) {
        if (!GlobMatch(res, arn, false)) {
          return InvalidParameterValue(where + ": Resource '" + res + "' does not match " + arn);
        }
      }
    }
    if (effect == "Allow") grantees.insert(accounts.begin(), accounts.end());
  }
  return grantees;
}

bool Allows(const Json& policy, const std::string& account, const std::string& action,
            const std::string& arn) {
  if (!policy.is_object() || !policy.contains("Statement")) return false;
  Json statements =
      policy["Statement"].is_object() ? Json::array({policy["Statement"]}) : policy["Statement"];
  bool allowed = false;
  for (const auto& st : statements) {
    if (!st.is_object()) continue;
    auto accounts = PrincipalAccounts(st.value("Principal", Json()));
    bool principal = std::any_of(accounts.begin(), accounts.end(),
                                 [&](const std::string& a) { return a == "*" || a == account; });
    auto actions = AsList(st.value("Action", Json()));
    bool act = std::any_of(actions.begin(), actions.end(),
                           [&](const std::string& a) { return GlobMatch(a, action, true); });
    bool res = true;
    if (st.contains("Resource")) {
      auto resources = AsList(st["Resource"]);
      res = std::any_of(resources.begin(), resources.end(),
                        [&](const std::string& r) { return GlobMatch(r, arn, false); });
    }
    if (!(principal && act && res)) continue;
    if (st.value("Effect", "") == "Deny") return false;
    if (st.value("Effect", "") == "Allow") allowed = true;
  }
  return allowed;
}

Result<std::vector<std::string>> SharedWith(store::Store& store, const std::string& region,
                                            const std::string& account, const std::string& kind) {
  KILN_ASSIGN_OR_RETURN(auto direct, ReadIndex(store, IndexKey(region, account, kind)));
  KILN_ASSIGN_OR_RETURN(auto anyone, ReadIndex(store, IndexKey(region, "*", kind)));
  for (auto& a : anyone) {
    if (std::find(direct.begin(), direct.end(), a) == direct.end()) direct.push_back(a);
  }
  return direct;
}

}  // namespace kiln::api::policy

namespace kiln::api {

using policy::ReadRecord;

Status PutResourcePolicy(store::Store& tx, const store::Resource& r, const std::string& text) {
  KILN_ASSIGN_OR_RETURN(auto grantees, policy::Validate(text, r.kind, r.arn));
  grantees.erase(r.account);  // the owner needs no grant
  KILN_ASSIGN_OR_RETURN(auto old, ReadRecord(tx, r.arn));
  if (old) {
    for (const auto& g : old->grantees) {
      if (!grantees.count(g)) KILN_RETURN_IF_ERROR(policy::UpdateIndex(tx, r, g, false));
    }
  }
  for (const auto& g : grantees) KILN_RETURN_IF_ERROR(policy::UpdateIndex(tx, r, g, true));
  Json record = {{"policy", text}, {"grantees", Json(std::vector<std::string>(grantees.begin(), grantees.end()))}};
  return tx.PutValue(policy::kPolicySpace, r.arn, record.dump());
}

Result<std::string> GetResourcePolicy(store::Store& store, const store::Resource& r) {
  KILN_ASSIGN_OR_RETURN(auto rec, ReadRecord(store, r.arn));
  if (!rec) {
    return Status::NotFound("No policy is set on " + r.arn).WithType("ResourceNotFoundException");
  }
  return rec->policy;
}

Result<bool> IsShared(store::Store& store, const store::Resource& r) {
  KILN_ASSIGN_OR_RETURN(auto rec, ReadRecord(store, r.arn));
  return rec.has_value() && !rec->grantees.empty();
}

Status ReleaseForDelete(store::Store& tx, const store::Resource& r) {
  KILN_ASSIGN_OR_RETURN(auto rec, ReadRecord(tx, r.arn));
  if (!rec) return Status::Ok();
  if (!rec->grantees.empty()) {
    std::string who;
    for (const auto& g : rec->grantees) who += (who.empty() ? "" : ", ") + g;
    return Status::FailedPrecondition("Resource " + r.arn +
                                      " is shared (its policy grants " + who +
                                      "); remove the sharing before deleting it")
        .WithType("ResourceDependencyException");
  }
  return tx.DeleteValue(policy::kPolicySpace, r.arn);
}

}  // namespace kiln::api
