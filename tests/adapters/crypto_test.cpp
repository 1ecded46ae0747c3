#include "adapters/crypto/crypto.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hotline::crypto {
namespace {

namespace fs = std::filesystem;

const std::string test_key(32, 'k');
const std::string other_key(32, 'o');

// --- seal / open -------------------------------------------------------------

TEST(crypto_seal, opens_back_to_the_same_chinese_text) {
  const std::string text = "张三 · 渝中区解放碑街道 13812345678";
  const std::string sealed = seal(test_key, text, "CQ20240101000001");
  EXPECT_EQ(sealed.size(), 12 + text.size() + 16);
  EXPECT_EQ(sealed.find(text), std::string::npos);
  const auto opened = open(test_key, sealed, "CQ20240101000001");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, text);
}

TEST(crypto_seal, opens_back_empty_text_and_empty_aad) {
  const std::string sealed = seal(test_key, "");
  EXPECT_EQ(sealed.size(), 28u);
  const auto opened = open(test_key, sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, "");
}

TEST(crypto_seal, gives_different_blobs_for_the_same_text) {
  EXPECT_NE(seal(test_key, "李四", "t1"), seal(test_key, "李四", "t1"));
}

TEST(crypto_seal, refuses_a_key_that_is_not_32_bytes) {
  EXPECT_THROW(seal(std::string(16, 'k'), "x"), std::invalid_argument);
  EXPECT_THROW(seal("", "x"), std::invalid_argument);
}

TEST(crypto_open, rejects_every_single_flipped_byte) {
  const std::string sealed = seal(test_key, "欧阳娜娜", "CQ1");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(open(test_key, tampered, "CQ1").has_value()) << "byte " << i;
  }
}

TEST(crypto_open, rejects_a_blob_moved_to_another_ticket) {
  const std::string sealed = seal(test_key, "王五", "CQ1");
  EXPECT_FALSE(open(test_key, sealed, "CQ2").has_value());
  EXPECT_FALSE(open(test_key, sealed, "").has_value());
}

TEST(crypto_open, rejects_the_wrong_key) {
  const std::string sealed = seal(test_key, "王五", "CQ1");
  EXPECT_FALSE(open(other_key, sealed, "CQ1").has_value());
  EXPECT_FALSE(open(std::string(16, 'k'), sealed, "CQ1").has_value());
}

TEST(crypto_open, rejects_truncated_and_extended_blobs) {
  const std::string sealed = seal(test_key, "赵六", "CQ1");
  EXPECT_FALSE(open(test_key, "", "CQ1").has_value());
  EXPECT_FALSE(open(test_key, sealed.substr(0, 27), "CQ1").has_value());
  EXPECT_FALSE(open(test_key, sealed.substr(0, sealed.size() - 1), "CQ1").has_value());
  EXPECT_FALSE(open(test_key, sealed + "x", "CQ1").has_value());
}

// --- key file ----------------------------------------------------------------

class crypto_key_file : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hotline-crypto-test-" + random_hex(8));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(crypto_key_file, is_created_with_mode_0600_and_reloaded_identically) {
  const fs::path path = dir_ / "nested" / "keys" / "data.key";
  const std::string key = load_or_create_key(path);
  EXPECT_EQ(key.size(), 32u);
  ASSERT_TRUE(fs::is_regular_file(path));
  EXPECT_EQ(fs::file_size(path), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(load_or_create_key(path), key);
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(crypto_key_file, differs_between_two_new_files) {
  EXPECT_NE(load_or_create_key(dir_ / "a.key"), load_or_create_key(dir_ / "b.key"));
}

TEST_F(crypto_key_file, of_the_wrong_size_is_rejected_naming_the_path) {
  fs::create_directories(dir_);
  for (const std::size_t size : {0, 16, 31, 33, 64}) {
    const fs::path path = dir_ / ("bad-" + std::to_string(size) + ".key");
    std::ofstream(path, std::ios::binary) << std::string(size, 'x');
    try {
      load_or_create_key(path);
      ADD_FAILURE() << "accepted a " << size << "-byte key file";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    // The bad file is left alone, never replaced by a fresh key.
    EXPECT_EQ(fs::file_size(path), size);
  }
}

TEST_F(crypto_key_file, created_by_racing_starters_is_the_same_for_all) {
  const fs::path path = dir_ / "race.key";
  std::array<std::string, 8> keys;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] { keys[i] = load_or_create_key(path); });
  }
  for (auto& t : threads)
    t.join();
  for (const auto& k : keys)
    EXPECT_EQ(k, keys[0]);
  EXPECT_EQ(load_or_create_key(path), keys[0]);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(crypto_key_file, that_is_a_directory_is_rejected) {
  fs::create_directories(dir_ / "dir.key");
  EXPECT_THROW(load_or_create_key(dir_ / "dir.key"), std::runtime_error);
}

TEST_F(crypto_key_file, written_by_someone_else_is_loaded_as_is) {
  fs::create_directories(dir_);
  std::string bytes;
  for (int i = 0; i < 32; ++i)
    bytes.push_back(static_cast<char>(i * 7));
  std::ofstream(dir_ / "given.key", std::ios::binary) << bytes;
  EXPECT_EQ(load_or_create_key(dir_ / "given.key"), bytes);
}

// --- hashes ------------------------------------------------------------------

TEST(crypto_hash, sha256_hex_matches_the_known_vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(crypto_hash, hmac_sha256_matches_rfc_4231_case_2) {
  EXPECT_EQ(sha256_hex(""), sha256_hex(std::string()));
  const std::string mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(mac.size(), 32u);
  static constexpr char hex[] = "0123456789abcdef";
  std::string mac_hex;
  for (const unsigned char c : mac) {
    mac_hex.push_back(hex[c >> 4]);
    mac_hex.push_back(hex[c & 15]);
  }
  EXPECT_EQ(mac_hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(crypto_hash, hmac_sha256_accepts_an_empty_key) {
  EXPECT_EQ(hmac_sha256("", "data").size(), 32u);
}

// --- base64url ---------------------------------------------------------------

TEST(crypto_base64url, round_trips_all_byte_values) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all.push_back(static_cast<char>(b));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string data = all.substr(all.size() - len); // every length, every byte
    const std::string text = base64url_encode(data);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    const auto back = base64url_decode(text);
    ASSERT_TRUE(back.has_value()) << len;
    EXPECT_EQ(*back, data);
  }
}

TEST(crypto_base64url, matches_rfc_4648_vectors_without_padding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(crypto_base64url, rejects_padding_foreign_characters_and_odd_lengths) {
  EXPECT_FALSE(base64url_decode("Zg==").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v+/").has_value());
  EXPECT_FALSE(base64url_decode("Zm 9v").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
  EXPECT_FALSE(base64url_decode("Zh").has_value()); // non-zero unused bits
  EXPECT_TRUE(base64url_decode("").has_value());
}

// --- random ------------------------------------------------------------------

TEST(crypto_random, digits_have_the_asked_length_and_only_digits) {
  EXPECT_EQ(random_digits(0), "");
  for (const std::size_t n : {1, 6, 100, 1000}) {
    const std::string d = random_digits(n);
    EXPECT_EQ(d.size(), n);
    EXPECT_EQ(d.find_first_not_of("0123456789"), std::string::npos);
  }
}

TEST(crypto_random, every_digit_appears_about_equally_over_10000_draws) {
  std::array<int, 10> counts{};
  for (int i = 0; i < 10'000; ++i)
    ++counts[random_digits(1)[0] - '0'];
  for (int d = 0; d < 10; ++d) {
    // Expected 1000, standard deviation 30: these bounds are ~6.7 sigma.
    EXPECT_GT(counts[d], 800) << "digit " << d;
    EXPECT_LT(counts[d], 1200) << "digit " << d;
  }
}

TEST(crypto_random, hex_has_two_lowercase_digits_per_byte_and_varies) {
  EXPECT_EQ(random_hex(0), "");
  const std::string h = random_hex(16);
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(random_hex(16), h);
}

TEST(crypto_compare, is_equal_only_for_the_same_bytes_and_length) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

const std::string secret = "operator-secret-of-the-test";

// --- signed automation tokens (M-D-3) ------------------------------------------

constexpr std::int64_t t0 = 1'760'000'000'000; // 2025-10-09, ms since the epoch
constexpr std::int64_t hour = 3'600'000;
const std::string office_id = "cq.office";

token_grant unit_grant(std::string unit = "500103") {
  return {false, std::move(unit), routing::role_set::of({routing::role::liaison}), t0 + 24 * hour};
}

token_grant office_grant() {
  return {true, "", routing::role_set::of({routing::role::supervisor}), t0 + 24 * hour};
}

std::string signed_payload(const std::string& payload) {
  return base64url_encode(payload) + "." + base64url_encode(hmac_sha256(secret, payload));
}

TEST(crypto_automation_token, gives_the_unit_its_roles_as_user_token_M_D_3) {
  const auto p
      = verify_automation_token(secret, sign_automation_token(secret, unit_grant()), t0, office_id);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->user, "token");
  EXPECT_EQ(p->display_name, "自动化令牌");
  EXPECT_EQ(p->unit_id, "500103");
  EXPECT_FALSE(p->office);
  EXPECT_EQ(p->roles, routing::role_set::of({routing::role::liaison}));
  EXPECT_EQ(p->session, "");
}

TEST(crypto_automation_token, for_the_office_carries_the_office_id_M_U_1) {
  const auto p = verify_automation_token(secret, sign_automation_token(secret, office_grant()), t0,
                                         office_id);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->office);
  EXPECT_EQ(p->unit_id, office_id);
  EXPECT_EQ(p->roles, routing::role_set::of({routing::role::supervisor}));
}

TEST(crypto_automation_token, is_refused_from_the_millisecond_it_expires_M_D_3) {
  const std::string token = sign_automation_token(secret, unit_grant());
  EXPECT_TRUE(verify_automation_token(secret, token, t0 + 24 * hour - 1, office_id).has_value());
  EXPECT_FALSE(verify_automation_token(secret, token, t0 + 24 * hour, office_id).has_value());
  EXPECT_FALSE(verify_automation_token(secret, token, t0 + 48 * hour, office_id).has_value());
}

TEST(crypto_automation_token, with_any_one_character_changed_is_refused_M_D_3) {
  const std::string token = sign_automation_token(secret, unit_grant());
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t != token) {
      EXPECT_FALSE(verify_automation_token(secret, t, t0, office_id).has_value()) << i;
    }
  }
  EXPECT_FALSE(verify_automation_token("other", token, t0, office_id).has_value());
}

TEST(crypto_automation_token, with_a_longer_expiry_or_more_roles_forged_is_refused_M_D_3) {
  const std::string token = sign_automation_token(secret, unit_grant());
  const std::string mac = token.substr(token.find('.'));
  for (const std::string payload :
       {"v2|unit|500103|liaison|9999999999999", "v2|unit|500103|handler,liaison|1760086400000",
        "v2|office||liaison|1760086400000"})
    EXPECT_FALSE(
        verify_automation_token(secret, base64url_encode(payload) + mac, t0, office_id).has_value())
        << payload;
}

TEST(crypto_automation_token, for_a_unit_named_like_the_office_is_refused_M_D_3) {
  // `hotline token --unit cq.office` must not give office powers.
  const std::string token = sign_automation_token(secret, unit_grant(office_id));
  EXPECT_FALSE(verify_automation_token(secret, token, t0, office_id).has_value());
  EXPECT_FALSE(verify_automation_token(secret, token, t0, "").has_value());
}

TEST(crypto_automation_token, authentic_but_malformed_payloads_are_refused) {
  for (const std::string payload :
       {"v2|unit|500103|liaison|", "v2|unit|500103|liaison|01760086400000",
        "v2|unit|500103||1760086400000", "v2|unit|500103|supervisor|1760086400000",
        "v2|office||liaison|1760086400000", "v2|office|cq.office|supervisor|1760086400000",
        "v2|unit|500103|liaison,liaison|1760086400000", "v2|unit|500103|liaison|-5",
        "v2|unit|500103|liaison|1760086400000|x", "v2|unit||liaison|1760086400000",
        "v2|unit|500103|Liaison|1760086400000", "v1|unit|500103"})
    EXPECT_FALSE(
        verify_automation_token(secret, signed_payload(payload), t0, office_id).has_value())
        << payload;
}

TEST(crypto_automation_token, refuses_to_sign_roles_that_do_not_fit_the_unit_M_U_1) {
  auto g = unit_grant();
  g.roles = routing::role_set::of({routing::role::supervisor});
  EXPECT_THROW(sign_automation_token(secret, g), std::invalid_argument);
  g = office_grant();
  g.roles = routing::role_set::of({routing::role::liaison});
  EXPECT_THROW(sign_automation_token(secret, g), std::invalid_argument);
  g.roles = {};
  EXPECT_THROW(sign_automation_token(secret, g), std::invalid_argument);
  EXPECT_THROW(sign_automation_token("", office_grant()), std::invalid_argument);
  EXPECT_THROW(sign_automation_token(secret, unit_grant("a b")), std::invalid_argument);
}

TEST(crypto_automation_token, refuses_a_v1_token_of_the_old_never_expiring_kind) {
  // "v1|office|" signed with the same secret: the old format gave office
  // powers for ever; it is refused now.
  EXPECT_FALSE(
      verify_automation_token(secret, signed_payload("v1|office|"), t0, office_id).has_value());
}

} // namespace
} // namespace hotline::crypto
