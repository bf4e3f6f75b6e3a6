// Conversion between absl::Status and grpc::Status. The one place where
// service adapters and the client library map error codes.
#ifndef NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_
#define NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "absl/status/status.h"

namespace newsgraph {

// Maps `status` to a grpc::Status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a grpc::Status received by a client back to absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Whether the call of `context` should stop now: CANCELLED once it is
// cancelled (client gone, server shutting down, the default-deadline
// watchdog), DEADLINE_EXCEEDED once its deadline has passed (or when it is
// cancelled less than 100 ms before it: the client's copy of the deadline
// runs out first), else OK. Cheap
// enough to ask every few thousand steps of a loop. `context` must outlive
// the call's work.
absl::Status CallStopStatus(const grpc::ServerContextBase& context);

// ToGrpcStatus for the result of work that `context`'s stop predicate may
// have ended: a core's CANCELLED becomes DEADLINE_EXCEEDED when it was the
// deadline that stopped it, so the client learns which.
grpc::Status ToGrpcStatus(const absl::Status& status, const grpc::ServerContextBase& context);

// CallStopStatus as the bool predicate the service cores take: the deadline
// is checked at every call, cancellation at most every 2 ms (asking gRPC
// costs tens of microseconds); once true it stays true. Safe to call from
// several threads at once.
std::function<bool()> CallStopPredicate(const grpc::ServerContextBase* context);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_
