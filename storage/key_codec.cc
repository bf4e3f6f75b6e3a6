#include "storage/key_codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::storage {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';
constexpr char kTerminator = '\x01';
constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

void AppendBigEndian64(std::string* out, uint64_t value) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  out->append(bytes, 8);
}

std::string EncodeBigEndian64(uint64_t value) {
  std::string out;
  AppendBigEndian64(&out, value);
  return out;
}

uint64_t DecodeBigEndian64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

KeyBuilder& KeyBuilder::AddUint64(uint64_t value) {
  AppendBigEndian64(&key_, value);
  return *this;
}

KeyBuilder& KeyBuilder::AddInt64(int64_t value) {
  AppendBigEndian64(&key_, static_cast<uint64_t>(value) ^ kSignBit);
  return *this;
}

KeyBuilder& KeyBuilder::AddString(absl::string_view value) {
  key_.reserve(key_.size() + value.size() + 2);
  for (char c : value) {
    key_.push_back(c);
    if (c == kEscape) key_.push_back(kEscapedZero);
  }
  key_.push_back(kEscape);
  key_.push_back(kTerminator);
  return *this;
}

absl::StatusOr<uint64_t> KeyReader::ReadUint64() {
  if (key_.size() - pos_ < 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ends at byte ", key_.size(), ": expected 8-byte integer at byte ", pos_));
  }
  uint64_t value = DecodeBigEndian64(key_.data() + pos_);
  pos_ += 8;
  return value;
}

absl::StatusOr<int64_t> KeyReader::ReadInt64() {
  absl::StatusOr<uint64_t> raw = ReadUint64();
  if (!raw.ok()) return raw.status();
  return static_cast<int64_t>(*raw ^ kSignBit);
}

absl::StatusOr<std::string> KeyReader::ReadString() {
  std::string value;
  const size_t start = pos_;
  while (pos_ < key_.size()) {
    const char c = key_[pos_++];
    if (c != kEscape) {
      value.push_back(c);
      continue;
    }
    if (pos_ == key_.size()) break;
    const char next = key_[pos_++];
    if (next == kTerminator) return value;
    if (next != kEscapedZero) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad escape byte in key string component at byte ", pos_ - 1));
    }
    value.push_back(kEscape);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unterminated string component starting at key byte ", start));
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty()) {
    unsigned char last = static_cast<unsigned char>(successor.back());
    if (last != 0xFF) {
      successor.back() = static_cast<char>(last + 1);
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

}  // namespace newsgraph::storage
