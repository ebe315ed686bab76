#include "api/response_cache.h"

#include <gtest/gtest.h>

namespace kiln::api {
namespace {

const std::string kId1 = "11111111-1111-4111-8111-111111111111";
const std::string kId2 = "22222222-2222-4222-8222-222222222222";

TEST(ResponseCacheTest, HitsOnlyAtTheSameGenerationWithTheNewRequestId) {
  ResponseCache cache(1 << 20);
  const std::string body = R"({"component":{"name":"a"},"requestId":")" + kId1 + R"("})";
  EXPECT_FALSE(cache.Find("k", 5, kId2));
  cache.Insert("k", 5, body, kId1);
  auto hit = cache.Find("k", 5, kId2);
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit, R"({"component":{"name":"a"},"requestId":")" + kId2 + R"("})");
  EXPECT_FALSE(cache.Find("other", 5, kId2));
  // A write moved the generation: stale, and the next insert starts over.
  EXPECT_FALSE(cache.Find("k", 6, kId2));
  cache.Insert("k2", 6, "{}", kId1);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_FALSE(cache.Find("k", 5, kId2));
}

TEST(ResponseCacheTest, AnAnswerComputedBeforeAWriteIsNotKeptAfterIt) {
  ResponseCache cache(1 << 20);
  cache.Insert("new", 7, "{}", kId1);
  cache.Insert("old", 6, "{}", kId1);  // a slow reader that started before the write
  EXPECT_FALSE(cache.Find("old", 7, kId2));
  EXPECT_FALSE(cache.Find("old", 6, kId2));
  EXPECT_TRUE(cache.Find("new", 7, kId2));
}

TEST(ResponseCacheTest, BodiesWithoutTheIdAreKeptAsIsAndAmbiguousOnesNot) {
  ResponseCache cache(1 << 20);
  cache.Insert("plain", 1, R"({"tags":{}})", kId1);
  EXPECT_EQ(*cache.Find("plain", 1, kId2), R"({"tags":{}})");
  cache.Insert("twice", 1, kId1 + kId1, kId1);
  EXPECT_FALSE(cache.Find("twice", 1, kId2));
}

TEST(ResponseCacheTest, StaysWithinItsMemoryBound) {
  ResponseCache cache(4096);
  const std::string body(1000, 'x');
  for (int i = 0; i < 20; ++i) cache.Insert("k" + std::to_string(i), 1, body, kId1);
  EXPECT_LE(cache.bytes(), 4096u);
  EXPECT_TRUE(cache.Find("k19", 1, kId2));   // the newest is there
  cache.Insert("huge", 1, std::string(10000, 'y'), kId1);
  EXPECT_FALSE(cache.Find("huge", 1, kId2));  // larger than the whole cache
}

TEST(ResponseCacheTest, CachesReadsOfStoredResourcesOnly) {
  EXPECT_TRUE(ResponseCache::IsCacheable("GetComponent"));
  EXPECT_TRUE(ResponseCache::IsCacheable("ListComponents"));
  EXPECT_TRUE(ResponseCache::IsCacheable("GetImage"));
  EXPECT_FALSE(ResponseCache::IsCacheable("CreateComponent"));
  EXPECT_FALSE(ResponseCache::IsCacheable("GetImagePipeline"));  // dateNextRun moves with time
  EXPECT_FALSE(ResponseCache::IsCacheable("GetWorkflowExecution"));
}

}  // namespace
}  // namespace kiln::api
