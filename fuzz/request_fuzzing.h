// Helpers for the request-level fuzzers: structured values drawn from the
// fuzzer's bytes (FuzzedDataProvider), biased towards the extremes a hostile
// client would send, and a temporary RocksDB directory per process.
#ifndef NEWSGRAPH_FUZZ_REQUEST_FUZZING_H_
#define NEWSGRAPH_FUZZ_REQUEST_FUZZING_H_

#include <fuzzer/FuzzedDataProvider.h>
#include <stdlib.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/timestamp.pb.h"
#include "storage/rocksdb_kv_store.h"

namespace newsgraph::fuzzing {

// A fresh directory under $TMPDIR (or /tmp) for the fuzzer's store; left
// behind on exit (libFuzzer processes end by exit()).
inline std::string TempDirectory(const char* name) {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/" + name + "-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) abort();
  return pattern;
}

// A RocksDB store with `column_families` in a fresh temporary directory;
// aborts when it cannot be opened (the fuzzer cannot run without it).
inline std::unique_ptr<storage::KvStore> OpenTempStore(
    const char* name, const std::vector<std::string>& column_families) {
  storage::RocksDbOptions options;
  options.path = TempDirectory(name);
  options.column_families = column_families;
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store = storage::OpenRocksDbStore(options);
  if (!store.ok()) abort();
  return *std::move(store);
}

// An integer that is often an edge: 0, -1, 1, the type's limits, a small
// value, or anything.
template <typename T>
T EdgeInt(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0: return 0;
    case 1: return static_cast<T>(-1);
    case 2: return std::numeric_limits<T>::min();
    case 3: return std::numeric_limits<T>::max();
    case 4: return in.ConsumeIntegralInRange<T>(0, 64);
    case 5: return 1;
    default: return in.ConsumeIntegral<T>();
  }
}

// A Timestamp anywhere in int64 seconds and int32 nanos, often at the
// edges of (and just outside) the range google.protobuf.Timestamp allows.
inline void FillTimestamp(FuzzedDataProvider& in, google::protobuf::Timestamp* ts) {
  static constexpr int64_t kEdges[] = {-62135596801, -62135596800, 0, 253402300799,
                                       253402300800, 1700000000};
  if (in.ConsumeBool()) {
    ts->set_seconds(kEdges[in.ConsumeIntegralInRange<size_t>(0, std::size(kEdges) - 1)]);
  } else {
    ts->set_seconds(EdgeInt<int64_t>(in));
  }
  ts->set_nanos(in.ConsumeBool() ? 0 : EdgeInt<int32_t>(in));
}

// `bytes` with every byte that does not begin a well-formed UTF-8 sequence
// replaced by '?': gRPC refuses proto3 strings that are not UTF-8 before a
// service sees them, so the fuzzers send only what a client can.
inline std::string ValidUtf8(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = length > 0 && i + length <= bytes.size();
    uint32_t code = length == 1 ? c : length == 2 ? (c & 0x1F) : length == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(bytes[i + k]);
      ok = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // No overlong forms, surrogates or code points past U+10FFFF.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && code >= kMin[length] && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
    if (ok) {
      out.append(bytes, i, length);
      i += length;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

// Text: random UTF-8, or a run of one short piece repeated up to `max`
// bytes (the shape that makes loops long).
inline std::string Text(FuzzedDataProvider& in, size_t max) {
  if (in.ConsumeIntegralInRange<int>(0, 3) != 0) return ValidUtf8(in.ConsumeRandomLengthString(max));
  const std::string piece = ValidUtf8(in.ConsumeRandomLengthString(16));
  const size_t times = in.ConsumeIntegralInRange<size_t>(1, max / (piece.size() + 1) + 1);
  std::string out;
  for (size_t i = 0; i < times && out.size() < max; ++i) out += piece;
  return out;
}

// Statuses a service may return for client input; anything else (INTERNAL,
// DATA_LOSS, UNKNOWN) is a finding.
inline void CheckClientStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      __builtin_trap();
    default:
      return;
  }
}

}  // namespace newsgraph::fuzzing

#endif  // NEWSGRAPH_FUZZ_REQUEST_FUZZING_H_
