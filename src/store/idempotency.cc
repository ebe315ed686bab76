#include "store/idempotency.h"

#include "common/hash.h"

namespace kiln::store {

Result<Json> WithClientToken(Store& store, const std::string& scope, const std::string& token,
                             const Json& request, const std::function<Result<Json>(Store&)>& run) {
  if (token.empty()) {
    Json out;
    KILN_RETURN_IF_ERROR(store.Transaction([&](Store& tx) -> Status {
      KILN_ASSIGN_OR_RETURN(out, run(tx));
      return Status::Ok();
    }));
    return out;
  }
  const std::string key = scope + "\n" + token;
  const std::string fingerprint = HexEncode(Sha256(request.dump()));
  Json out;
  KILN_RETURN_IF_ERROR(store.Transaction([&](Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto seen, tx.GetValue("client-token", key));
    if (seen) {
      Json record = Json::parse(*seen, nullptr, false);
      if (!record.is_object() || record.value("fingerprint", "") != fingerprint) {
        return Status::Invalid("The client token '" + token +
                               "' was already used with a different request")
            .WithType("IdempotentParameterMismatchException");
      }
      out = record["response"];
      return Status::Ok();
    }
    KILN_ASSIGN_OR_RETURN(out, run(tx));
    Json record = {{"fingerprint", fingerprint}, {"response", out}};
    return tx.PutValue("client-token", key, record.dump());
  }));
  return out;
}

}  // namespace kiln::store
