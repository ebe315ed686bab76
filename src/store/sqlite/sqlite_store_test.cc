#include "store/sqlite/sqlite_store.h"

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sqlite3.h>
#include <unistd.h>

#include "common/hash.h"
#include "store/idempotency.h"
#include "store/paging.h"

namespace kiln::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kiln-store-" + RandomHex(6));
    auto s = OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Resource Component(const std::string& account, const std::string& name,
                            const std::string& version, int64_t build = 1) {
    Resource r;
    r.kind = "component";
    r.account = account;
    r.region = "us-east-1";
    r.name = name;
    r.version = version;
    r.build = build;
    r.arn = "arn:aws:imagebuilder:us-east-1:" + account + ":component/" + name + "/" + version +
            "/" + std::to_string(build);
    r.created_ms = 1000;
    r.updated_ms = 1000;
    r.doc = {{"name", name}, {"version", version}};
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST(VersionSortKeyTest, OrdersNumerically) {
  EXPECT_EQ(VersionSortKey("1.10.2"), "0000000001.0000000010.0000000002");
  EXPECT_LT(VersionSortKey("1.9.0"), VersionSortKey("1.10.0"));
  EXPECT_LT(VersionSortKey("2019.12.2"), VersionSortKey("2021.1.1"));
  EXPECT_EQ(VersionSortKey("001.2.3"), VersionSortKey("1.2.3"));
  EXPECT_EQ(VersionSortKey(""), "");
  EXPECT_EQ(VersionSortKey("1.x.x"), "1.x.x");
  EXPECT_EQ(VersionSortKey("abc"), "abc");
}

TEST_F(SqliteStoreTest, InsertGetUpdateDelete) {
  Resource r = Component("111111111111", "alpha", "1.0.0");
  ASSERT_TRUE(store_->Insert(r).ok());
  Status dup = store_->Insert(r);
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  EXPECT_NE(dup.message().find(r.arn), std::string::npos);

  auto got = store_->Get(r.arn);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "alpha");
  EXPECT_EQ(got->doc["version"], "1.0.0");
  EXPECT_EQ(got->build, 1);

  r.doc["description"] = "changed";
  r.status = "ACTIVE";
  ASSERT_TRUE(store_->Update(r).ok());
  EXPECT_EQ(store_->Get(r.arn)->doc["description"], "changed");

  ASSERT_TRUE(store_->Delete(r.arn).ok());
  EXPECT_EQ(store_->Get(r.arn).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Delete(r.arn).code(), Code::kNotFound);
  EXPECT_EQ(store_->Update(r).code(), Code::kNotFound);
}

TEST_F(SqliteStoreTest, CompareAndUpdateChecksStatus) {
  Resource r = Component("111111111111", "alpha", "1.0.0");
  r.status = "PENDING";
  ASSERT_TRUE(store_->Insert(r).ok());
  r.status = "BUILDING";
  EXPECT_EQ(store_->CompareAndUpdate(r, "AVAILABLE").code(), Code::kFailedPrecondition);
  EXPECT_TRUE(store_->CompareAndUpdate(r, "PENDING").ok());
  EXPECT_EQ(store_->Get(r.arn)->status, "BUILDING");
}

TEST_F(SqliteStoreTest, ListOrdersByNameThenNumericVersionAndPages) {
  for (const char* v : {"1.10.0", "1.9.0", "1.2.0", "2.0.0"}) {
    ASSERT_TRUE(store_->Insert(Component("111111111111", "beta", v)).ok());
  }
  ASSERT_TRUE(store_->Insert(Component("111111111111", "alpha", "1.0.0")).ok());
  ASSERT_TRUE(store_->Insert(Component("222222222222", "alpha", "1.0.0")).ok());

  ListQuery q;
  q.kind = "component";
  q.accounts = {"111111111111"};
  q.region = "us-east-1";
  q.limit = 2;
  std::vector<std::string> seen;
  while (true) {
    auto page = store_->List(q);
    ASSERT_TRUE(page.ok());
    for (auto& r : page->items) seen.push_back(r.name + "@" + r.version);
    if (!page->more) break;
    q.after = page->items.back();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha@1.0.0", "beta@1.2.0", "beta@1.9.0",
                                            "beta@1.10.0", "beta@2.0.0"}));
  q.after.reset();
  EXPECT_EQ(*store_->Count(q), 5);
  q.accounts.clear();
  EXPECT_EQ(*store_->Count(q), 6);
  q.name = "beta";
  q.version = "1.09.0";  // numeric match
  EXPECT_EQ(*store_->Count(q), 1);
  q.name.reset();
  q.version.reset();
  q.name_prefix = "al";
  EXPECT_EQ(*store_->Count(q), 2);
  q.region = "eu-west-1";
  EXPECT_EQ(*store_->Count(q), 0);
}

// Pages of one name (and version), oldest first and newest first, with
// every page size: the cursor then compares only the columns after the
// fixed ones (see list_query.h), which must not change what is listed.
TEST_F(SqliteStoreTest, ListPagesOfOneNameInBothDirections) {
  for (const char* v : {"1.10.0", "1.9.0", "1.2.0", "2.0.0"}) {
    for (int64_t build = 1; build <= 2; ++build) {
      ASSERT_TRUE(store_->Insert(Component("111111111111", "beta", v, build)).ok());
    }
  }
  for (const char* name : {"alpha", "gamma"}) {
    ASSERT_TRUE(store_->Insert(Component("111111111111", name, "1.5.0")).ok());
  }
  auto all = [&](ListQuery q) {
    std::vector<std::string> seen;
    while (true) {
      auto page = store_->List(q);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (auto& r : page->items) seen.push_back(r.name + "@" + r.version + "/" + std::to_string(r.build));
      if (!page->more) break;
      q.after = page->items.back();
    }
    return seen;
  };
  const std::vector<std::string> beta = {"beta@1.2.0/1", "beta@1.2.0/2", "beta@1.9.0/1",
                                         "beta@1.9.0/2", "beta@1.10.0/1", "beta@1.10.0/2",
                                         "beta@2.0.0/1", "beta@2.0.0/2"};
  for (int limit = 1; limit <= 9; ++limit) {
    ListQuery q;
    q.kind = "component";
    q.accounts = {"111111111111"};
    q.region = "us-east-1";
    q.name = "beta";
    q.limit = limit;
    EXPECT_EQ(all(q), beta) << "limit " << limit;
    q.descending = true;
    EXPECT_EQ(all(q), std::vector<std::string>(beta.rbegin(), beta.rend())) << "limit " << limit;
    q.version = "1.9.0";
    EXPECT_EQ(all(q), (std::vector<std::string>{"beta@1.9.0/2", "beta@1.9.0/1"}));
    q.descending = false;
    EXPECT_EQ(all(q), (std::vector<std::string>{"beta@1.9.0/1", "beta@1.9.0/2"}));
  }
  // A cursor from another name: before "beta" keeps all of it, after none.
  ListQuery q;
  q.kind = "component";
  q.name = "beta";
  q.limit = 20;
  q.after = Component("111111111111", "alpha", "1.5.0");
  EXPECT_EQ(store_->List(q)->items.size(), 8u);
  q.after = Component("111111111111", "gamma", "1.5.0");
  EXPECT_TRUE(store_->List(q)->items.empty());
  q.descending = true;
  EXPECT_EQ(store_->List(q)->items.size(), 8u);
  // Unfixed, newest first over every name.
  ListQuery every;
  every.kind = "component";
  every.descending = true;
  every.limit = 3;
  auto names = all(every);
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names.front(), "gamma@1.5.0/1");
  EXPECT_EQ(names.back(), "alpha@1.5.0/1");
}

TEST_F(SqliteStoreTest, ListByParentAndStatus) {
  Resource a = Component("111111111111", "a", "1.0.0");
  a.parent = "p1";
  a.status = "RUNNING";
  Resource b = Component("111111111111", "b", "1.0.0");
  b.parent = "p1";
  b.status = "DONE";
  ASSERT_TRUE(store_->Insert(a).ok());
  ASSERT_TRUE(store_->Insert(b).ok());
  ListQuery q;
  q.kind = "component";
  q.parent = "p1";
  EXPECT_EQ(store_->List(q)->items.size(), 2u);
  q.status = "DONE";
  auto page = store_->List(q);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "b");
}

TEST_F(SqliteStoreTest, ValuesRoundTrip) {
  EXPECT_FALSE(store_->GetValue("s", "k")->has_value());
  ASSERT_TRUE(store_->PutValue("s", "k", "v1").ok());
  ASSERT_TRUE(store_->PutValue("s", "k", "v2").ok());
  EXPECT_EQ(**store_->GetValue("s", "k"), "v2");
  EXPECT_FALSE(store_->GetValue("other", "k")->has_value());
  ASSERT_TRUE(store_->DeleteValue("s", "k").ok());
  EXPECT_FALSE(store_->GetValue("s", "k")->has_value());
}

TEST_F(SqliteStoreTest, TransactionCommitsAndRollsBack) {
  Status failed = store_->Transaction([&](Store& tx) -> Status {
    KILN_RETURN_IF_ERROR(tx.Insert(Component("111111111111", "x", "1.0.0")));
    KILN_RETURN_IF_ERROR(tx.PutValue("s", "k", "v"));
    // Reads inside the transaction see its writes.
    EXPECT_TRUE(tx.Get(Component("111111111111", "x", "1.0.0").arn).ok());
    return Status::Invalid("boom");
  });
  EXPECT_EQ(failed.message(), "boom");
  EXPECT_FALSE(store_->Get(Component("111111111111", "x", "1.0.0").arn).ok());
  EXPECT_FALSE(store_->GetValue("s", "k")->has_value());

  ASSERT_TRUE(store_->Transaction([&](Store& tx) -> Status {
    return tx.Insert(Component("111111111111", "x", "1.0.0"));
  }).ok());
  EXPECT_TRUE(store_->Get(Component("111111111111", "x", "1.0.0").arn).ok());
}

TEST_F(SqliteStoreTest, NestedTransactionIsASavepoint) {
  ASSERT_TRUE(store_->Transaction([&](Store& tx) -> Status {
    KILN_RETURN_IF_ERROR(tx.Insert(Component("111111111111", "outer", "1.0.0")));
    Status inner = tx.Transaction([&](Store& tx2) -> Status {
      KILN_RETURN_IF_ERROR(tx2.Insert(Component("111111111111", "inner", "1.0.0")));
      return Status::Invalid("inner fails");
    });
    EXPECT_FALSE(inner.ok());
    // Calls on the store itself from the transaction's thread join it.
    EXPECT_TRUE(store_->Get(Component("111111111111", "outer", "1.0.0").arn).ok());
    return tx.Transaction([&](Store& tx2) {
      return tx2.Insert(Component("111111111111", "inner2", "1.0.0"));
    });
  }).ok());
  EXPECT_TRUE(store_->Get(Component("111111111111", "outer", "1.0.0").arn).ok());
  EXPECT_FALSE(store_->Get(Component("111111111111", "inner", "1.0.0").arn).ok());
  EXPECT_TRUE(store_->Get(Component("111111111111", "inner2", "1.0.0").arn).ok());
}

TEST_F(SqliteStoreTest, ConcurrentClaimHandsEachRowOutOnce) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) {
    Resource r = Component("111111111111", "job" + std::to_string(i), "1.0.0");
    r.kind = "build-job";
    r.status = "QUEUED";
    r.created_ms = 1000 + i;
    ASSERT_TRUE(store_->Insert(r).ok());
  }
  std::mutex mu;
  std::vector<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&] {
      while (true) {
        auto c = store_->Claim("build-job", "QUEUED", "RUNNING");
        if (!c.ok()) {
          ++errors;
          return;
        }
        if (!c->has_value()) return;
        std::lock_guard<std::mutex> lock(mu);
        claimed.push_back((*c)->name);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
  ListQuery q;
  q.kind = "build-job";
  q.status = "RUNNING";
  EXPECT_EQ(*store_->Count(q), kJobs);
}

TEST_F(SqliteStoreTest, ClaimTakesOldestFirst) {
  for (int i : {3, 1, 2}) {
    Resource r = Component("111111111111", "job" + std::to_string(i), "1.0.0");
    r.kind = "build-job";
    r.status = "QUEUED";
    r.created_ms = i;
    ASSERT_TRUE(store_->Insert(r).ok());
  }
  auto c = store_->Claim("build-job", "QUEUED", "RUNNING");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->name, "job1");
  EXPECT_EQ((*c)->status, "RUNNING");
  EXPECT_EQ(store_->Get((*c)->arn)->status, "RUNNING");
  EXPECT_FALSE(store_->Claim("build-job", "NOPE", "RUNNING")->has_value());
}

TEST_F(SqliteStoreTest, ConcurrentReadersAndWriters) {
  std::atomic<bool> stop{false};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      ListQuery q;
      q.kind = "component";
      while (!stop) {
        if (!store_->List(q).ok() || !store_->Count(q).ok()) ++read_errors;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->Insert(Component("111111111111", "c" + std::to_string(i), "1.0.0")).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(read_errors.load(), 0);
  ListQuery q;
  q.kind = "component";
  EXPECT_EQ(*store_->Count(q), 200);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchema) {
  ASSERT_TRUE(store_->Insert(Component("111111111111", "keep", "1.0.0")).ok());
  store_.reset();
  auto again = OpenSqliteStore(dir_.string());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Get(Component("111111111111", "keep", "1.0.0").arn).ok());
}

int64_t PageSize(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr), SQLITE_OK);
  int64_t size = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return size;
}

// New stores use 16 KB pages so that rows of ~1-4 KB do not spill to
// overflow pages (see connection.cc); a store created with SQLite's 4 KB
// default keeps it and works as before.
TEST_F(SqliteStoreTest, NewStoresUse16KPagesAndOldOnesKeepTheirs) {
  ASSERT_TRUE(store_->Insert(Component("111111111111", "a", "1.0.0")).ok());
  EXPECT_EQ(PageSize(dir_ / "kiln.db"), 16384);

  auto old_dir = dir_ / "old";
  std::filesystem::create_directories(old_dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((old_dir / "kiln.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; "
                               "CREATE TABLE unrelated (x INTEGER)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto old = OpenSqliteStore(old_dir.string());
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  Resource big = Component("111111111111", "a", "1.0.0");
  big.doc["data"] = std::string(3000, 'x');  // spills to an overflow page at 4 KB
  ASSERT_TRUE((*old)->Insert(big).ok());
  EXPECT_EQ((*old)->Get(big.arn)->doc, big.doc);
  old->reset();
  EXPECT_EQ(PageSize(old_dir / "kiln.db"), 4096);
}

TEST_F(SqliteStoreTest, IdempotencyAndPagingHelpersWorkOnSqlite) {
  int runs = 0;
  auto run = [&](Store& tx) -> Result<Json> {
    ++runs;
    KILN_RETURN_IF_ERROR(tx.Insert(Component("111111111111", "idem", "1.0.0")));
    return Json{{"arn", "a"}};
  };
  Json req = {{"name", "idem"}};
  auto first = WithClientToken(*store_, "acct/region/Op", "tok", req, run);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = WithClientToken(*store_, "acct/region/Op", "tok", req, run);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(runs, 1);
  auto mismatch = WithClientToken(*store_, "acct/region/Op", "tok", Json{{"name", "other"}}, run);
  EXPECT_EQ(mismatch.status().type(), "IdempotentParameterMismatchException");

  auto secret = PageSecret(*store_);
  ASSERT_TRUE(secret.ok());
  Resource last = Component("111111111111", "idem", "1.0.0");
  std::string token = EncodePageToken(last, Json{{"op", "List"}}, *secret);
  EXPECT_EQ(DecodePageToken(token, Json{{"op", "List"}}, *secret)->arn, last.arn);
  token[3] = token[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(DecodePageToken(token, Json{{"op", "List"}}, *secret).status().type(),
            "InvalidPaginationTokenException");
}

TEST_F(SqliteStoreTest, DocumentCacheNeverServesAStaleDocument) {
  Resource r = Component("111111111111", "cached", "1.0.0");
  ASSERT_TRUE(store_->Insert(r).ok());
  for (int i = 0; i < 3; ++i) {  // warm every pooled reader's cache
    EXPECT_EQ(store_->Get(r.arn)->doc["name"], "cached");
  }
  // Changed behind the store's back (as an operator's sqlite3 shell would).
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "kiln.db").string().c_str(), &raw), SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  r.doc["description"] = "changed elsewhere";
  const std::string sql = "UPDATE resources SET doc = '" + r.doc.dump() + "' WHERE arn = '" +
                          r.arn + "'";
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  for (int i = 0; i < 6; ++i) {
    auto got = store_->Get(r.arn);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->doc.value("description", ""), "changed elsewhere");
  }
  ListQuery q;
  q.kind = "component";
  auto page = store_->List(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].doc.value("description", ""), "changed elsewhere");
}

TEST_F(SqliteStoreTest, ASecondOpenOfTheDirectoryIsRefusedNamingTheOwner) {
  auto other = OpenSqliteStore(dir_.string());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("in use by another Kiln process (pid " +
                                          std::to_string(getpid()) + ")"),
            std::string::npos)
      << other.status().ToString();
  // Nothing of the first store was disturbed, and closing it frees the directory.
  ASSERT_TRUE(store_->Insert(Component("111111111111", "still", "1.0.0")).ok());
  store_.reset();
  auto again = OpenSqliteStore(dir_.string());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  store_ = std::move(*again);
}

TEST_F(SqliteStoreTest, WriteGenerationMovesOnCommittedChangesOnly) {
  auto gen = [&] { return store_->WriteGeneration().value(); };
  const uint64_t g0 = gen();
  Resource r = Component("111111111111", "gen", "1.0.0");
  ASSERT_TRUE(store_->Insert(r).ok());
  const uint64_t g1 = gen();
  EXPECT_GT(g1, g0);
  // Reads, a claim that finds nothing and a failed transaction change nothing.
  ASSERT_TRUE(store_->Get(r.arn).ok());
  ASSERT_TRUE(store_->ReadSnapshot([&] { return store_->Get(r.arn).status(); }).ok());
  ASSERT_TRUE(store_->Claim("build-job", "QUEUED", "RUNNING").ok());
  EXPECT_FALSE(store_->Update(Component("111111111111", "absent", "1.0.0")).ok());
  EXPECT_FALSE(store_->Transaction([](Store&) { return Status::Invalid("no"); }).ok());
  EXPECT_EQ(gen(), g1);
  // Every kind of committed write moves it.
  r.doc["description"] = "x";
  ASSERT_TRUE(store_->Update(r).ok());
  const uint64_t g2 = gen();
  EXPECT_GT(g2, g1);
  ASSERT_TRUE(store_->PutValue("s", "k", "v").ok());
  const uint64_t g3 = gen();
  EXPECT_GT(g3, g2);
  ASSERT_TRUE(store_->Transaction([&](Store& tx) { return tx.Delete(r.arn); }).ok());
  EXPECT_GT(gen(), g3);
}

TEST_F(SqliteStoreTest, ReadSnapshotIsConsistentAndSeesItsOwnWrites) {
  Resource a = Component("111111111111", "snap", "1.0.0");
  ASSERT_TRUE(store_->Insert(a).ok());
  Status s = store_->ReadSnapshot([&]() -> Status {
    EXPECT_TRUE(store_->Get(a.arn).ok());
    // Another thread's write after the snapshot began is not visible...
    std::thread writer([&] {
      Resource b = Component("111111111111", "snap", "2.0.0");
      EXPECT_TRUE(store_->Insert(b).ok());
    });
    writer.join();
    ListQuery q;
    q.kind = "component";
    EXPECT_EQ(store_->List(q)->items.size(), 1u);
    // ...but this thread's own write is, and so is everything before it.
    Resource c = Component("111111111111", "snap", "3.0.0");
    EXPECT_TRUE(store_->Insert(c).ok());
    EXPECT_EQ(store_->List(q)->items.size(), 3u);
    // Nested snapshots just run.
    return store_->ReadSnapshot([&]() -> Status { return store_->Get(c.arn).status(); });
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Afterwards every pooled reader is free again.
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] { EXPECT_TRUE(store_->Get(a.arn).ok()); });
  }
  for (auto& t : readers) t.join();
}

}  // namespace
}  // namespace kiln::store
