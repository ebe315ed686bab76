#include "api/auth.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "api/pattern.h"
#include "common/sigv4.h"

namespace kiln::api {
namespace {

bool IsAccountId(const std::string& s) {
  if (s.size() != 12) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  return true;
}

// Region names as AWS spells them ("us-east-1", "eu-central-2"): they end
// up inside ARNs, whose model patterns demand this shape.
bool IsRegion(std::string_view r) {
  static const auto* kRegion = Pattern::Compile("^[a-z]{2,}(?:-[a-z]+)+-[0-9]+$")->release();
  return r.size() <= 64 && kRegion->Search(r);
}

// The AWS error names the API answers with (sigv4.h uses the short forms
// for a few of them).
std::string ApiErrorName(const std::string& type) {
  if (type == "MissingAuthenticationToken") return "MissingAuthenticationTokenException";
  if (type == "IncompleteSignature") return "IncompleteSignatureException";
  if (type.empty()) return "InvalidSignatureException";
  return type;
}

}  // namespace

Status KeyTable::Add(const std::string& access_key_id, const std::string& secret,
                     const std::string& account_id) {
  if (access_key_id.empty() || secret.empty())
    return Status::Invalid("an access key needs both an access key id and a secret");
  if (!IsAccountId(account_id))
    return Status::Invalid("account id '" + account_id + "' is not 12 digits");
  if (keys_.count(access_key_id))
    return Status::AlreadyExists("access key '" + access_key_id + "' is listed twice");
  keys_[access_key_id] = AccessKey{secret, account_id};
  return Status::Ok();
}

Status KeyTable::LoadFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);  // YAML 1.2 also reads the JSON form
  } catch (const YAML::Exception& e) {
    return Status::Invalid("config " + path + ": " + e.what());
  }
  try {
    YAML::Node accounts = root["accounts"];
    if (!accounts || !accounts.IsSequence())
      return Status::Invalid("config " + path + ": 'accounts' must be a list");
    for (size_t i = 0; i < accounts.size(); ++i) {
      std::string where = "config " + path + ": accounts[" + std::to_string(i) + "]";
      YAML::Node a = accounts[i];
      if (!a["id"]) return Status::Invalid(where + ": missing 'id'");
      std::string id = a["id"].as<std::string>();
      YAML::Node keys = a["accessKeys"];
      if (!keys || !keys.IsSequence() || keys.size() == 0)
        return Status::Invalid(where + ": 'accessKeys' must be a non-empty list");
      for (size_t k = 0; k < keys.size(); ++k) {
        std::string kw = where + ".accessKeys[" + std::to_string(k) + "]";
        if (!keys[k]["accessKeyId"] || !keys[k]["secretAccessKey"])
          return Status::Invalid(kw + ": needs 'accessKeyId' and 'secretAccessKey'");
        KILN_RETURN_IF_ERROR(Add(keys[k]["accessKeyId"].as<std::string>(),
                                 keys[k]["secretAccessKey"].as<std::string>(), id)
                                 .Prefixed(kw));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid("config " + path + ": " + e.what());
  }
  return Status::Ok();
}

Status KeyTable::LoadEnvironment() {
  const char* id = std::getenv("KILN_ACCESS_KEY_ID");
  if (!id || !*id) return Status::Ok();
  const char* secret = std::getenv("KILN_SECRET_ACCESS_KEY");
  const char* account = std::getenv("KILN_ACCOUNT_ID");
  if (!secret || !*secret)
    return Status::Invalid("KILN_ACCESS_KEY_ID is set but KILN_SECRET_ACCESS_KEY is not");
  return Add(id, secret, account && *account ? account : "123456789012")
      .Prefixed("environment key");
}

const AccessKey* KeyTable::Find(const std::string& access_key_id) const {
  auto it = keys_.find(access_key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

Result<Caller> Authenticator::Authenticate(const HttpRequest& req, int64_t now_millis) const {
  sigv4::HttpRequestView view;
  view.method = req.method;
  view.target = req.target;
  view.body = req.body;
  view.headers.reserve(req.headers.size());  // one allocation, not one per doubling
  for (auto& [k, v] : req.headers) view.headers.emplace_back(k, v);

  auto lookup = [this](std::string_view id, std::string_view) -> Result<std::string> {
    const AccessKey* key = keys_.Find(std::string(id));
    if (!key) return Status::NotFound("unknown access key");
    return key->secret;
  };
  sigv4::VerifyOptions options;
  options.now_millis = now_millis;
  options.expected_service = "imagebuilder";
  auto verified = sigv4::Verify(view, lookup, options);
  if (!verified.ok()) {
    const Status& s = verified.status();
    return Status(Code::kUnauthenticated, s.message(), ApiErrorName(s.type()));
  }
  if (!IsRegion(verified->region)) {
    return Status(Code::kUnauthenticated,
                  "Credential should be scoped to a valid region, not '" +
                      verified->region.substr(0, 64) + "'.",
                  "InvalidSignatureException");
  }
  const AccessKey* key = keys_.Find(verified->access_key_id);
  if (!key) {  // Verify succeeded, so the lookup found it; defensive only
    return Status(Code::kUnauthenticated, "The security token included in the request is invalid.",
                  "UnrecognizedClientException");
  }
  return Caller{key->account_id, verified->region, verified->access_key_id};
}


}  // namespace kiln::api
