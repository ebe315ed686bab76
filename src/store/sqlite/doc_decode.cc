#include "store/sqlite/doc_decode.h"

#include <cstdint>
#include <string>

#include <simdjson.h>

namespace kiln::store::sqlite {
namespace {

using Json = nlohmann::json;

// Builds the nlohmann tree of a simdjson DOM element (recursion depth is
// bounded by simdjson's own nesting limit).
Json ToJson(simdjson::dom::element e) {
  using Type = simdjson::dom::element_type;
  switch (e.type()) {
    case Type::OBJECT: {
      Json out = Json::object();
      auto& members = out.get_ref<Json::object_t&>();
      for (auto field : simdjson::dom::object(e)) {
        // Dumped documents list keys in order, so the end is the right hint;
        // assigning (not emplacing) makes the last duplicate key win.
        auto it = members.try_emplace(members.end(), std::string(field.key));
        it->second = ToJson(field.value);
      }
      return out;
    }
    case Type::ARRAY: {
      Json out = Json::array();
      auto& items = out.get_ref<Json::array_t&>();
      for (auto item : simdjson::dom::array(e)) items.push_back(ToJson(item));
      return out;
    }
    case Type::STRING:
      return Json(std::string(std::string_view(e)));
    case Type::INT64: {
      int64_t v = int64_t(e);
      // nlohmann parses every non-negative integer as unsigned.
      if (v >= 0) return Json(static_cast<uint64_t>(v));
      return Json(v);
    }
    case Type::UINT64:
      return Json(uint64_t(e));
    case Type::DOUBLE:
      return Json(double(e));
    case Type::BOOL:
      return Json(bool(e));
    case Type::NULL_VALUE:
      return Json(nullptr);
  }
  return Json(nullptr);
}

}  // namespace

DocDecoder::DocDecoder() : parser_(std::make_unique<simdjson::dom::parser>()) {}
DocDecoder::~DocDecoder() = default;

Json DocDecoder::Decode(std::string_view text) {
  simdjson::dom::element root;
  // SQLite's buffer has no padding after the text: let simdjson copy it.
  if (parser_->parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root) ==
      simdjson::SUCCESS) {
    return ToJson(root);
  }
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) doc = Json::object();
  return doc;
}

}  // namespace kiln::store::sqlite
