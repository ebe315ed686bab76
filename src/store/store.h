// The Store: Kiln's durable state (resources, idempotency records, the build
// queue), behind one interface so that the embedded SQLite backend
// (sqlite/) and a PostgreSQL backend (postgres/, later) are interchangeable.
// Operations and the engine only ever talk to this interface.
//
// Data model: one row per resource, keyed by its full ARN. The columns that
// operations look up, filter, sort and page on are typed fields; everything
// else lives in `doc`, the resource as the API returns it. A resource's
// `kind` is its ARN resource type ("component", "image-recipe",
// "container-recipe", "infrastructure-configuration",
// "distribution-configuration", "image", "image-pipeline", "workflow",
// "lifecycle-policy") or an internal kind ("workflow-execution",
// "workflow-step-execution", "build-job", ...).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::store {

using Json = nlohmann::json;

struct Resource {
  std::string arn;      // primary key
  std::string kind;     // see above
  std::string account;  // owning account id, or "aws" for Kiln-managed
  std::string region;
  std::string name;
  std::string version;  // "1.2.3", or "" for unversioned kinds
  int64_t build = 0;    // build number of versioned kinds, else 0
  std::string parent;   // e.g. the image ARN of a workflow execution; "" if none
  std::string status;   // kind-specific state (image status, job state); may be ""
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  Json doc = Json::object();
};

// Keyset-paginated listing. Results are ordered by (name, version as
// numbers, build, arn) ascending (descending when `descending`); `after` is
// the last row of the previous page and the next page starts strictly after
// it in that order.
struct ListQuery {
  std::string kind;                    // required
  std::vector<std::string> accounts;   // empty = any account
  std::string region;                  // "" = any region
  std::optional<std::string> name;     // exact name
  std::optional<std::string> name_prefix;
  std::optional<std::string> version;  // exact version "1.2.3"
  std::optional<std::string> parent;
  std::optional<std::string> status;
  std::optional<Resource> after;       // keyset cursor
  int limit = 25;                      // rows to return (>= 1)
  // Newest first: the latest version and build of a name come first, so
  // resolving ".../x.x.x" reads one row instead of every version.
  bool descending = false;
};

struct ListPage {
  std::vector<Resource> items;
  bool more = false;  // true when rows exist after the last item
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts a new resource. AlreadyExists when the ARN is taken.
  virtual Status Insert(const Resource& r) = 0;
  // Replaces an existing resource (same ARN). NotFound when absent.
  virtual Status Update(const Resource& r) = 0;
  // Replaces `r` only if its stored `status` equals `expected_status`;
  // FailedPrecondition otherwise. The build queue and image state machine
  // use this to make state changes race-free across workers.
  virtual Status CompareAndUpdate(const Resource& r, const std::string& expected_status) = 0;
  virtual Result<Resource> Get(const std::string& arn) = 0;
  // NotFound when absent.
  virtual Status Delete(const std::string& arn) = 0;
  virtual Result<ListPage> List(const ListQuery& q) = 0;
  // Number of rows matching the query (limit and cursor ignored).
  virtual Result<int64_t> Count(const ListQuery& q) = 0;

  // Runs `fn` atomically: every call `fn` makes on `tx` commits together or
  // not at all (when fn returns an error). Calls on `tx` see the
  // transaction's own writes.
  virtual Status Transaction(const std::function<Status(Store& tx)>& fn) = 0;

  // Runs `fn` with the reads this thread makes through the store meanwhile
  // grouped into one read transaction: they see one consistent snapshot,
  // and a backend pays its per-transaction cost (locks, snapshot setup) once
  // instead of per query. A write made meanwhile ends the snapshot, so later
  // reads in `fn` see it. Nested calls just run `fn`. The API wraps Get*
  // and List* operations in it. Default: runs `fn` as is.
  virtual Status ReadSnapshot(const std::function<Status()>& fn) { return fn(); }

  // A counter that moves after every committed write that changed
  // something, read before a computation whose result is then valid for as
  // long as the counter has not moved. nullopt when the backend cannot
  // know of every write (e.g. several servers sharing one database): then
  // nothing read from it may be cached. The API's response cache uses it.
  virtual std::optional<uint64_t> WriteGeneration() const { return std::nullopt; }

  // Small keyed records outside the resource table: idempotency tokens,
  // pagination secrets, schema metadata. `space` names the use.
  virtual Result<std::optional<std::string>> GetValue(const std::string& space,
                                                      const std::string& key) = 0;
  virtual Status PutValue(const std::string& space, const std::string& key,
                          const std::string& value) = 0;
  virtual Status DeleteValue(const std::string& space, const std::string& key) = 0;

  // Atomically picks the oldest resource of `kind` whose status is
  // `from_status`, sets it to `to_status` and returns it; nullopt when there
  // is none. This is the build queue's dequeue.
  virtual Result<std::optional<Resource>> Claim(const std::string& kind,
                                                const std::string& from_status,
                                                const std::string& to_status) = 0;
};

// Opens (creating and migrating as needed) the embedded SQLite store in
// `dir` (file `dir/kiln.db`, WAL mode).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir);

// Sortable form of a semantic version for the `version` ordering:
// "1.10.2" -> "0000000001.0000000010.0000000002". Non-numeric input is
// returned unchanged.
std::string VersionSortKey(const std::string& version);

}  // namespace kiln::store
