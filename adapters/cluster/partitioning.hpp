#pragma once
// Partitions (issue 4): a fixed number P of partitions over ticket numbers
// and intake keys. Pure arithmetic, shared by every node, so any node can
// tell which partition a request belongs to without asking Redis.
//
// A ticket number is "YYYYMMDD-SSSSSS". Its partition is (S - 1) mod P: the
// owner of partition p draws its n-th number of a day as S = (n - 1)·P + p + 1
// from a counter of its own, so a new ticket lands in the partition of the
// node that registers it, and numbers stay unique and short.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::cluster {

using partition_id = std::uint32_t;

/// The default number of partitions; fixed for the lifetime of a deployment
/// (it is recorded in Redis and a node with another number refuses to start).
inline constexpr partition_id default_partitions = 256;

/// The partition of an arbitrary key (FNV-1a, 64 bit): stable across builds
/// and machines, unlike std::hash.
inline partition_id partition_of_key(std::string_view key, partition_id partitions) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<partition_id>(h % partitions);
}

/// The daily sequence number S of the n-th ticket (n ≥ 1) of partition p.
inline std::uint64_t ticket_sequence(std::uint64_t n, partition_id p, partition_id partitions) {
  return (n - 1) * partitions + p + 1;
}

/// The partition of ticket number `no` ("YYYYMMDD-SSSSSS"); nullopt if it is
/// not a ticket number.
inline std::optional<partition_id> partition_of_ticket(std::string_view no,
                                                       partition_id partitions) {
  const auto dash = no.find('-');
  if (dash != 8 || no.size() < 10 || no.size() > 24)
    return std::nullopt;
  for (std::size_t i = 0; i < dash; ++i)
    if (no[i] < '0' || no[i] > '9')
      return std::nullopt;
  std::uint64_t seq = 0;
  for (std::size_t i = dash + 1; i < no.size(); ++i) {
    if (no[i] < '0' || no[i] > '9')
      return std::nullopt;
    seq = seq * 10 + static_cast<std::uint64_t>(no[i] - '0');
  }
  if (seq == 0)
    return std::nullopt;
  return static_cast<partition_id>((seq - 1) % partitions);
}

} // namespace hotline::cluster
