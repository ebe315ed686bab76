// Service model, pattern, router and validator tests (no network).
#include <gtest/gtest.h>

#include "api/router.h"
#include "api/service_model.h"
#include "api/validator.h"

namespace kiln::api {
namespace {

using Json = nlohmann::json;
const ServiceModel& M() { return ServiceModel::Embedded(); }

TEST(ServiceModel, EmbeddedModelParsesWithEveryOperation) {
  EXPECT_EQ(M().operations().size(), 77u);
  EXPECT_EQ(M().signing_name(), "imagebuilder");
  const Operation* op = M().FindOperation("UntagResource");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->method, "DELETE");
  EXPECT_EQ(op->request_uri, "/tags/{resourceArn}");
  const Member* keys = op->input->FindMember("tagKeys");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->location, Location::kQuery);
  EXPECT_EQ(keys->shape->type, Shape::Type::kList);
  EXPECT_EQ(M().FindShape("ResourceNotFoundException")->http_status, 404);
  EXPECT_TRUE(M().FindShape("LifecyclePolicy")->has_timestamp);
  EXPECT_FALSE(M().FindShape("Component")->has_timestamp);
}

TEST(ServiceModel, RejectsDanglingShapeReferences) {
  auto m = ServiceModel::Parse(R"({"metadata":{},"operations":{},"shapes":{
      "A":{"type":"structure","members":{"b":{"shape":"Missing"}}}}})");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("Missing"), std::string::npos);
}

TEST(Pattern, SupportsLookaheadAndIsNotAnchored) {
  auto tag = Pattern::Compile("^(?!aws:)[a-zA-Z0-9\\s_.:/=+\\-@]*$");
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE((*tag)->Search("Name"));
  EXPECT_FALSE((*tag)->Search("aws:reserved"));
  auto any = Pattern::Compile("[^\\x00]+");
  EXPECT_TRUE((*any)->Search("x"));
  EXPECT_FALSE((*any)->Search(std::string_view("\0", 1)));
  // A document far larger than any limit must not exhaust the stack.
  EXPECT_TRUE((*any)->Search(std::string(4 << 20, 'a')));
  EXPECT_FALSE((*any)->Search("\xff\xfe"));  // not UTF-8: never matches
}

TEST(Validator, ReportsRulesWithAwsWording) {
  const Operation& op = *M().FindOperation("CreateComponent");
  Json in = {{"name", "ok-name"}, {"semanticVersion", "1.0"}, {"platform", "Linux"},
             {"clientToken", "t"}, {"data", "x"}};
  Status s = ValidateInput(op, in);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.type(), "InvalidRequestException");
  EXPECT_EQ(s.message(),
            "1 validation error detected: Value '1.0' at 'semanticVersion' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[0-9]+\\.[0-9]+\\.[0-9]+$");
  in["semanticVersion"] = "1.0.0";
  EXPECT_TRUE(ValidateInput(op, in).ok());
  in.erase("name");
  in["platform"] = "Plan9";
  s = ValidateInput(op, in);
  EXPECT_NE(s.message().find("2 validation errors detected"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Value null at 'name' failed to satisfy constraint: Member must not be null"),
            std::string::npos);
  EXPECT_NE(s.message().find("Member must satisfy enum value set: [Windows, Linux, macOS]"),
            std::string::npos);
}

TEST(Validator, WalksNestedListsMapsAndNumbers) {
  const Operation& op = *M().FindOperation("ListComponents");
  Json in = {{"maxResults", 26}, {"filters", {{{"name", "bad name"}, {"values", Json::array()}}}}};
  auto v = FindViolations(*op.input, in);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_NE(v[0].find("at 'filters.1.member.name'"), std::string::npos) << v[0];
  EXPECT_NE(v[1].find("at 'filters.1.member.values' failed to satisfy constraint: Member must have length greater than or equal to 1"), std::string::npos) << v[1];
  EXPECT_NE(v[2].find("at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25"), std::string::npos) << v[2];
  EXPECT_EQ(FindViolations(*op.input, {{"maxResults", "ten"}}).at(0),
            "Value 'ten' at 'maxResults' failed to satisfy constraint: Member must be an integer");
  EXPECT_EQ(FindViolations(*op.input, {{"maxResults", 5.0}}).size(), 0u);
  EXPECT_EQ(FindViolations(*op.input, {{"maxResults", 1e300}}).size(), 1u);
  EXPECT_EQ(FindViolations(*op.input, {{"byName", "yes"}}).size(), 1u);

  const Operation& tag = *M().FindOperation("TagResource");
  Json t = {{"resourceArn", "arn:aws:imagebuilder:us-east-1:123456789012:component/a/1.0.0/1"},
            {"tags", {{"aws:x", "v"}, {"ok", std::string(257, 'v')}}}};
  auto tv = FindViolations(*tag.input, t);
  ASSERT_EQ(tv.size(), 2u);
  EXPECT_NE(tv[0].find("at 'tags.aws:x.key'"), std::string::npos) << tv[0];
  EXPECT_NE(tv[1].find("at 'tags.ok.value' failed to satisfy constraint: Member must have length less than or equal to 256"), std::string::npos) << tv[1];
  EXPECT_EQ(ValidationErrorType(tag), "InvalidParameterException");
}

TEST(Validator, CountsCharactersNotBytesAndTruncatesValues) {
  const Operation& op = *M().FindOperation("CreateComponent");
  Json in = {{"name", "ok-name"}, {"semanticVersion", "1.0.0"}, {"platform", "Linux"},
             {"clientToken", "t"}, {"description", std::string(1024 / 2, 'a') + std::string(256, 'x')}};
  EXPECT_TRUE(ValidateInput(op, in).ok());  // 768 chars <= 1024
  in["description"] = std::string(1025, 'a');
  Status s = ValidateInput(op, in);
  EXPECT_NE(s.message().find("..."), std::string::npos);
  EXPECT_LT(s.message().size(), 400u);
  // "é" is 2 bytes; 600 of them are 600 characters, within 1024.
  std::string accents;
  for (int i = 0; i < 600; ++i) accents += "\xc3\xa9";
  in["description"] = accents;
  EXPECT_TRUE(ValidateInput(op, in).ok());
}

HttpRequest Req(std::string method, std::string target, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

TEST(Router, MatchesLiteralAndTemplatedPaths) {
  Router router(M());
  auto op = router.Match(Req("GET", "/GetComponent?componentBuildVersionArn=x"));
  ASSERT_TRUE(op.ok());
  EXPECT_EQ((*op)->name, "GetComponent");
  for (auto [method, name] : {std::pair{"GET", "ListTagsForResource"}, {"POST", "TagResource"},
                              {"DELETE", "UntagResource"}}) {
    auto t = router.Match(Req(method, "/tags/arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A1%3Ax%2Fy"));
    ASSERT_TRUE(t.ok()) << method;
    EXPECT_EQ((*t)->name, name);
  }
  auto none = router.Match(Req("GET", "/NoSuchThing"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().type(), kUnknownOperation);
  EXPECT_FALSE(router.Match(Req("GET", "/tags/")).ok());
  EXPECT_FALSE(router.Match(Req("GET", "/tags/a/b")).ok());
  auto wrong = router.Match(Req("GET", "/CreateComponent"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().type(), kMethodNotAllowed);
  EXPECT_NE(wrong.status().message().find("PUT (CreateComponent)"), std::string::npos);
}

TEST(Router, BindsLabelsQueryListsAndBody) {
  Router router(M());
  const Operation& untag = *M().FindOperation("UntagResource");
  auto in = router.Bind(untag, Req("DELETE",
      "/tags/arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123456789012%3Acomponent%2Fa%2F1.0.0%2F1"
      "?tagKeys=a&tagKeys=b%20c&other=1"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["resourceArn"], "arn:aws:imagebuilder:us-east-1:123456789012:component/a/1.0.0/1");
  EXPECT_EQ((*in)["tagKeys"], Json({"a", "b c"}));
  EXPECT_FALSE(in->contains("other"));

  const Operation& list = *M().FindOperation("ListComponents");
  auto l = router.Bind(list, Req("POST", "/ListComponents", R"({"maxResults":5,"owner":"Self","x":1})"));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)["maxResults"], 5);
  EXPECT_FALSE(l->contains("x"));  // not in the model: dropped
  EXPECT_TRUE(router.Bind(list, Req("POST", "/ListComponents", "")).ok());
  auto bad = router.Bind(list, Req("POST", "/ListComponents", "[1]"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().type(), kSerialization);
  EXPECT_EQ(router.Bind(list, Req("POST", "/ListComponents", "{")).status().type(), kSerialization);

  // A body member cannot override a query-bound member.
  const Operation& get = *M().FindOperation("GetComponent");
  auto g = router.Bind(get, Req("GET", "/GetComponent?componentBuildVersionArn=q",
                                R"({"componentBuildVersionArn":"body"})"));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)["componentBuildVersionArn"], "q");
  EXPECT_FALSE(router.Bind(get, Req("GET", "/GetComponent?componentBuildVersionArn=%zz")).ok());
}

}  // namespace
}  // namespace kiln::api
