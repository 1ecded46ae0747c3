#include "adapters/crypto/crypto.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace hotline::crypto {
namespace {

constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::size_t max_chunk = INT_MAX;

const unsigned char* bytes_of(std::string_view s) {
  // EVP tolerates a null pointer only with a zero length; an empty
  // string_view may carry one, so point at a harmless static byte instead.
  static const unsigned char empty = 0;
  return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

/// Fills `out` with `n` bytes from RAND_bytes, in chunks that fit an int.
void fill_random(unsigned char* out, std::size_t n) {
  while (n > 0) {
    const std::size_t chunk = n < max_chunk ? n : max_chunk;
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
      throw std::runtime_error("crypto: RAND_bytes failed");
    }
    out += chunk;
    n -= chunk;
  }
}

struct cipher_ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free>;

/// Feeds `in` to an encrypt or decrypt context in int-sized chunks. With
/// `out` null the input is AAD. Returns false on an OpenSSL failure.
bool cipher_update(EVP_CIPHER_CTX* ctx, bool encrypt, unsigned char* out, std::string_view in) {
  std::size_t done = 0;
  while (done < in.size()) {
    const std::size_t chunk = in.size() - done < max_chunk ? in.size() - done : max_chunk;
    int len = 0;
    const unsigned char* src = bytes_of(in) + done;
    unsigned char* dst = out == nullptr ? nullptr : out + done;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, dst, &len, src, static_cast<int>(chunk))
                           : EVP_DecryptUpdate(ctx, dst, &len, src, static_cast<int>(chunk));
    // GCM is a stream mode: every input byte yields one output byte at once.
    if (ok != 1 || (out != nullptr && static_cast<std::size_t>(len) != chunk))
      return false;
    done += chunk;
  }
  return true;
}

/// Writes all of `data` to `fd`, retrying on EINTR and short writes.
bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

[[noreturn]] void key_error(const std::filesystem::path& path, const std::string& what,
                            int err = 0) {
  std::string msg = "crypto: key file '" + path.string() + "': " + what;
  if (err != 0)
    msg += ": " + std::generic_category().message(err);
  throw std::runtime_error(msg);
}

/// Reads an existing key file; throws unless it holds exactly key_size bytes.
std::string read_key(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    key_error(path, "cannot open", errno);
  std::string key(key_size + 1, '\0'); // one spare byte detects an oversized file
  std::size_t got = 0;
  while (got < key.size()) {
    const ssize_t r = ::read(fd, key.data() + got, key.size() - got);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      const int err = errno;
      ::close(fd);
      OPENSSL_cleanse(key.data(), key.size());
      key_error(path, "cannot read", err);
    }
    if (r == 0)
      break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  if (got != key_size) {
    OPENSSL_cleanse(key.data(), key.size());
    key_error(path, "must hold exactly 32 bytes, found "
                        + std::string(got > key_size ? "more" : std::to_string(got)));
  }
  key.resize(key_size);
  return key;
}

/// fsyncs the directory `dir` so a newly linked name survives a crash.
/// Best effort: some file systems refuse fsync on directories.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  (void)::fsync(fd);
  ::close(fd);
}

/// Creates a new key at `path` without ever exposing a partial file. Returns
/// the new key, or the one another process linked into place first.
std::string create_key(const std::filesystem::path& path) {
  std::string key(key_size, '\0');
  fill_random(bytes_of(key), key.size());

  const std::filesystem::path tmp = path.string() + ".tmp-" + random_hex(8);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    key_error(path, "cannot create temporary file", errno);
  // The umask may have removed bits from 0600; set the mode explicitly.
  if (::fchmod(fd, 0600) != 0 || !write_all(fd, key.data(), key.size()) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    key_error(path, "cannot write", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    key_error(path, "cannot write", err);
  }
  // link() fails with EEXIST instead of replacing: a key another process made
  // in the meantime wins, and nobody's key is ever overwritten.
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    OPENSSL_cleanse(key.data(), key.size());
    if (err == EEXIST)
      return read_key(path);
    key_error(path, "cannot create", err);
  }
  sync_directory(path.parent_path());
  return key;
}

constexpr std::string_view b64_alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

bool valid_unit_id(std::string_view id) {
  if (id.empty())
    return false;
  for (const char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || c == '.' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  return hex(std::string_view(reinterpret_cast<const char*>(p), n));
}

} // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0f]);
  }
  return out;
}

std::string unhex(std::string_view text) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2)
    return {};
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = val(text[i]), lo = val(text[i + 1]);
    if (hi < 0 || lo < 0)
      return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string load_or_create_key(const std::filesystem::path& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::exists(st)) {
    if (!std::filesystem::is_regular_file(st))
      key_error(path, "is not a regular file");
    return read_key(path);
  }
  if (st.type() != std::filesystem::file_type::not_found) {
    key_error(path, "cannot stat", ec.value());
  }
  const auto parent = path.parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec)
      key_error(path, "cannot create parent directory", ec.value());
  }
  return create_key(path);
}

std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != key_size)
    throw std::invalid_argument("crypto: seal needs a 32-byte key");
  std::string out(nonce_size + plaintext.size() + tag_size, '\0');
  unsigned char* nonce = bytes_of(out);
  unsigned char* body = nonce + nonce_size;
  unsigned char* tag = body + plaintext.size();
  fill_random(nonce, nonce_size);

  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const bool ok
      = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1
        && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key), nonce) == 1
        && cipher_update(ctx.get(), true, nullptr, aad)
        && cipher_update(ctx.get(), true, body, plaintext)
        && EVP_EncryptFinal_ex(ctx.get(), body + plaintext.size(), &len) == 1 && len == 0
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, tag) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    throw std::runtime_error("crypto: AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view aad) {
  if (key.size() != key_size || sealed.size() < nonce_size + tag_size)
    return std::nullopt;
  const std::string_view nonce = sealed.substr(0, nonce_size);
  const std::string_view body = sealed.substr(nonce_size, sealed.size() - nonce_size - tag_size);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; give it a copy.
  std::string tag(sealed.substr(sealed.size() - tag_size));
  std::string out(body.size(), '\0');

  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const bool ok
      = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1
        && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key), bytes_of(nonce)) == 1
        && cipher_update(ctx.get(), false, nullptr, aad)
        && cipher_update(ctx.get(), false, out.empty() ? nullptr : bytes_of(out), body)
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1
        && EVP_DecryptFinal_ex(ctx.get(), bytes_of(out) + out.size(), &len) == 1 && len == 0;
  if (!ok) {
    // Unauthenticated plaintext must not linger in freed memory either.
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("crypto: HMAC key too long");
  }
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(data), data.size(),
           bytes_of(out), &len)
          == nullptr
      || len != 32) {
    throw std::runtime_error("crypto: HMAC-SHA256 failed");
  }
  out.resize(len);
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes_of(data), data.size(), md, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    throw std::runtime_error("crypto: SHA-256 failed");
  }
  return to_hex(md, len);
}

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(b64_alphabet[(v >> 18) & 63]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.push_back(b64_alphabet[(v >> 6) & 63]);
    out.push_back(b64_alphabet[v & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const unsigned v = byte(i) << 16;
    out.push_back(b64_alphabet[(v >> 18) & 63]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(b64_alphabet[(v >> 18) & 63]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.push_back(b64_alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = b64_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
      acc &= (1u << bits) - 1;
    }
  }
  // Leftover bits (2 or 4) must be zero, or two texts would decode alike.
  if (acc != 0)
    return std::nullopt;
  return out;
}

std::string random_digits(std::size_t n) {
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    fill_random(buf, sizeof buf);
    for (const unsigned char b : buf) {
      if (b >= 250)
        continue; // 250 = 25 * 10: keeps every digit equally likely
      out.push_back(static_cast<char>('0' + b % 10));
      if (out.size() == n)
        break;
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  fill_random(bytes_of(raw), raw.size());
  std::string out = to_hex(bytes_of(raw), raw.size());
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  if (a.empty())
    return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

/// The payload of `token` if its signature is `secret`'s, else nullopt. The
/// signature is compared in constant time before anything reads the payload.
std::optional<std::string> authentic_payload(std::string_view secret, std::string_view token) {
  if (secret.empty())
    return std::nullopt;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto payload = base64url_decode(token.substr(0, dot));
  const auto signature = base64url_decode(token.substr(dot + 1));
  if (!payload || !signature || payload->empty())
    return std::nullopt;
  if (!constant_time_equal(hmac_sha256(secret, *payload), *signature))
    return std::nullopt;
  return payload;
}

std::string grant_payload(const token_grant& g) {
  return std::string(g.office ? "v2|office|" : "v2|unit|") + g.unit_id + "|"
         + routing::join_roles(g.roles) + "|" + std::to_string(g.expires_at);
}

/// Splits `text` at '|' into exactly `n` fields; nullopt otherwise.
std::optional<std::vector<std::string_view>> split_fields(std::string_view text, std::size_t n) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const auto bar = text.find('|', start);
    out.push_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos)
      break;
    start = bar + 1;
  }
  if (out.size() != n)
    return std::nullopt;
  return out;
}

/// Parses an authentic v2 payload strictly: it must be exactly what
/// grant_payload() writes for the grant it describes, so one grant has one
/// text. Does not look at the clock.
std::optional<token_grant> parse_grant(std::string_view text) {
  const auto f = split_fields(text, 5);
  if (!f || (*f)[0] != "v2" || ((*f)[1] != "office" && (*f)[1] != "unit"))
    return std::nullopt;
  token_grant g;
  g.office = (*f)[1] == "office";
  g.unit_id = std::string((*f)[2]);
  const auto roles = routing::split_roles((*f)[3]);
  if (!roles)
    return std::nullopt;
  g.roles = *roles;
  const std::string_view exp = (*f)[4];
  if (exp.empty() || exp.size() > 18 || exp.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  g.expires_at = std::stoll(std::string(exp));
  if (g.office ? !g.unit_id.empty() : !valid_unit_id(g.unit_id))
    return std::nullopt;
  if (routing::check_account_roles(g.office, g.roles) || grant_payload(g) != text)
    return std::nullopt;
  return g;
}

} // namespace

std::string sign_automation_token(std::string_view secret, const token_grant& g) {
  if (secret.empty())
    throw std::invalid_argument("crypto: token secret is empty");
  if (g.office && !g.unit_id.empty())
    throw std::invalid_argument("crypto: office token with a unit id");
  if (!g.office && !valid_unit_id(g.unit_id))
    throw std::invalid_argument("crypto: unit id must be non-empty [0-9A-Za-z.-]");
  if (auto e = routing::check_account_roles(g.office, g.roles))
    throw std::invalid_argument("crypto: " + e->message);
  if (g.expires_at < 0)
    throw std::invalid_argument("crypto: token expiry before the epoch");
  const std::string payload = grant_payload(g);
  return base64url_encode(payload) + "." + base64url_encode(hmac_sha256(secret, payload));
}

std::optional<routing::principal> verify_automation_token(std::string_view secret,
                                                          std::string_view token, std::int64_t now,
                                                          std::string_view office_id) {
  auto v = check_automation_token(secret, token, now, office_id);
  if (!v)
    return std::nullopt;
  return std::move(v->who);
}

std::optional<verified_token> check_automation_token(std::string_view secret,
                                                     std::string_view token, std::int64_t now,
                                                     std::string_view office_id) {
  if (office_id.empty())
    return std::nullopt;
  const auto payload = authentic_payload(secret, token);
  if (!payload)
    return std::nullopt;
  const auto g = parse_grant(*payload);
  if (!g || now >= g->expires_at)
    return std::nullopt;
  // A unit token naming the office would act with the office's unit id but
  // without being an office token: refuse it outright.
  if (!g->office && g->unit_id == office_id)
    return std::nullopt;
  routing::principal p;
  p.user = "token";
  p.display_name = "自动化令牌";
  p.unit_id = g->office ? std::string(office_id) : g->unit_id;
  p.office = g->office;
  p.roles = g->roles;
  return verified_token{std::move(p), g->expires_at};
}

} // namespace hotline::crypto
