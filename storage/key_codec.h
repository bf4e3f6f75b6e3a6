// Order-preserving key encoding for composite RocksDB keys.
//
// A key is a sequence of typed components. Encoded keys compare (bytewise,
// as RocksDB's default comparator does) in the same order as the component
// tuples they encode, and no encoded key is a prefix of another key with
// different components, so a key built from the first N components is a
// valid prefix for iterating over all keys that start with them.
//
// Encodings:
//   uint64  8 bytes big-endian.
//   int64   8 bytes big-endian with the sign bit flipped.
//   string  bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01.
//
// Thread-safety: KeyBuilder and KeyReader are plain values; use one per thread.
#ifndef NEWSGRAPH_STORAGE_KEY_CODEC_H_
#define NEWSGRAPH_STORAGE_KEY_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph::storage {

// Appends components to a key.
class KeyBuilder {
 public:
  KeyBuilder() = default;

  KeyBuilder& AddUint64(uint64_t value);
  KeyBuilder& AddInt64(int64_t value);
  KeyBuilder& AddString(absl::string_view value);

  // The encoded key so far.
  const std::string& key() const { return key_; }
  std::string Release() && { return std::move(key_); }

 private:
  std::string key_;
};

// Reads components back from an encoded key, in the order they were added.
// Borrows the key bytes: they must outlive the reader.
// Each Read* returns INVALID_ARGUMENT (naming the byte offset) when the
// remaining bytes do not hold a component of that type.
class KeyReader {
 public:
  explicit KeyReader(absl::string_view key) : key_(key) {}

  absl::StatusOr<uint64_t> ReadUint64();
  absl::StatusOr<int64_t> ReadInt64();
  absl::StatusOr<std::string> ReadString();

  // True when every byte has been consumed.
  bool AtEnd() const { return pos_ == key_.size(); }

 private:
  absl::string_view key_;
  size_t pos_ = 0;
};

// Returns the smallest key greater than every key that starts with `prefix`,
// or an empty string when none exists (prefix is all 0xFF bytes).
std::string PrefixSuccessor(absl::string_view prefix);

// Fixed-width big-endian helpers for values (not only keys).
void AppendBigEndian64(std::string* out, uint64_t value);
std::string EncodeBigEndian64(uint64_t value);
uint64_t DecodeBigEndian64(const char* bytes);

}  // namespace newsgraph::storage

#endif  // NEWSGRAPH_STORAGE_KEY_CODEC_H_
