#include "store/sqlite/connection.h"

#include <memory>

namespace kiln::store::sqlite {

Status SqliteError(sqlite3* db, int rc, const std::string& what) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status::Unavailable("store busy while " + what + ": " + detail);
  }
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
    return Status::AlreadyExists(what + ": " + detail);
  }
  return Status::IOError("store error while " + what + ": " + detail);
}

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::Bind(int index, const std::string& text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Statement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), sqlite3_extended_errcode(sqlite3_db_handle(stmt_)),
                     "running '" + std::string(sqlite3_sql(stmt_)).substr(0, 60) + "'");
}

Status Statement::Run() {
  while (true) {
    KILN_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}
std::string_view Statement::TextView(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string_view(reinterpret_cast<const char*>(p),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}
int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  // SQLite's memory statistics take one process-wide mutex on every
  // allocation, which serialised concurrent readers (pthread_mutex_lock was
  // the top user-space symbol of store_scale_bench's 4-thread Gets). Kiln
  // never reads those statistics. Only possible before SQLite initialises;
  // if something else initialised it first, the call fails harmlessly.
  static const bool configured = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  // Readers open read-write (WAL readers need the shared-memory file) but
  // are switched to query_only below.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | (read_only ? 0 : SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return s;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  // Wait up to 10 s for another process's write lock instead of failing.
  sqlite3_busy_timeout(db, 10000);
  // A page cache of 8 MB per connection instead of SQLite's 2 MB default:
  // the interior pages of the resource indexes of a 100k-row store stay
  // cached. (mmap_size was tried and dropped: on a fresh process every
  // first touch of a page is a page fault, which made random Gets on a
  // 150 MB store about 2x slower than read() from the OS cache.)
  KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size=-8192"));
  if (read_only) {
    KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=ON"));
  } else {
    // 16 KB pages for a new database (SQLite's default is 4 KB; an existing
    // file keeps its page size, WAL mode cannot change it). `resources` is
    // a WITHOUT ROWID table, whose rows spill to an overflow page beyond
    // about a quarter of a page: with 4 KB pages every row over ~1 KB (a
    // component with a small document already) took a second random page
    // read, and a List page of 25 rows read ~30 pages. At 16 KB rows up to
    // ~4 KB stay inline and a random Get reads one page (bench/store_scale.md).
    KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA page_size=16384"));
    KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL"));
    // NORMAL is durable across application crashes in WAL mode; only an OS
    // crash may lose the last commits, never corrupt the database.
    KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=NORMAL"));
  }
  KILN_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys=ON"));
  return conn;
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = SqliteError(nullptr, rc, "executing '" + sql.substr(0, 60) + "'");
    return Status(s.code(), s.message() + ": " + msg);
  }
  return Status::Ok();
}

Status Connection::Run(const std::string& sql) {
  KILN_ASSIGN_OR_RETURN(auto* raw, Prepare(sql));
  Statement st(raw);
  return st.Run();
}

Result<sqlite3_stmt*> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing '" + sql.substr(0, 60) + "'");
  cache_.emplace(sql, stmt);
  return stmt;
}

}  // namespace kiln::store::sqlite
