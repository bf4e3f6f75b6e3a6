// Conversion between absl::Status and grpc::Status. The one place where
// service adapters and the client library map error codes.
#ifndef NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_
#define NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace newsgraph {

// Maps `status` to a grpc::Status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a grpc::Status received by a client back to absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_GRPC_STATUS_H_
