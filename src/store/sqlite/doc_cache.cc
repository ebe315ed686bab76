#include "store/sqlite/doc_cache.h"

namespace kiln::store::sqlite {

nlohmann::json DocCache::Parse(std::string_view arn, std::string_view text) {
  std::string key(arn);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.text == text) return it->second.doc;
  nlohmann::json doc = decoder_.Decode(text);
  // Large documents are not worth keeping twice (text and tree).
  if (text.size() > 64 * 1024) return doc;
  if (it == entries_.end()) {
    // First read of this row lately: remember it, cache it next time.
    uint64_t h = std::hash<std::string_view>{}(arn) | 1;  // 0 marks "empty"
    uint64_t& slot = seen_[h % seen_.size()];
    if (slot != h) {
      slot = h;
      return doc;
    }
  }
  if (it != entries_.end()) {
    it->second.text.assign(text);
    it->second.doc = doc;
    return doc;
  }
  // Full: drop an arbitrary entry. Hot rows come back after one parse, and
  // this keeps the cache free of per-hit bookkeeping.
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.emplace(std::move(key), Entry{std::string(text), doc});
  return doc;
}

}  // namespace kiln::store::sqlite
