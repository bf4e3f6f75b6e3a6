// Status propagation macros for absl::Status / absl::StatusOr.
// Debian's Abseil 20220623 ships none, so newsgraph defines its own.
#ifndef NEWSGRAPH_BASE_STATUS_MACROS_H_
#define NEWSGRAPH_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NG_STATUS_CONCAT_INNER(a, b) a##b
#define NG_STATUS_CONCAT(a, b) NG_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define NG_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status ng_status_ = (expr);      \
    if (!ng_status_.ok()) return ng_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, else moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define NG_ASSIGN_OR_RETURN(lhs, rexpr) \
  NG_ASSIGN_OR_RETURN_IMPL(NG_STATUS_CONCAT(ng_statusor_, __COUNTER__), lhs, rexpr)

#define NG_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr)     \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // NEWSGRAPH_BASE_STATUS_MACROS_H_
