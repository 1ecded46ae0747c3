#include "adapters/crypto/vault.hpp"

#include <nlohmann/json.hpp>

#include "adapters/crypto/crypto.hpp"

namespace hotline::crypto {

std::string vault::seal(const std::string& ticket_no, const caller_secret& s) const {
  const nlohmann::json j{{"name", s.name}, {"phone", s.phone}, {"code", s.extraction_code}};
  return crypto::seal(key_, j.dump(), ticket_no);
}

std::string vault::fingerprint(const std::string& canonical) const {
  static const char* hex = "0123456789abcdef";
  const auto mac = crypto::hmac_sha256(key_, "fingerprint:" + canonical);
  std::string out;
  for (unsigned char c : mac) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::optional<caller_secret> vault::open(const std::string& ticket_no,
                                         const std::string& sealed) const {
  auto plain = crypto::open(key_, sealed, ticket_no);
  if (!plain)
    return std::nullopt;
  auto j = nlohmann::json::parse(*plain, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;
  return caller_secret{j.value("name", ""), j.value("phone", ""), j.value("code", "")};
}

} // namespace hotline::crypto
