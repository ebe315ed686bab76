// The SQL of Store::List and Store::Count for a ListQuery.
//
// Every list is a keyset scan of the resources_list index (kind, account,
// region, name, version_key, build, arn): equality on the leading columns,
// then the cursor as a row-value range, in index order (or its reverse), so
// a page costs the same at any depth and size of the store. Kept apart from
// SqliteStore so that tests can check the query plans of these statements.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace kiln::store::sqlite {

// A value for one "?" of a statement: text, or an integer.
struct Binding {
  Binding(std::string t) : text(std::move(t)) {}  // NOLINT: implicit on purpose
  Binding(int64_t n) : number(n), is_number(true) {}  // NOLINT
  std::string text;
  int64_t number = 0;
  bool is_number = false;
};

struct ListStatement {
  std::string sql;               // complete statement text
  std::vector<Binding> bindings;  // for ?1, ?2, ... in order
  // No row can match (the cursor lies past every row the query fixes):
  // the caller returns an empty page without running `sql`.
  bool empty = false;
};

// "SELECT <columns> FROM resources WHERE ... ORDER BY ... LIMIT ?" for one
// page of `q` (limit + 1 rows are asked for: the extra one tells whether
// another page exists).
ListStatement ListSql(const ListQuery& q, const std::string& columns);

// "SELECT COUNT(*) FROM resources WHERE ..." for `q` (cursor and limit
// ignored).
ListStatement CountSql(const ListQuery& q);

}  // namespace kiln::store::sqlite
