#include "store/paging.h"

#include "common/hash.h"

namespace kiln::store {
namespace {

Status BadToken() {
  return Status::Invalid("The nextToken is not valid for this request")
      .WithType("InvalidPaginationTokenException");
}

std::string Fingerprint(const Json& query) { return HexEncode(Sha256(query.dump())).substr(0, 16); }

}  // namespace

Result<std::string> PageSecret(Store& store) {
  KILN_ASSIGN_OR_RETURN(auto existing, store.GetValue("server", "page-secret"));
  if (existing) return *existing;
  std::string secret = RandomHex(32);
  KILN_RETURN_IF_ERROR(store.PutValue("server", "page-secret", secret));
  // Another process may have raced us; whichever value stuck is the secret.
  KILN_ASSIGN_OR_RETURN(auto stored, store.GetValue("server", "page-secret"));
  return stored.value_or(secret);
}

std::string EncodePageToken(const Resource& last, const Json& query, const std::string& secret) {
  Json cursor = {{"n", last.name}, {"v", last.version}, {"b", last.build},
                 {"a", last.arn},  {"q", Fingerprint(query)}};
  std::string payload = Base64UrlEncode(cursor.dump());
  return payload + "." + Base64UrlEncode(HmacSha256(secret, payload));
}

Result<Resource> DecodePageToken(const std::string& token, const Json& query,
                                 const std::string& secret) {
  size_t dot = token.find('.');
  if (dot == std::string::npos) return BadToken();
  std::string payload = token.substr(0, dot);
  if (Base64UrlEncode(HmacSha256(secret, payload)) != token.substr(dot + 1)) return BadToken();
  auto raw = Base64UrlDecode(payload);
  if (!raw.ok()) return BadToken();
  Json cursor = Json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (!cursor.is_object() || cursor.value("q", "") != Fingerprint(query)) return BadToken();
  Resource r;
  try {
    r.name = cursor.at("n").get<std::string>();
    r.version = cursor.at("v").get<std::string>();
    r.build = cursor.at("b").get<int64_t>();
    r.arn = cursor.at("a").get<std::string>();
  } catch (const Json::exception&) {
    return BadToken();
  }
  return r;
}

Status ForEachResource(Store& store, ListQuery q, const std::function<Status(const Resource&)>& fn) {
  while (true) {
    KILN_ASSIGN_OR_RETURN(auto page, store.List(q));
    for (const auto& r : page.items) KILN_RETURN_IF_ERROR(fn(r));
    if (!page.more || page.items.empty()) return Status::Ok();
    q.after = page.items.back();
  }
}

}  // namespace kiln::store
