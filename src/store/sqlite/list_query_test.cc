#include "store/sqlite/list_query.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/hash.h"
#include "store/sqlite/sqlite_store.h"

namespace kiln::store::sqlite {
namespace {

// EXPLAIN QUERY PLAN of every List statement shape the API uses: each must
// be one seek of resources_list in index order (no sort of the rows found,
// no scan to the end of an account), so pages cost the same at any depth.
class ListPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kiln-plan-" + RandomHex(6));
    auto s = SqliteStore::Open(dir_.string(), 1);  // creates and migrates the schema
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_EQ(sqlite3_open((dir_ / "kiln.db").c_str(), &db_), SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_close(db_);
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Plan(const ListStatement& st) {
    sqlite3_stmt* stmt = nullptr;
    std::string sql = "EXPLAIN QUERY PLAN " + st.sql;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_) << " in " << sql;
    std::string plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      plan += "\n";
    }
    sqlite3_finalize(stmt);
    return plan;
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  sqlite3* db_ = nullptr;
};

Resource Row(const std::string& name, const std::string& version, int64_t build) {
  Resource r;
  r.name = name;
  r.version = version;
  r.build = build;
  r.arn = "arn:aws:imagebuilder:us-east-1:111111111111:component/" + name + "/" + version + "/" +
          std::to_string(build);
  return r;
}

TEST_F(ListPlanTest, EveryPageIsAnIndexSeekInIndexOrder) {
  for (bool descending : {false, true}) {
    for (int fixes = 0; fixes < 3; ++fixes) {  // nothing, the name, name and version
      for (bool cursor : {false, true}) {
        ListQuery q;
        q.kind = "component";
        q.accounts = {"111111111111"};
        q.region = "us-east-1";
        if (fixes >= 1) q.name = "c";
        if (fixes >= 2) q.version = "1.2.0";
        q.descending = descending;
        if (cursor) q.after = Row("c", "1.2.0", 3);
        ListStatement st = ListSql(q, "arn, doc");
        ASSERT_FALSE(st.empty);
        std::string plan = Plan(st);
        SCOPED_TRACE(st.sql + "\n" + plan);
        EXPECT_NE(plan.find("USING INDEX resources_list"), std::string::npos);
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos);
        // The cursor is part of the seek, not a filter after it.
        if (cursor) {
          EXPECT_NE(plan.find(descending ? ")<(" : ")>("), std::string::npos);
        }
      }
    }
  }
}

TEST_F(ListPlanTest, CursorOutsideTheFixedNameNeedsNoRangeOrNoQuery) {
  ListQuery q;
  q.kind = "component";
  q.accounts = {"111111111111"};
  q.name = "m";
  q.after = Row("a", "1.0.0", 1);  // before every row of "m": no condition
  ListStatement before = ListSql(q, "arn");
  EXPECT_FALSE(before.empty);
  EXPECT_EQ(before.sql.find(") > ("), std::string::npos);
  q.after = Row("z", "1.0.0", 1);  // after them: nothing to read
  EXPECT_TRUE(ListSql(q, "arn").empty);
  q.descending = true;  // and the other way round when newest first
  EXPECT_FALSE(ListSql(q, "arn").empty);
  q.after = Row("a", "1.0.0", 1);
  EXPECT_TRUE(ListSql(q, "arn").empty);
}

}  // namespace
}  // namespace kiln::store::sqlite
