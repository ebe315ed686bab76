// The embedded Store on SQLite (one file, dir/kiln.db, in WAL mode).
//
// Concurrency: writes go through one writer connection behind a mutex, so
// they are serialised inside the process (and SQLite's file lock plus a busy
// timeout serialise them across processes). Reads use a small pool of
// read-only connections and run in parallel with each other and with the
// writer (WAL readers see the last committed state).
//
// Ownership: one process at a time opens a data directory (an flock on
// dir/kiln.lock, held while the store is open). That makes this process the
// only writer, so WriteGeneration() sees every change.
//
// Transactions: Transaction() holds the writer for the whole callback and
// records the owning thread; any Store call made on that thread while the
// transaction is open (on `tx` or on the store itself) runs on the
// transaction's connection and sees its writes. A nested Transaction() on
// the same thread becomes a SAVEPOINT: its failure rolls back only its own
// writes, and the error still propagates to the caller as usual.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/store.h"

namespace kiln::store::sqlite {

class SqliteStore : public Store {
 public:
  // Opens or creates `dir/kiln.db` and migrates it. `readers` is the size of
  // the read-connection pool.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& dir, int readers = 4);

  Status Insert(const Resource& r) override;
  Status Update(const Resource& r) override;
  Status CompareAndUpdate(const Resource& r, const std::string& expected_status) override;
  Result<Resource> Get(const std::string& arn) override;
  Status Delete(const std::string& arn) override;
  Result<ListPage> List(const ListQuery& q) override;
  Result<int64_t> Count(const ListQuery& q) override;
  Status Transaction(const std::function<Status(Store& tx)>& fn) override;
  Result<std::optional<std::string>> GetValue(const std::string& space,
                                              const std::string& key) override;
  Status PutValue(const std::string& space, const std::string& key,
                  const std::string& value) override;
  Status DeleteValue(const std::string& space, const std::string& key) override;
  Result<std::optional<Resource>> Claim(const std::string& kind, const std::string& from_status,
                                        const std::string& to_status) override;
  // Pins one pooled reader to this thread and keeps a read transaction
  // open on it across the reads `fn` makes (see Store::ReadSnapshot).
  Status ReadSnapshot(const std::function<Status()>& fn) override;
  std::optional<uint64_t> WriteGeneration() const override {
    return generation_.load(std::memory_order_acquire);
  }
  ~SqliteStore() override;

 private:
  SqliteStore() = default;

  bool InTransactionOnThisThread() const {
    return tx_owner_.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  // Runs `fn` on the writer connection (the open transaction's, when this
  // thread has one; otherwise under the writer lock).
  Status WithWriter(const std::function<Status(Connection&)>& fn);
  // Runs `fn` on a pooled reader (or on this thread's transaction, or on
  // this thread's read snapshot).
  Status WithReader(const std::function<Status(Connection&)>& fn);
  // Runs `fn` atomically on the writer: a SAVEPOINT inside an open
  // transaction, else BEGIN IMMEDIATE ... COMMIT.
  Status Atomically(const std::function<Status(Connection&)>& fn);

  // Moves the write generation on when the writer's committed changes grew
  // since the last call. Called only after a commit, under writer_mu_.
  void NoteCommitted();
  Status LockDataDir(const std::string& dir);

  int lock_fd_ = -1;  // the flock on dir/kiln.lock
  std::atomic<uint64_t> generation_{1};
  int64_t committed_changes_ = 0;  // sqlite3_total_changes64 at the last note

  std::unique_ptr<Connection> writer_;
  std::mutex writer_mu_;
  std::atomic<std::thread::id> tx_owner_{};
  int savepoint_depth_ = 0;  // only touched by the transaction's thread

  Connection* AcquireReader();
  void ReleaseReader(Connection* conn);
  // Ends this thread's open snapshot transaction before a write, so the
  // reads after the write see it.
  void EndSnapshotForWrite();

  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_readers_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
};

}  // namespace kiln::store::sqlite
