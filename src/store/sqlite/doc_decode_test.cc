#include "store/sqlite/doc_decode.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kiln::store::sqlite {
namespace {

using Json = nlohmann::json;

// Equal values AND equal node types (unsigned vs signed vs float), which
// `==` alone does not tell apart.
void ExpectSameTree(const Json& a, const Json& b, const std::string& where) {
  ASSERT_EQ(a.type(), b.type()) << where;
  if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (auto it = a.begin(); it != a.end(); ++it) {
      ASSERT_TRUE(b.contains(it.key())) << where << "." << it.key();
      ExpectSameTree(it.value(), b.at(it.key()), where + "." + it.key());
    }
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (size_t i = 0; i < a.size(); ++i) {
      ExpectSameTree(a[i], b[i], where + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(a, b) << where;
  }
}

Json Nlohmann(const std::string& text) {
  Json doc = Json::parse(text, nullptr, false);
  return doc.is_discarded() ? Json::object() : doc;
}

TEST(DocDecoderTest, BuildsTheTreeNlohmannBuilds) {
  const std::vector<std::string> texts = {
      R"({"arn":"arn:aws:imagebuilder:us-east-1:111111111111:component/c/1.0.0/1","data":"x"})",
      R"({"a":1,"b":-2,"c":1.5,"d":0,"e":-0.0,"f":1E2,"g":2.5e-3,"h":true,"i":false,"j":null})",
      R"({"max":18446744073709551615,"int64max":9223372036854775807,"min":-9223372036854775808})",
      R"({"s":"tab\tquote\"slash\\nul\u0000end","u":"\u00e9\ud83d\ude00","raw":"é😀"})",
      R"({"nested":{"list":[1,[2,[3,{}]],{"k":[]}],"empty":{}},"tags":{}})",
      R"({"z":1,"a":2,"m":{"y":1,"b":2}})",
      R"([1,"two",{"three":3}])",
      R"("just a string")",
      "  {\"spaced\" : [ 1 , 2 ] }  ",
  };
  DocDecoder decoder;
  for (const auto& text : texts) ExpectSameTree(decoder.Decode(text), Nlohmann(text), text);
}

TEST(DocDecoderTest, LastDuplicateKeyWinsAsInNlohmann) {
  DocDecoder decoder;
  const std::string text = R"({"a":1,"b":2,"a":3})";
  ExpectSameTree(decoder.Decode(text), Nlohmann(text), text);
  EXPECT_EQ(decoder.Decode(text)["a"], 3);
}

TEST(DocDecoderTest, WhatSimdjsonRefusesFallsBackToNlohmann) {
  DocDecoder decoder;
  std::string deep;
  for (int i = 0; i < 1500; ++i) deep += "[";
  for (int i = 0; i < 1500; ++i) deep += "]";
  const std::vector<std::string> texts = {
      "123456789012345678901234567890",            // beyond 64 bits: a double
      "{\"big\":-123456789012345678901234567890}",  // likewise, negative
      deep,                                          // deeper than simdjson's limit
  };
  for (const auto& text : texts) {
    ExpectSameTree(decoder.Decode(text), Nlohmann(text), text.substr(0, 40));
  }
}

TEST(DocDecoderTest, UnreadableTextIsAnEmptyObject) {
  DocDecoder decoder;
  for (const std::string text : {"", "{\"a\":", "{\"a\":1}}", "\"\xff\"", "{\"a\":1E400}", "nul"}) {
    EXPECT_EQ(decoder.Decode(text), Json::object()) << text;
  }
}

TEST(DocDecoderTest, ReusesItsBuffersAcrossDocumentsOfAnySize) {
  DocDecoder decoder;
  Json big = {{"data", std::string(200000, 'x')}};
  EXPECT_EQ(decoder.Decode(big.dump()), big);
  EXPECT_EQ(decoder.Decode(R"({"small":1})"), Json({{"small", 1}}));
}

}  // namespace
}  // namespace kiln::store::sqlite
