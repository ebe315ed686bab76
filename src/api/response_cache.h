// Answers repeated reads from memory while the store has not changed.
//
// Read operations whose answer depends only on the stored state, the
// caller's account and region, and the input (GetComponent, ListComponents,
// GetImage, ...: see IsCacheable) keep their serialised 200 response keyed by
// those. An entry is valid only for the store write generation it was
// computed at (Store::WriteGeneration): any committed change makes every
// entry stale, so a hit is byte-for-byte what the handler would answer now,
// apart from the per-request requestId, which is patched in.
//
// Why: the handler path (store snapshot, document decoding, JSON building
// and serialisation) costs several times the HTTP exchange itself, and
// control-plane traffic is mostly the same reads polled again and again
// (CLIs and SDK waiters polling GetImage, consoles listing). Kubernetes'
// API server serves reads from a watch cache for the same reason.
//
// Memory is bounded by `max_bytes`; when full, or when the generation
// moves, the cache starts over (simple, and a write makes it all stale
// anyway). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kiln::api {

class ResponseCache {
 public:
  explicit ResponseCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // True for the operations whose answers may be cached (see above).
  static bool IsCacheable(std::string_view operation);

  // The cached body for `key` if it was stored at `generation`, with its
  // requestId replaced by `request_id`; nullopt otherwise.
  std::optional<std::string> Find(const std::string& key, uint64_t generation,
                                  const std::string& request_id);
  // Keeps `body`, computed at `generation` (read before the handler ran)
  // for a request whose id was `request_id`.
  void Insert(const std::string& key, uint64_t generation, const std::string& body,
              const std::string& request_id);

  size_t bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string body;
    size_t request_id_at = std::string::npos;  // offset of the id in body
    size_t request_id_size = 0;
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // of every entry in map_
  size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> map_;
};

}  // namespace kiln::api
