// The guide's truth tables (awstoe.md §4.3, §4.4) as tests.
#include "toe/condition.h"

#include <gtest/gtest.h>

#include <fstream>

namespace kiln::toe {
namespace {

bool Eval(const std::string& op, const Json& operand, const Json& value = Json()) {
  Json e = {{op, operand}};
  if (!value.is_null()) e["value"] = value;
  EXPECT_TRUE(CheckCondition(e, false).ok()) << e.dump();
  auto r = EvaluateCondition(e);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && *r;
}

TEST(ConditionTest, StringUnary) {
  EXPECT_TRUE(Eval("stringIsEmpty", ""));
  EXPECT_FALSE(Eval("stringIsEmpty", " "));
  EXPECT_FALSE(Eval("stringIsEmpty", "Hello."));
  EXPECT_TRUE(Eval("stringIsWhitespace", "  "));
  EXPECT_FALSE(Eval("stringIsWhitespace", ""));
  EXPECT_FALSE(Eval("stringIsWhitespace", " Hello?"));
}

TEST(ConditionTest, StringEquals) {
  EXPECT_TRUE(Eval("stringEquals", "Testing, testing...", "Testing, testing..."));
  EXPECT_FALSE(Eval("stringEquals", "Testing, testing...", "Hello again."));
  EXPECT_FALSE(Eval("stringEquals", "Testing, testing...", "TESTING, TESTING...."));
  EXPECT_FALSE(Eval("stringEquals", "Testing, testing...", " Testing, testing..."));
  EXPECT_FALSE(Eval("stringEquals", "Testing, testing...", "Testing, testing...  "));
}

TEST(ConditionTest, StringOrderingIsValueOpOperandIgnoringCase) {
  EXPECT_TRUE(Eval("stringLessThan", "b", "a"));
  EXPECT_TRUE(Eval("stringLessThan", "a", "0"));
  EXPECT_FALSE(Eval("stringLessThan", "0", "a"));
  // The guide also says stringLessThan 'A' / value 'a' is true, which
  // contradicts case-insensitivity (docs/DECISIONS.md D-toe-2).
  EXPECT_FALSE(Eval("stringLessThan", "A", "a"));
  EXPECT_TRUE(Eval("stringLessThanEquals", "a", "a"));
  EXPECT_TRUE(Eval("stringLessThanEquals", "A", "a"));
  EXPECT_TRUE(Eval("stringLessThanEquals", "b", "a"));
  EXPECT_TRUE(Eval("stringLessThanEquals", "a", "0"));
  EXPECT_FALSE(Eval("stringLessThanEquals", "0", "a"));
  EXPECT_FALSE(Eval("stringGreaterThan", "a", "A"));
  EXPECT_TRUE(Eval("stringGreaterThan", "a", "b"));
  EXPECT_TRUE(Eval("stringGreaterThan", "0", "a"));
  EXPECT_FALSE(Eval("stringGreaterThan", "a", "0"));
  EXPECT_TRUE(Eval("stringGreaterThanEquals", "A", "a"));
  EXPECT_TRUE(Eval("stringGreaterThanEquals", "a", "b"));
  EXPECT_TRUE(Eval("stringGreaterThanEquals", "0", "a"));
  EXPECT_FALSE(Eval("stringGreaterThanEquals", "a", "0"));
}

TEST(ConditionTest, PatternMatches) {
  EXPECT_TRUE(Eval("patternMatches", "^[a-z]+$", "ThisIsValue"));
  EXPECT_TRUE(Eval("patternMatches", "^[a-zA-Z]+$", "ThisIsOnlyLetters"));
  EXPECT_TRUE(Eval("patternMatches", "^[a-zA-Z\\s]+$", "This text contains spaces"));
  EXPECT_TRUE(Eval("patternMatches", "^[0-9]+$", "1234567890"));
  EXPECT_FALSE(Eval("patternMatches", "^[0-9]+$", "12a"));
  EXPECT_TRUE(Eval("patternMatches", "b", "abc"));  // unanchored search
  EXPECT_FALSE(CheckCondition({{"patternMatches", "("}, {"value", "x"}}, false).ok());
}

TEST(ConditionTest, NumberComparisons) {
  EXPECT_TRUE(Eval("numberEquals", "1", "1"));
  EXPECT_TRUE(Eval("numberEquals", "1", 1));
  EXPECT_TRUE(Eval("numberEquals", 1, "1"));
  EXPECT_TRUE(Eval("numberEquals", "5.0", "5.0"));
  EXPECT_TRUE(Eval("numberEquals", "5", "5.000"));
  EXPECT_TRUE(Eval("numberEquals", "-1", "-1"));
  EXPECT_TRUE(Eval("numberLessThan", "2", "1"));
  EXPECT_TRUE(Eval("numberLessThan", "2", "1.9"));
  EXPECT_FALSE(Eval("numberLessThan", "2", "2"));
  EXPECT_TRUE(Eval("numberLessThanEquals", "2", "1"));
  EXPECT_TRUE(Eval("numberLessThanEquals", "2", "1.9"));
  EXPECT_TRUE(Eval("numberLessThanEquals", "2", "2"));
  EXPECT_FALSE(Eval("numberLessThanEquals", "2", "2.1"));
  EXPECT_TRUE(Eval("numberGreaterThan", "1", "2"));
  EXPECT_TRUE(Eval("numberGreaterThan", "1", "1.1"));
  EXPECT_FALSE(Eval("numberGreaterThan", "1", "1"));
  EXPECT_TRUE(Eval("numberGreaterThanEquals", "1", "2"));
  EXPECT_TRUE(Eval("numberGreaterThanEquals", "1", "1.1"));
  EXPECT_TRUE(Eval("numberGreaterThanEquals", "1", "1"));
  EXPECT_FALSE(Eval("numberGreaterThanEquals", "1", "0.8"));
  // A value that is not a number makes the comparison false, not an error.
  EXPECT_FALSE(Eval("numberEquals", "10", "a10"));
  EXPECT_FALSE(Eval("numberEquals", "100000", "1e5"));
  EXPECT_FALSE(Eval("numberEquals", "0.5", ".5"));
  EXPECT_FALSE(Eval("numberLessThan", "1", "1."));
  EXPECT_TRUE(Eval("numberLessThan", "-0.1", "-2"));
  EXPECT_TRUE(Eval("numberEquals", "-0", "0"));
  EXPECT_TRUE(Eval("numberGreaterThan", "123456789012345678901234567890", "123456789012345678901234567891"));
}

TEST(ConditionTest, FileOperators) {
  const std::string dir = ::testing::TempDir();
  const std::string file = dir + "/kiln_cond_file";
  { std::ofstream(file) << "abc"; }
  EXPECT_TRUE(Eval("fileExists", file));
  EXPECT_FALSE(Eval("fileExists", dir));
  EXPECT_TRUE(Eval("folderExists", dir));
  EXPECT_FALSE(Eval("folderExists", file));
  EXPECT_TRUE(Eval("binaryExists", "sh"));
  EXPECT_FALSE(Eval("binaryExists", "kiln-no-such-binary"));
  auto hash = [&](const char* op, const char* digest) {
    Json e = {{op, digest}, {"path", file}};
    EXPECT_TRUE(CheckCondition(e, false).ok());
    return *EvaluateCondition(e);
  };
  EXPECT_TRUE(hash("fileMD5Equals", "900150983cd24fb0d6963f7d28e17f72"));
  EXPECT_TRUE(hash("fileSHA1Equals", "A9993E364706816ABA3E25717850C26C9CD0D89D"));
  EXPECT_TRUE(hash("fileSHA256Equals", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_FALSE(hash("fileSHA512Equals", "00"));
  Json missing = {{"fileMD5Equals", "00"}, {"path", dir + "/nope"}};
  EXPECT_FALSE(*EvaluateCondition(missing));
  EXPECT_FALSE(CheckCondition({{"fileMD5Equals", "00"}}, false).ok());  // path required
}

TEST(ConditionTest, LogicalOperatorsShortCircuit) {
  Json t = {{"stringEquals", "a"}, {"value", "a"}};
  Json f = {{"stringEquals", "a"}, {"value", "b"}};
  // A broken regex would fail evaluation, so reaching it proves no short-circuit.
  Json boom = {{"patternMatches", "("}, {"value", "x"}};
  EXPECT_TRUE(*EvaluateCondition({{"and", {t, t}}}));
  EXPECT_FALSE(*EvaluateCondition({{"and", {f, boom}}}));
  EXPECT_TRUE(*EvaluateCondition({{"or", {t, boom}}}));
  EXPECT_TRUE(*EvaluateCondition({{"or", {f, t}}}));
  EXPECT_FALSE(*EvaluateCondition({{"or", {f, f}}}));
  EXPECT_TRUE(*EvaluateCondition({{"not", f}}));
  EXPECT_FALSE(*EvaluateCondition({{"not", Json::array({t})}}));
  EXPECT_FALSE(CheckCondition({{"not", Json::array({t, t})}}, false).ok());
  EXPECT_FALSE(EvaluateCondition({{"and", {t, boom}}}).ok());
}

TEST(ConditionTest, IfThenElse) {
  Json yes = {{"stringEquals", "a"}, {"value", "a"}};
  Json no = {{"stringEquals", "a"}, {"value", "b"}};
  EXPECT_EQ(*EvaluateIf(yes), IfAction::kExecute);
  EXPECT_EQ(*EvaluateIf(no), IfAction::kSkip);
  Json inv = {{"fileExists", "/nonexistent/x"}, {"then", "Skip"}, {"else", "Execute"}};
  EXPECT_TRUE(CheckCondition(inv, true).ok());
  EXPECT_EQ(*EvaluateIf(inv), IfAction::kExecute);
  Json abort = yes;
  abort["then"] = "Abort";
  EXPECT_EQ(*EvaluateIf(abort), IfAction::kAbort);
  EXPECT_EQ(*EvaluateIf(Json::array({yes})), IfAction::kExecute);  // list form of the syntax block
}

TEST(ConditionTest, NestedAssertExample) {
  // The guide's NestedComparisons example (3 levels).
  Json e = Json::parse(R"({"or": [
      {"and": [{"numberGreaterThan": "2.0", "value": "2.1.1"}, {"stringEquals": "arm64", "value": "ARM64"}]},
      {"stringEquals": "x86_64", "value": "x86_64"}]})");
  EXPECT_TRUE(CheckCondition(e, false).ok());
  EXPECT_TRUE(*EvaluateCondition(e));
}

}  // namespace
}  // namespace kiln::toe
