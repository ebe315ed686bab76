// Parsed `doc` columns of recently read rows, per connection.
//
// Decoding a resource's JSON document was the largest single cost of Get and
// List (10-25 us for a 1 KB component with nlohmann's parser, about 5 us with
// DocDecoder; copying an already parsed tree is 1.5-3.5 us). The cache is keyed by ARN and a hit requires the stored text
// to be byte-identical to the cached text, so a row changed by this or any
// other process is simply parsed again: the cache can never return stale
// content. A row is only cached the second time it is read recently (a
// small table of ARN hashes remembers first reads), so scans over cold rows
// of a big store do not pay for copying every document into the cache.
// Not thread-safe: each Connection (used by one thread at a time) owns one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "store/sqlite/doc_decode.h"

namespace kiln::store::sqlite {

class DocCache {
 public:
  explicit DocCache(size_t capacity = 4096) : capacity_(capacity) {}

  // The parsed document `text` of the row `arn`; an invalid document parses
  // to an empty object (as ReadRow always did).
  nlohmann::json Parse(std::string_view arn, std::string_view text);

 private:
  struct Entry {
    std::string text;
    nlohmann::json doc;
  };
  size_t capacity_;
  DocDecoder decoder_;
  std::unordered_map<std::string, Entry> entries_;
  // Hashes of ARNs read once recently, direct-mapped (collisions only make
  // a row wait for one more read before it is cached).
  std::array<uint64_t, 8192> seen_{};
};

}  // namespace kiln::store::sqlite
