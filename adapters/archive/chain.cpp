#include "adapters/archive/chain.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include <algorithm>

namespace hotline::archive {

namespace {

std::string sha256(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (auto p : parts)
    ok = ok && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1;
  std::string out(32, '\0');
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) == 1;
  if (!ok || len != 32)
    throw std::runtime_error("archive: SHA-256 failed");
  return out;
}

} // namespace

std::string chain_start(std::string_view ticket_no) {
  return sha256({"hotline-chain-v1|", ticket_no});
}

std::string chain_next(std::string_view previous, std::string_view event) {
  return sha256({previous, event});
}

std::vector<std::string> chain_of(std::string_view ticket_no,
                                  const std::vector<std::string>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  std::string h = chain_start(ticket_no);
  for (const auto& e : events) {
    h = chain_next(h, e);
    out.push_back(h);
  }
  return out;
}

std::string merkle_root(std::vector<std::pair<std::string, std::string>> tickets) {
  if (tickets.empty())
    return sha256({});
  std::sort(tickets.begin(), tickets.end());
  std::vector<std::string> level;
  level.reserve(tickets.size());
  static const std::string zero(1, '\0'), one(1, '\1');
  for (const auto& [no, h] : tickets)
    level.push_back(sha256({zero, no, zero, h}));
  while (level.size() > 1) {
    std::vector<std::string> up;
    up.reserve((level.size() + 1) / 2);
    for (std::size_t i = 0; i < level.size(); i += 2)
      up.push_back(i + 1 < level.size() ? sha256({one, level[i], level[i + 1]}) : level[i]);
    level = std::move(up);
  }
  return level.front();
}

std::string format_day_list(std::vector<std::pair<std::string, std::string>> tickets) {
  std::sort(tickets.begin(), tickets.end());
  std::string out;
  for (const auto& [no, h] : tickets)
    out += (out.empty() ? "" : ",") + no + ":" + hex(h);
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_day_list(std::string_view list) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto h = unhex(item.substr(colon + 1));
    if (h.size() == 32)
      out.emplace_back(std::string(item.substr(0, colon)), std::move(h));
  }
  return out;
}

} // namespace hotline::archive
