// One SQLite connection with a cache of prepared statements.
//
// A Connection is used by one thread at a time (the store hands them out
// under its own locks). Statements are prepared once per SQL text and
// reset after each use, so hot queries (Get, List) skip the SQL compiler.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "common/status.h"
#include "store/sqlite/doc_cache.h"

namespace kiln::store::sqlite {

// A bound, ready-to-step statement borrowed from a Connection's cache. It is
// reset (and its bindings cleared) when it goes out of scope.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding is 1-based, as in SQLite.
  void Bind(int index, const std::string& text);
  void Bind(int index, int64_t value);
  void BindNull(int index);

  // Steps once: true when a row is ready, false when done; errors as Status.
  Result<bool> Step();
  // Steps to completion (for statements that return no rows).
  Status Run();

  std::string Text(int column) const;
  // The column's text without a copy; valid until the next Step or reset.
  std::string_view TextView(int column) const;
  int64_t Int(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens `path` (created when absent unless `read_only`), in WAL mode with a
  // busy timeout so that concurrent processes wait instead of failing.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);

  // Runs SQL text with no results (schema, BEGIN/COMMIT, pragmas).
  Status Exec(const std::string& sql);
  // Runs a statement with no results through the statement cache (for the
  // BEGIN / COMMIT of every read snapshot: no SQL compile per request).
  Status Run(const std::string& sql);
  // Returns the cached prepared statement for `sql`, preparing it once.
  Result<sqlite3_stmt*> Prepare(const std::string& sql);
  // Rows changed by the last statement.
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() { return db_; }
  // Parsed documents of rows this connection read recently.
  DocCache& doc_cache() { return doc_cache_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
  DocCache doc_cache_;
};

// The Status for a failed SQLite call, naming what was being done.
Status SqliteError(sqlite3* db, int rc, const std::string& what);

}  // namespace kiln::store::sqlite
