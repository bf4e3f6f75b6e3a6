#ifndef NEWSGRAPH_TESTS_TESTING_SANITIZERS_H_
#define NEWSGRAPH_TESTS_TESTING_SANITIZERS_H_

namespace newsgraph::testing {

// True in a build instrumented by AddressSanitizer or ThreadSanitizer, where
// code runs several times more slowly: tests that size their load to cost a
// daemon seconds may scale it down by the same factor.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_SANITIZERS_H_
