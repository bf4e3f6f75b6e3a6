// The benchmark's Search request for one query of the query set: the same
// for the in-process programs and the gRPC load generator.
#ifndef NEWSGRAPH_BENCH_COMMON_SEARCH_REQUEST_H_
#define NEWSGRAPH_BENCH_COMMON_SEARCH_REQUEST_H_

#include "bench/common/bench_corpus.h"
#include "newsgraph/v1/search_service.pb.h"

namespace newsgraph::bench {

// Top 10 of "a AND b" (the strict conjunction) or of plain "a b", the
// default semantics (every document with either word a candidate, ranked
// with coordination), which the peers answer as "a OR b". `basic`: what the
// peers are compared with (no entity resolution, no typo tolerance, stored
// fields only); otherwise the service's default request (entity resolution,
// passages).
inline newsgraph::v1::SearchRequest MakeSearchRequest(const BenchQuery& q, bool basic = true) {
  newsgraph::v1::SearchRequest request;
  std::string query;
  for (const std::string& w : q.words) {
    if (!query.empty()) query += q.conjunctive ? " AND " : " ";
    query += w;
  }
  request.set_query(query);
  request.set_page_size(10);
  if (basic) {
    request.set_disable_entity_resolution(true);
    request.set_disable_typo_tolerance(true);
    request.set_view(newsgraph::v1::SEARCH_VIEW_BASIC);
  }
  return request;
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_SEARCH_REQUEST_H_
