// A minimal HTTP/1.0 GET over loopback TCP, for tests that scrape a
// daemon's metrics.
#ifndef NEWSGRAPH_TESTS_TESTING_HTTP_GET_H_
#define NEWSGRAPH_TESTS_TESTING_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace newsgraph::testing {

// The body of GET `path` from 127.0.0.1:`port`. Errors: UNAVAILABLE when
// the connection fails, INTERNAL for a status other than 200.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_HTTP_GET_H_
