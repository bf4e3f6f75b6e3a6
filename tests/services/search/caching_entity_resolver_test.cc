#include "services/search/caching_entity_resolver.h"

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::ResolveEntitiesResponse;

// Answers with one span whose text is the query and counts its calls; fails
// while `fail` is set.
class CountingResolver final : public EntityResolver {
 public:
  absl::StatusOr<ResolveEntitiesResponse> Resolve(absl::string_view text) override {
    ++calls;
    if (fail) return absl::UnavailableError("entity service down");
    ResolveEntitiesResponse response;
    response.add_spans()->set_text(absl::StrCat(text, "#", calls));
    return response;
  }
  int calls = 0;
  bool fail = false;
};

class CachingEntityResolverTest : public ::testing::Test {
 protected:
  CachingEntityResolver MakeCache(EntityCacheOptions options = {}) {
    return CachingEntityResolver(
        &inner_, [this] { return generation_.load(); }, options, &clock_);
  }
  std::string Answer(CachingEntityResolver& cache, absl::string_view text) {
    absl::StatusOr<ResolveEntitiesResponse> r = cache.Resolve(text);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->spans_size() == 1 ? r->spans(0).text() : "";
  }

  CountingResolver inner_;
  std::atomic<uint64_t> generation_{0};
  testing::FakeClock clock_;
};

TEST_F(CachingEntityResolverTest, RepeatedTextIsAnsweredOnce) {
  CachingEntityResolver cache = MakeCache();
  EXPECT_EQ(Answer(cache, "Bank of Japan"), "Bank of Japan#1");
  EXPECT_EQ(Answer(cache, "Bank of Japan"), "Bank of Japan#1");
  EXPECT_EQ(Answer(cache, "bank of japan"), "bank of japan#2");  // texts are exact
  EXPECT_EQ(inner_.calls, 2);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST_F(CachingEntityResolverTest, AnIndexChangeInvalidates) {
  CachingEntityResolver cache = MakeCache();
  EXPECT_FALSE(cache.IsCached("Opec"));
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#1");
  EXPECT_TRUE(cache.IsCached("Opec"));
  ++generation_;
  EXPECT_FALSE(cache.IsCached("Opec"));
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#2");
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#2");
}

TEST_F(CachingEntityResolverTest, AnswersExpire) {
  CachingEntityResolver cache = MakeCache({.ttl = absl::Seconds(10)});
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#1");
  clock_.Advance(absl::Seconds(9));
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#1");
  EXPECT_TRUE(cache.IsCached("Opec"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(cache.IsCached("Opec"));
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#2");
}

TEST_F(CachingEntityResolverTest, ErrorsAreNotKept) {
  CachingEntityResolver cache = MakeCache();
  inner_.fail = true;
  EXPECT_EQ(cache.Resolve("Opec").status().code(), absl::StatusCode::kUnavailable);
  inner_.fail = false;
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#2");
  EXPECT_EQ(Answer(cache, "Opec"), "Opec#2");
}

TEST_F(CachingEntityResolverTest, TheLeastRecentlyUsedGoesFirst) {
  CachingEntityResolver cache = MakeCache({.capacity = 2});
  Answer(cache, "a");  // a#1
  Answer(cache, "b");  // b#2
  Answer(cache, "a");  // hit: a is now the most recent
  Answer(cache, "c");  // c#3 evicts b
  EXPECT_EQ(Answer(cache, "a"), "a#1");
  EXPECT_EQ(Answer(cache, "b"), "b#4");
  EXPECT_EQ(inner_.calls, 4);
}

TEST_F(CachingEntityResolverTest, CapacityZeroAndLongTextsPassThrough) {
  CachingEntityResolver off = MakeCache({.capacity = 0});
  EXPECT_EQ(Answer(off, "Opec"), "Opec#1");
  EXPECT_EQ(Answer(off, "Opec"), "Opec#2");
  CachingEntityResolver small = MakeCache({.max_text_bytes = 4});
  EXPECT_EQ(Answer(small, "Opec"), "Opec#3");
  EXPECT_EQ(Answer(small, "Opec"), "Opec#3");
  EXPECT_EQ(Answer(small, "Opec!"), "Opec!#4");
  EXPECT_EQ(Answer(small, "Opec!"), "Opec!#5");
}

}  // namespace
}  // namespace newsgraph::search
