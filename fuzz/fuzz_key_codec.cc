// The order-preserving key codec: decoding arbitrary keys never misbehaves,
// and keys built from fuzzed values read back and order like the values.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "storage/key_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // 1. Arbitrary bytes as a key: a sequence of reads picked by the bytes.
  newsgraph::storage::KeyReader reader(bytes);
  for (size_t i = 0; i < 8 && i < size; ++i) {
    bool ok = false;
    switch (data[i] % 3) {
      case 0:
        ok = reader.ReadUint64().ok();
        break;
      case 1:
        ok = reader.ReadInt64().ok();
        break;
      default:
        ok = reader.ReadString().ok();
        break;
    }
    if (!ok) break;
  }
  // 2. Round trip and order: (string, int64) pairs split from the input.
  if (size < 2) return 0;
  const size_t half = size / 2;
  const std::string a(bytes.substr(0, half)), b(bytes.substr(half));
  int64_t x = 0, y = 0;
  std::memcpy(&x, data, std::min<size_t>(8, size));
  std::memcpy(&y, data + size - std::min<size_t>(8, size), std::min<size_t>(8, size));
  const std::string ka = newsgraph::storage::KeyBuilder().AddString(a).AddInt64(x).key();
  const std::string kb = newsgraph::storage::KeyBuilder().AddString(b).AddInt64(y).key();
  newsgraph::storage::KeyReader back(ka);
  absl::StatusOr<std::string> s = back.ReadString();
  absl::StatusOr<int64_t> n = back.ReadInt64();
  if (!s.ok() || *s != a || !n.ok() || *n != x) __builtin_trap();
  const bool values_less = a < b || (a == b && x < y);
  if (values_less != (ka < kb)) __builtin_trap();
  const std::string successor = newsgraph::storage::PrefixSuccessor(ka);
  if (!successor.empty() && !(ka < successor)) __builtin_trap();
  return 0;
}
