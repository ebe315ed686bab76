#include "store/sqlite/schema.h"

#include <string>
#include <vector>

namespace kiln::store::sqlite {
namespace {

struct Migration {
  int version;
  const char* what;
  const char* sql;
};

// Ordered; each step runs once. Append only.
const std::vector<Migration> kMigrations = {
    {1, "resources and values",
     R"sql(
CREATE TABLE resources (
  arn         TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  account     TEXT NOT NULL,
  region      TEXT NOT NULL,
  name        TEXT NOT NULL,
  version     TEXT NOT NULL,
  version_key TEXT NOT NULL,   -- VersionSortKey(version): numeric order as text
  build       INTEGER NOT NULL,
  parent      TEXT NOT NULL,
  status      TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  doc         TEXT NOT NULL
) WITHOUT ROWID;
-- Keyset pagination of a kind within an account and region, in list order.
CREATE INDEX resources_list ON resources (kind, account, region, name, version_key, build, arn);
-- Children of a resource (workflow executions of an image, ...).
CREATE INDEX resources_parent ON resources (kind, parent);
-- The build queue: oldest resource of a kind in a status.
CREATE INDEX resources_claim ON resources (kind, status, created_ms);
CREATE TABLE kv (
  space TEXT NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (space, key)
) WITHOUT ROWID;
)sql"},
};

Result<int> CurrentVersion(Connection& conn) {
  KILN_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  KILN_ASSIGN_OR_RETURN(auto* raw, conn.Prepare("SELECT MAX(version) FROM schema_version"));
  Statement st(raw);
  KILN_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<int>(st.Int(0)) : 0;
}

}  // namespace

int LatestSchemaVersion() { return kMigrations.back().version; }

Status Migrate(Connection& conn) {
  // IMMEDIATE: two processes opening a new data directory at once must not
  // both apply the same step.
  KILN_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  auto current = CurrentVersion(conn);
  if (!current.ok()) {
    (void)conn.Exec("ROLLBACK");
    return current.status();
  }
  if (*current > LatestSchemaVersion()) {
    (void)conn.Exec("ROLLBACK");
    return Status::FailedPrecondition(
        "the data directory's schema version " + std::to_string(*current) +
        " is newer than this Kiln supports (" + std::to_string(LatestSchemaVersion()) +
        "); upgrade Kiln");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    Status s = conn.Exec(m.sql);
    if (s.ok()) {
      s = conn.Exec("INSERT INTO schema_version (version) VALUES (" + std::to_string(m.version) +
                    ")");
    }
    if (!s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return s.Prefixed("schema migration " + std::to_string(m.version) + " (" + m.what + ")");
    }
  }
  return conn.Exec("COMMIT");
}

}  // namespace kiln::store::sqlite
