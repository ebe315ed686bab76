#include "toe/loop.h"

#include <gtest/gtest.h>

namespace kiln::toe {
namespace {

std::vector<std::string> Values(const Loop& l, const Scope& s = {}) {
  auto r = LoopValues(l, s);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(LoopTest, ForCountsBothEndsIncluded) {
  Loop l;
  l.start = 100000;
  l.end = 1000000;
  l.update_by = 100000;
  auto v = Values(l);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v.front(), "100000");
  EXPECT_EQ(v.back(), "1000000");
  l.start = 5;
  l.end = 1;
  l.update_by = -2;
  EXPECT_EQ(Values(l), (std::vector<std::string>{"5", "3", "1"}));
  l.start = l.end = 7;
  l.update_by = 1;
  EXPECT_EQ(Values(l), (std::vector<std::string>{"7"}));
}

TEST(LoopTest, ForRejectsEndlessLoops) {
  Loop l;
  l.start = 1;
  l.end = 5;
  l.update_by = 0;
  EXPECT_FALSE(CheckLoop(l).ok());
  l.update_by = -1;
  EXPECT_FALSE(CheckLoop(l).ok());
  l.start = 9;
  l.update_by = 1;
  EXPECT_FALSE(CheckLoop(l).ok());
}

TEST(LoopTest, ForEachListSubstitutesItems) {
  std::map<std::string, std::string> vars = {{"Host", "example.com"}};
  Scope s;
  s.variables = &vars;
  Loop l;
  l.kind = Loop::Kind::kForEachList;
  l.items = {"a", "{{ Host }}"};
  EXPECT_EQ(Values(l, s), (std::vector<std::string>{"a", "example.com"}));
}

TEST(LoopTest, ForEachStringSplitsOnTheDelimiter) {
  std::map<std::string, std::string> vars = {{"Hosts", "127.0.0.1,amazon.com"}};
  Scope s;
  s.variables = &vars;
  Loop l;
  l.kind = Loop::Kind::kForEachString;
  l.list = "{{ Hosts }}";
  EXPECT_EQ(Values(l, s), (std::vector<std::string>{"127.0.0.1", "amazon.com"}));
  l.list = "a\nb\n\nc";
  l.delimiter = "\n";
  EXPECT_EQ(Values(l, s), (std::vector<std::string>{"a", "b", "", "c"}));
  for (const char* d : {".", ",", ";", ":", "\n", "\t", " ", "-", "_"}) {
    l.delimiter = d;
    EXPECT_TRUE(CheckLoop(l).ok()) << d;
  }
  for (const char* d : {"|", "ab", "", "{{ x }}"}) {
    l.delimiter = d;
    EXPECT_FALSE(CheckLoop(l).ok()) << d;
  }
}

}  // namespace
}  // namespace kiln::toe
