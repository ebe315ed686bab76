#include "store/sqlite/list_query.h"

namespace kiln::store::sqlite {
namespace {

// WHERE clause of `q` without the cursor, its bindings appended to `st`.
void AddWhere(const ListQuery& q, ListStatement& st) {
  std::string& sql = st.sql;
  auto add = [&](const std::string& clause, const std::string& value) {
    sql += " AND " + clause;
    st.bindings.push_back(value);
  };
  sql += " WHERE kind = ?";
  st.bindings.push_back(q.kind);
  if (!q.accounts.empty()) {
    std::string in = "account IN (";
    for (size_t i = 0; i < q.accounts.size(); ++i) in += i ? ",?" : "?";
    sql += " AND " + in + ")";
    for (const auto& a : q.accounts) st.bindings.push_back(a);
  }
  if (!q.region.empty()) add("region = ?", q.region);
  if (q.name) add("name = ?", *q.name);
  if (q.name_prefix && !q.name_prefix->empty()) {
    // A range keeps the (.., name, ..) index usable, unlike LIKE.
    add("name >= ?", *q.name_prefix);
    std::string upper = *q.name_prefix;
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    if (static_cast<unsigned char>(q.name_prefix->back()) == 0xff) {
      upper = *q.name_prefix + "\xff\xff\xff\xff";
    }
    add("name < ?", upper);
  }
  if (q.version) add("version_key = ?", VersionSortKey(*q.version));
  if (q.parent) add("parent = ?", *q.parent);
  if (q.status) add("status = ?", *q.status);
}

// The keyset condition for the cursor `after`. SQLite seeks on a row-value
// range only when it starts at the index column right after those fixed by
// equality; "(name, version_key, ...) > (...)" together with "name = ?"
// made it scan to the end of the account's rows and sort what it found
// (EXPLAIN QUERY PLAN: "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"). So
// the columns the query fixes (name, then version) are compared here and
// the range covers only the rest. Returns false when no row can follow.
bool AddCursor(const ListQuery& q, const Resource& after, ListStatement& st) {
  const std::vector<Binding> keys = {after.name, VersionSortKey(after.version), after.build,
                                     after.arn};
  static const char* const kColumns[] = {"name", "version_key", "build", "arn"};
  std::vector<std::string> fixed;
  if (q.name) {
    fixed.push_back(*q.name);
    if (q.version) fixed.push_back(VersionSortKey(*q.version));
  }
  for (size_t k = 0; k < fixed.size(); ++k) {
    // std::string compares bytes as unsigned, like SQLite's BINARY collation.
    int cmp = keys[k].text.compare(fixed[k]);
    if (cmp == 0) continue;
    // The cursor lies before every row of the fixed name/version (all of
    // them follow it) or after all of them (none does).
    return q.descending ? cmp > 0 : cmp < 0;
  }
  std::string columns, marks;
  for (size_t k = fixed.size(); k < keys.size(); ++k) {
    columns += std::string(columns.empty() ? "" : ", ") + kColumns[k];
    marks += marks.empty() ? "?" : ", ?";
    st.bindings.push_back(keys[k]);
  }
  st.sql += " AND (" + columns + ") " + (q.descending ? "<" : ">") + " (" + marks + ")";
  return true;
}

}  // namespace

ListStatement ListSql(const ListQuery& q, const std::string& columns) {
  ListStatement st;
  st.sql = "SELECT " + columns + " FROM resources";
  AddWhere(q, st);
  if (q.after && !AddCursor(q, *q.after, st)) st.empty = true;
  st.sql += q.descending ? " ORDER BY name DESC, version_key DESC, build DESC, arn DESC LIMIT ?"
                         : " ORDER BY name, version_key, build, arn LIMIT ?";
  st.bindings.push_back(static_cast<int64_t>(q.limit) + 1);
  return st;
}

ListStatement CountSql(const ListQuery& q) {
  ListStatement st;
  st.sql = "SELECT COUNT(*) FROM resources";
  AddWhere(q, st);
  return st;
}

}  // namespace kiln::store::sqlite
