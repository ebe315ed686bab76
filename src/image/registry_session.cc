#include "image/registry_session.h"

#include <stdlib.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "common/hash.h"
#include "common/time.h"

namespace kiln::image {
namespace {

using Json = nlohmann::json;

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

std::string PercentEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::string> Base64Decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) return Status::Invalid("not base64");
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; i--) pad++;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// Registry names as Docker config files spell them, reduced to host[:port],
// with Docker Hub's aliases folded into one.
std::string AuthKeyHost(std::string key) {
  if (auto p = key.find("://"); p != std::string::npos) key = key.substr(p + 3);
  key = key.substr(0, key.find('/'));
  if (key == "docker.io" || key == "index.docker.io") return "registry-1.docker.io";
  return key;
}

// The auth-params of a WWW-Authenticate challenge: `Bearer realm="x",service="y"`.
std::map<std::string, std::string> ChallengeParams(const std::string& header, std::string* scheme) {
  std::map<std::string, std::string> params;
  size_t sp = header.find(' ');
  *scheme = header.substr(0, sp);
  for (char& c : *scheme) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  size_t i = sp == std::string::npos ? header.size() : sp + 1;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) i++;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    for (char& c : key) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      for (i++; i < header.size() && header[i] != '"'; i++) {
        if (header[i] == '\\' && i + 1 < header.size()) i++;
        value += header[i];
      }
      i++;
    } else {
      size_t end = header.find(',', i);
      value = header.substr(i, end - i);
      i = end == std::string::npos ? header.size() : end;
    }
    params[key] = value;
  }
  return params;
}

}  // namespace

bool IsInsecureRegistry(const std::string& registry, const RegistryOptions& options) {
  std::vector<std::string> list = options.insecure_registries;
  std::stringstream env(Env("KILN_INSECURE_REGISTRIES"));
  std::string item;
  while (std::getline(env, item, ',')) {
    while (!item.empty() && item.back() == ' ') item.pop_back();
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    if (!item.empty()) list.push_back(item);
  }
  for (const auto& r : list) {
    if (r == registry) return true;
  }
  return false;
}

Result<std::optional<RegistryCredentials>> FindCredentials(const std::string& registry,
                                                           const RegistryOptions& options) {
  if (options.credentials) return options.credentials;
  if (!Env("KILN_REGISTRY_USERNAME").empty()) {
    return std::optional<RegistryCredentials>(
        RegistryCredentials{Env("KILN_REGISTRY_USERNAME"), Env("KILN_REGISTRY_PASSWORD")});
  }
  std::string file = options.auth_file;
  if (file.empty()) file = Env("REGISTRY_AUTH_FILE");
  if (file.empty() && !Env("DOCKER_CONFIG").empty()) file = Env("DOCKER_CONFIG") + "/config.json";
  if (file.empty() && !Env("HOME").empty()) file = Env("HOME") + "/.docker/config.json";
  std::ifstream in(file);
  if (file.empty() || !in) return std::optional<RegistryCredentials>();
  try {
    Json config = Json::parse(in);
    const Json auths = config.value("auths", Json::object());
    for (const auto& [key, entry] : auths.items()) {
      if (AuthKeyHost(key) != registry) continue;
      if (entry.contains("username")) {
        return std::optional<RegistryCredentials>(
            RegistryCredentials{entry.value("username", ""), entry.value("password", "")});
      }
      std::string auth = entry.value("auth", "");
      if (auth.empty()) continue;  // e.g. only an identitytoken: not supported
      auto decoded = Base64Decode(auth);
      size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        return Status::Invalid(file + ": auths." + key + ".auth is not base64 of \"user:password\"");
      }
      return std::optional<RegistryCredentials>(
          RegistryCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)});
    }
  } catch (const std::exception& e) {
    return Status::Invalid(file + ": not a Docker config file: " + e.what());
  }
  return std::optional<RegistryCredentials>();
}

std::string RegistryError(const http::Response& response) {
  std::string what = "HTTP " + std::to_string(response.status);
  try {
    Json body = Json::parse(response.body);
    std::string detail;
    for (const auto& e : body.at("errors")) {
      if (!detail.empty()) detail += "; ";
      detail += e.value("code", "") + ": " + e.value("message", "");
    }
    if (!detail.empty()) return what + " (" + detail + ")";
  } catch (const std::exception&) {
  }
  std::string text = response.body.substr(0, 200);
  return text.empty() ? what : what + " (" + text + ")";
}

RegistrySession::RegistrySession(const ImageReference& ref, const RegistryOptions& options, bool push)
    : ref_(ref), options_(options), push_(push) {
  scheme_ = IsInsecureRegistry(ref.registry, options) ? "http" : "https";
  origin_ = scheme_ + "://" + ref.registry;
  base_ = origin_ + "/v2/" + ref.repository;
}

http::Options RegistrySession::HttpOptions(int64_t timeout_ms) const {
  http::Options o;
  o.deadline_ms = MonotonicMillis() + timeout_ms;
  o.cancelled = options_.cancelled;
  return o;
}

Result<http::Response> RegistrySession::Send(http::Request request, int64_t timeout_ms,
                                             const std::string& output_file, uint64_t max_body_bytes) {
  bool on_registry = request.url.rfind(origin_ + "/", 0) == 0;
  for (int attempt = 0;; attempt++) {
    http::Request r = request;
    if (on_registry && !authorization_.empty()) r.headers.emplace_back("Authorization", authorization_);
    http::Options o = HttpOptions(timeout_ms);
    o.output_file = output_file;
    o.max_body_bytes = max_body_bytes;
    auto resp = http::Send(r, o);
    if (!resp.ok()) {
      Status s = resp.status();
      if (scheme_ == "https" && s.message().find("TLS handshake") != std::string::npos) {
        s = Status(s.code(), s.message() + " (if " + ref_.registry +
                                 " serves plain http, mark it insecure: KILN_INSECURE_REGISTRIES=" + ref_.registry + " or --insecure)");
      }
      return s.Prefixed("registry " + ref_.registry);
    }
    if (resp->status != 401 || !on_registry || attempt > 0) return resp;
    KILN_RETURN_IF_ERROR(Authenticate(resp->Get("www-authenticate")));
  }
}

Status RegistrySession::Authenticate(const std::string& challenge) {
  std::string where = "registry " + ref_.registry + " (" + ref_.ToString() + ")";
  std::string scheme;
  auto params = ChallengeParams(challenge, &scheme);
  KILN_ASSIGN_OR_RETURN(auto creds, FindCredentials(ref_.registry, options_));
  std::string basic = creds ? "Basic " + Base64Encode(creds->username + ":" + creds->password) : "";
  if (scheme == "basic") {
    if (!creds) {
      return Status::Unauthenticated(where + " requires credentials: set KILN_REGISTRY_USERNAME and "
                                     "KILN_REGISTRY_PASSWORD, or log in (~/.docker/config.json)");
    }
    if (authorization_ == basic) return Status::Unauthenticated(where + ": the credentials were refused");
    authorization_ = basic;
    return Status::Ok();
  }
  if (scheme != "bearer" || params["realm"].empty()) {
    return Status::Unauthenticated(where + ": unsupported authentication challenge '" + challenge + "'");
  }
  auto realm = http::Url::Parse(params["realm"]);
  if (!realm.ok()) return realm.status().Prefixed(where + ": token realm");
  if (creds && realm->scheme == "http" && !IsInsecureRegistry(realm->HostHeader(), options_)) {
    return Status::PermissionDenied(where + ": refusing to send credentials to the plain-http token service " +
                                    params["realm"]);
  }
  std::string scope = "repository:" + ref_.repository + (push_ ? ":pull,push" : ":pull");
  std::string url = params["realm"] + (params["realm"].find('?') == std::string::npos ? "?" : "&") +
                    "scope=" + PercentEncode(scope);
  if (!params["service"].empty()) url += "&service=" + PercentEncode(params["service"]);
  http::Request token_request;
  token_request.url = url;
  if (creds) token_request.headers.emplace_back("Authorization", basic);
  http::Options o = HttpOptions(options_.request_timeout_ms);
  o.max_body_bytes = 1 << 20;
  auto resp = http::Send(token_request, o);
  if (!resp.ok()) return resp.status().Prefixed(where + ": token service");
  if (resp->status == 401 || resp->status == 403) {
    return Status::Unauthenticated(where + ": the token service refused " +
                                   (creds ? "the credentials" : "anonymous access") + ": " + RegistryError(*resp));
  }
  if (resp->status != 200) return Status::IOError(where + ": token service: " + RegistryError(*resp));
  std::string token;
  try {
    Json body = Json::parse(resp->body);
    token = body.value("token", "");
    if (token.empty()) token = body.value("access_token", "");
  } catch (const std::exception& e) {
    return Status::IOError(where + ": token service answered non-JSON: " + e.what());
  }
  if (token.empty()) return Status::IOError(where + ": token service answered without a token");
  std::string bearer = "Bearer " + token;
  if (bearer == authorization_) {
    return Status::Unauthenticated(where + ": access denied" +
                                   (creds ? "" : " (no credentials found; set KILN_REGISTRY_USERNAME/PASSWORD)"));
  }
  authorization_ = bearer;
  return Status::Ok();
}

}  // namespace kiln::image
