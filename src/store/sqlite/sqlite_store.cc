#include "store/sqlite/sqlite_store.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/time.h"
#include "store/sqlite/list_query.h"
#include "store/sqlite/schema.h"

namespace kiln::store {

std::string VersionSortKey(const std::string& version) {
  // Each numeric node becomes 10 zero-padded digits so that text order is
  // numeric order ("1.10.0" after "1.9.0"). Anything else is kept as is.
  if (version.empty()) return version;
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = version.find('.', start);
    std::string node = version.substr(start, dot == std::string::npos ? std::string::npos
                                                                       : dot - start);
    if (node.empty() || node.size() > 10) return version;
    for (char c : node) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return version;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%010lld", std::stoll(node));
    if (!out.empty()) out += '.';
    out += buf;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir) {
  KILN_ASSIGN_OR_RETURN(auto s, sqlite::SqliteStore::Open(dir));
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace kiln::store

namespace kiln::store::sqlite {
namespace {

constexpr const char* kColumns =
    "arn, kind, account, region, name, version, build, parent, status, created_ms, updated_ms, "
    "doc";

// `c` is the connection `st` runs on (its document cache decodes doc).
Resource ReadRow(const Statement& st, Connection& c) {
  Resource r;
  r.arn = st.Text(0);
  r.kind = st.Text(1);
  r.account = st.Text(2);
  r.region = st.Text(3);
  r.name = st.Text(4);
  r.version = st.Text(5);
  r.build = st.Int(6);
  r.parent = st.Text(7);
  r.status = st.Text(8);
  r.created_ms = st.Int(9);
  r.updated_ms = st.Int(10);
  r.doc = c.doc_cache().Parse(r.arn, st.TextView(11));
  return r;
}

// Binds every column of `r` in kColumns order (plus version_key) starting
// at 1: arn..doc, then version_key as 13.
void BindRow(Statement& st, const Resource& r) {
  st.Bind(1, r.arn);
  st.Bind(2, r.kind);
  st.Bind(3, r.account);
  st.Bind(4, r.region);
  st.Bind(5, r.name);
  st.Bind(6, r.version);
  st.Bind(7, r.build);
  st.Bind(8, r.parent);
  st.Bind(9, r.status);
  st.Bind(10, r.created_ms);
  st.Bind(11, r.updated_ms);
  st.Bind(12, r.doc.dump());
  st.Bind(13, VersionSortKey(r.version));
}

// This thread's ReadSnapshot, if one is running: the store it belongs to,
// the pinned reader and whether a read transaction is open on it.
struct Snapshot {
  const void* store = nullptr;
  Connection* conn = nullptr;
  bool open = false;
};
thread_local Snapshot t_snapshot;

Status CheckResource(const Resource& r) {
  if (r.arn.empty()) return Status::Invalid("store: a resource needs an ARN");
  if (r.kind.empty()) return Status::Invalid("store: resource " + r.arn + " has no kind");
  return Status::Ok();
}

// Binds `bindings` to ?1, ?2, ... of `st`.
void BindAll(Statement& st, const std::vector<Binding>& bindings) {
  int i = 1;
  for (const auto& b : bindings) {
    if (b.is_number) {
      st.Bind(i++, b.number);
    } else {
      st.Bind(i++, b.text);
    }
  }
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& dir, int readers) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data directory " + dir + ": " + ec.message());
  const std::string path = dir + "/kiln.db";
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  KILN_RETURN_IF_ERROR(store->LockDataDir(dir));
  KILN_ASSIGN_OR_RETURN(store->writer_, Connection::Open(path, /*read_only=*/false));
  KILN_RETURN_IF_ERROR(Migrate(*store->writer_));
  for (int i = 0; i < std::max(1, readers); ++i) {
    KILN_ASSIGN_OR_RETURN(auto reader, Connection::Open(path, /*read_only=*/true));
    store->free_readers_.push_back(reader.get());
    store->readers_.push_back(std::move(reader));
  }
  return store;
}

SqliteStore::~SqliteStore() {
  readers_.clear();
  writer_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

// One process per data directory: a second `kiln serve` on the same
// directory would run builds twice and make cached reads stale.
Status SqliteStore::LockDataDir(const std::string& dir) {
  const std::string path = dir + "/kiln.lock";
  lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char owner[32] = {0};
    ssize_t n = pread(lock_fd_, owner, sizeof owner - 1, 0);
    std::string pid = n > 0 ? std::string(owner, size_t(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Status::FailedPrecondition("data directory " + dir +
                                      " is in use by another Kiln process" +
                                      (pid.empty() ? "" : " (pid " + pid + ")"));
  }
  std::string me = std::to_string(getpid()) + "\n";
  if (ftruncate(lock_fd_, 0) == 0) (void)!pwrite(lock_fd_, me.data(), me.size(), 0);
  return Status::Ok();
}

void SqliteStore::NoteCommitted() {
  int64_t total = sqlite3_total_changes64(writer_->handle());
  if (total != committed_changes_) {
    committed_changes_ = total;
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
}

Status SqliteStore::WithWriter(const std::function<Status(Connection&)>& fn) {
  if (InTransactionOnThisThread()) return fn(*writer_);
  EndSnapshotForWrite();
  std::lock_guard<std::mutex> lock(writer_mu_);
  Status s = fn(*writer_);  // autocommit: committed when fn returns
  NoteCommitted();
  return s;
}

Connection* SqliteStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  pool_cv_.wait(lock, [&] { return !free_readers_.empty(); });
  Connection* conn = free_readers_.back();
  free_readers_.pop_back();
  return conn;
}

void SqliteStore::ReleaseReader(Connection* conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    free_readers_.push_back(conn);
  }
  pool_cv_.notify_one();
}

void SqliteStore::EndSnapshotForWrite() {
  if (t_snapshot.store != this || !t_snapshot.open) return;
  (void)t_snapshot.conn->Run("COMMIT");  // read-only: nothing to lose
  t_snapshot.open = false;
}

Status SqliteStore::WithReader(const std::function<Status(Connection&)>& fn) {
  if (InTransactionOnThisThread()) return fn(*writer_);
  if (t_snapshot.store == this) {
    if (!t_snapshot.open) {
      KILN_RETURN_IF_ERROR(t_snapshot.conn->Run("BEGIN"));
      t_snapshot.open = true;
    }
    return fn(*t_snapshot.conn);
  }
  Connection* conn = AcquireReader();
  Status s = fn(*conn);
  ReleaseReader(conn);
  return s;
}

Status SqliteStore::ReadSnapshot(const std::function<Status()>& fn) {
  if (InTransactionOnThisThread() || t_snapshot.store != nullptr) return fn();
  // Undone on every exit, an exception from `fn` included.
  struct Pin {
    SqliteStore* store;
    explicit Pin(SqliteStore* s) : store(s) { t_snapshot = Snapshot{s, s->AcquireReader(), false}; }
    ~Pin() {
      if (t_snapshot.open) (void)t_snapshot.conn->Run("COMMIT");
      store->ReleaseReader(t_snapshot.conn);
      t_snapshot = Snapshot{};
    }
  } pin(this);
  return fn();
}

Status SqliteStore::Atomically(const std::function<Status(Connection&)>& fn) {
  return Transaction([&](Store&) { return fn(*writer_); });
}

Status SqliteStore::Transaction(const std::function<Status(Store& tx)>& fn) {
  if (InTransactionOnThisThread()) {
    // Nested: a savepoint, so a failing inner step undoes only its writes.
    const std::string sp = "sp" + std::to_string(++savepoint_depth_);
    Status s = writer_->Exec("SAVEPOINT " + sp);
    if (s.ok()) {
      s = fn(*this);
      if (!s.ok()) (void)writer_->Exec("ROLLBACK TO " + sp);
      Status released = writer_->Exec("RELEASE " + sp);
      if (s.ok()) s = released;
    }
    --savepoint_depth_;
    return s;
  }
  EndSnapshotForWrite();
  std::lock_guard<std::mutex> lock(writer_mu_);
  // IMMEDIATE takes the file's write lock up front, so a transaction never
  // fails half-way because another process started writing.
  KILN_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
  tx_owner_.store(std::this_thread::get_id(), std::memory_order_release);
  Status s = fn(*this);
  if (s.ok()) {
    s = writer_->Exec("COMMIT");
    if (!s.ok()) (void)writer_->Exec("ROLLBACK");
  } else {
    (void)writer_->Exec("ROLLBACK");
  }
  NoteCommitted();  // a rollback moves the counter too: harmless
  tx_owner_.store(std::thread::id(), std::memory_order_release);
  return s;
}

Status SqliteStore::Insert(const Resource& r) {
  KILN_RETURN_IF_ERROR(CheckResource(r));
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw,
                          c.Prepare(std::string("INSERT INTO resources (") + kColumns +
                                    ", version_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    Statement st(raw);
    BindRow(st, r);
    Status s = st.Run();
    if (s.code() == Code::kAlreadyExists) {
      return Status::AlreadyExists("The following resource already exists: " + r.arn);
    }
    return s;
  });
}

Status SqliteStore::Update(const Resource& r) {
  KILN_RETURN_IF_ERROR(CheckResource(r));
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(
        auto* raw, c.Prepare("UPDATE resources SET kind=?2, account=?3, region=?4, name=?5, "
                             "version=?6, build=?7, parent=?8, status=?9, created_ms=?10, "
                             "updated_ms=?11, doc=?12, version_key=?13 WHERE arn=?1"));
    Statement st(raw);
    BindRow(st, r);
    KILN_RETURN_IF_ERROR(st.Run());
    if (c.Changes() == 0) return Status::NotFound("resource not found: " + r.arn);
    return Status::Ok();
  });
}

Status SqliteStore::CompareAndUpdate(const Resource& r, const std::string& expected_status) {
  KILN_RETURN_IF_ERROR(CheckResource(r));
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(
        auto* raw, c.Prepare("UPDATE resources SET kind=?2, account=?3, region=?4, name=?5, "
                             "version=?6, build=?7, parent=?8, status=?9, created_ms=?10, "
                             "updated_ms=?11, doc=?12, version_key=?13 "
                             "WHERE arn=?1 AND status=?14"));
    Statement st(raw);
    BindRow(st, r);
    st.Bind(14, expected_status);
    KILN_RETURN_IF_ERROR(st.Run());
    if (c.Changes() == 0) {
      return Status::FailedPrecondition("resource " + r.arn + " is not in status '" +
                                        expected_status + "' (or does not exist)");
    }
    return Status::Ok();
  });
}

Result<Resource> SqliteStore::Get(const std::string& arn) {
  std::optional<Resource> found;
  KILN_RETURN_IF_ERROR(WithReader([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw, c.Prepare(std::string("SELECT ") + kColumns +
                                               " FROM resources WHERE arn = ?"));
    Statement st(raw);
    st.Bind(1, arn);
    KILN_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) found = ReadRow(st, c);
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("resource not found: " + arn);
  return std::move(*found);
}

Status SqliteStore::Delete(const std::string& arn) {
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw, c.Prepare("DELETE FROM resources WHERE arn = ?"));
    Statement st(raw);
    st.Bind(1, arn);
    KILN_RETURN_IF_ERROR(st.Run());
    if (c.Changes() == 0) return Status::NotFound("resource not found: " + arn);
    return Status::Ok();
  });
}

Result<ListPage> SqliteStore::List(const ListQuery& q) {
  if (q.kind.empty()) return Status::Invalid("store: a list query needs a kind");
  if (q.limit < 1) return Status::Invalid("store: a list query needs a limit >= 1");
  ListStatement sql = ListSql(q, kColumns);
  ListPage page;
  if (sql.empty) return page;
  KILN_RETURN_IF_ERROR(WithReader([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw, c.Prepare(sql.sql));
    Statement st(raw);
    BindAll(st, sql.bindings);
    while (true) {
      KILN_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      // The extra row asked for tells whether another page exists.
      if (static_cast<int>(page.items.size()) == q.limit) {
        page.more = true;
        break;
      }
      page.items.push_back(ReadRow(st, c));
    }
    return Status::Ok();
  }));
  return page;
}

Result<int64_t> SqliteStore::Count(const ListQuery& q) {
  if (q.kind.empty()) return Status::Invalid("store: a count query needs a kind");
  ListStatement sql = CountSql(q);
  int64_t n = 0;
  KILN_RETURN_IF_ERROR(WithReader([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw, c.Prepare(sql.sql));
    Statement st(raw);
    BindAll(st, sql.bindings);
    KILN_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) n = st.Int(0);
    return Status::Ok();
  }));
  return n;
}

Result<std::optional<std::string>> SqliteStore::GetValue(const std::string& space,
                                                         const std::string& key) {
  std::optional<std::string> value;
  KILN_RETURN_IF_ERROR(WithReader([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw,
                          c.Prepare("SELECT value FROM kv WHERE space = ? AND key = ?"));
    Statement st(raw);
    st.Bind(1, space);
    st.Bind(2, key);
    KILN_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) value = st.Text(0);
    return Status::Ok();
  }));
  return value;
}

Status SqliteStore::PutValue(const std::string& space, const std::string& key,
                             const std::string& value) {
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(
        auto* raw, c.Prepare("INSERT INTO kv (space, key, value) VALUES (?, ?, ?) "
                             "ON CONFLICT (space, key) DO UPDATE SET value = excluded.value"));
    Statement st(raw);
    st.Bind(1, space);
    st.Bind(2, key);
    st.Bind(3, value);
    return st.Run();
  });
}

Status SqliteStore::DeleteValue(const std::string& space, const std::string& key) {
  return WithWriter([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(auto* raw, c.Prepare("DELETE FROM kv WHERE space = ? AND key = ?"));
    Statement st(raw);
    st.Bind(1, space);
    st.Bind(2, key);
    return st.Run();
  });
}

Result<std::optional<Resource>> SqliteStore::Claim(const std::string& kind,
                                                   const std::string& from_status,
                                                   const std::string& to_status) {
  std::optional<Resource> claimed;
  KILN_RETURN_IF_ERROR(Atomically([&](Connection& c) -> Status {
    KILN_ASSIGN_OR_RETURN(
        auto* pick, c.Prepare(std::string("SELECT ") + kColumns +
                              " FROM resources WHERE kind = ? AND status = ? "
                              "ORDER BY created_ms, arn LIMIT 1"));
    {
      Statement st(pick);
      st.Bind(1, kind);
      st.Bind(2, from_status);
      KILN_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      claimed = ReadRow(st, c);
    }
    claimed->status = to_status;
    claimed->updated_ms = NowMillis();
    KILN_ASSIGN_OR_RETURN(
        auto* upd, c.Prepare("UPDATE resources SET status = ?, updated_ms = ? WHERE arn = ?"));
    Statement st(upd);
    st.Bind(1, to_status);
    st.Bind(2, claimed->updated_ms);
    st.Bind(3, claimed->arn);
    return st.Run();
  }));
  return claimed;
}

}  // namespace kiln::store::sqlite
