// The SQLite schema and its migrations.
//
// The schema is versioned: table schema_version holds the number of the
// last migration applied, and Migrate() applies the missing steps of
// kMigrations in order, each in its own transaction. To change the schema,
// append a step; never edit a released one.
#pragma once

#include "store/sqlite/connection.h"

namespace kiln::store::sqlite {

// Brings the database on `conn` to the newest schema version.
Status Migrate(Connection& conn);

// The schema version this build of Kiln writes.
int LatestSchemaVersion();

}  // namespace kiln::store::sqlite
