// Decoding a stored `doc` column (JSON text) into an nlohmann::json tree.
//
// nlohmann's own parser scans text one character at a time (about 25 us for
// a 1 KB component document on the shared bench machine); simdjson parses
// the same text in well under a microsecond, and turning its DOM into an
// nlohmann tree costs about as much as copying a tree (see
// bench/store_scale.md). Random Gets and deep List pages of a big store
// miss the parsed-document cache, so this is their largest single cost.
//
// The result is the tree nlohmann::json::parse would build: the same number
// types (non-negative integers unsigned, negative ones signed, anything with
// a fraction or exponent a double), the last of duplicate keys wins. Text
// simdjson refuses (invalid JSON or UTF-8, integers beyond 64 bits, nesting
// deeper than 1024) goes to nlohmann's parser, so errors behave as before.
// Not thread-safe: each DocCache (one per Connection) owns a DocDecoder.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace kiln::store::sqlite {

class DocDecoder {
 public:
  DocDecoder();
  ~DocDecoder();
  DocDecoder(const DocDecoder&) = delete;
  DocDecoder& operator=(const DocDecoder&) = delete;

  // The document `text`; invalid JSON decodes to an empty object (as the
  // store always read unreadable rows).
  nlohmann::json Decode(std::string_view text);

 private:
  // Keeps its buffers between documents (simdjson.h stays out of this
  // header: it is large and connection.h includes this one).
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace kiln::store::sqlite
