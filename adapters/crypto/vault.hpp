#pragma once
// Caller data at rest (DESIGN rule 6): name, phone and the extraction code
// (提取码) of a ticket, sealed together with AES-256-GCM and bound to the
// ticket number (as associated data), so a blob cannot be moved to another
// ticket. Nothing here logs.

#include <optional>
#include <string>

namespace hotline::crypto {

struct caller_secret {
  std::string name;
  std::string phone;
  std::string extraction_code;
};

class vault {
 public:
  explicit vault(std::string key) : key_(std::move(key)) {}
  std::string seal(const std::string& ticket_no, const caller_secret& s) const;
  /// A keyed hash (HMAC-SHA256, hex) of `canonical`: lets a retry be compared
  /// with the first request without keeping caller data in clear.
  std::string fingerprint(const std::string& canonical) const;
  /// nullopt if the blob does not authenticate for this ticket.
  std::optional<caller_secret> open(const std::string& ticket_no, const std::string& sealed) const;

 private:
  std::string key_;
};

} // namespace hotline::crypto
