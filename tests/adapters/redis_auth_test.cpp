// Redis authentication: a password (requirepass) or an ACL user, sent with
// AUTH on every new connection, never shown in a URL or an error; and the
// password file hotlined reads it from.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>

#include "adapters/redis/connection.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr const char* password = "s3cret-Pw-7d1f";

std::string refusal(const redis::endpoint& ep) {
  try {
    redis::connection c(ep);
    return "";
  } catch (const redis::redis_error& e) {
    return e.what();
  }
}

struct requirepass : ::testing::Test {
  static inline std::unique_ptr<redis_server> server;
  static void SetUpTestSuite() {
    redis_auth auth;
    auth.requirepass = password;
    auth.password = password;
    server = std::make_unique<redis_server>(auth);
  }
  static void TearDownTestSuite() { server.reset(); }
};

// Users: `hotline` may touch hl:* only; `admin` is the fixture's own.
struct acl_user : ::testing::Test {
  static inline std::unique_ptr<temp_dir> dir;
  static inline std::unique_ptr<redis_server> server;
  static void SetUpTestSuite() {
    dir = std::make_unique<temp_dir>("hotline-acl");
    std::ofstream(dir->path() / "users.acl")
        << "user default off\n"
        << "user hotline on >" << password << " ~hl:* -@all +ping +get +set\n"
        << "user admin on >admin-pw ~* &* +@all\n";
    redis_auth auth;
    auth.aclfile = dir->path() / "users.acl";
    auth.user = "admin";
    auth.password = "admin-pw";
    auth.tcp = true;
    server = std::make_unique<redis_server>(auth);
  }
  static void TearDownTestSuite() {
    server.reset();
    dir.reset();
  }
  static redis::endpoint as(const std::string& user, const std::string& pw) {
    auto ep = server->tcp_where();
    ep.user = user;
    ep.password = pw;
    return ep;
  }
};

std::filesystem::path write_file(const temp_dir& dir, const std::string& name,
                                 const std::string& content, mode_t mode) {
  const auto path = dir.path() / name;
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), mode);
  return path;
}

std::string refusal_of_file(const std::filesystem::path& file) {
  try {
    redis::read_password_file(file.string());
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

} // namespace

TEST_F(requirepass, TheRightPasswordConnects) {
  redis::connection c(server->where());
  auto r = c.command({"SET", "hl:auth", "1"});
  redis::check(r.get(), "SET");
  EXPECT_NO_THROW(redis::ping(server->where()));
}

TEST_F(requirepass, EveryConnectionOfAPoolAuthenticates) {
  redis::pool pool(server->where(), 3);
  std::vector<redis::pool::lease> leases;
  for (int i = 0; i < 3; ++i) {
    leases.push_back(pool.acquire());
    auto r = leases.back()->command({"PING"});
    EXPECT_EQ(r->type, REDIS_REPLY_STATUS) << redis::reply_string(r.get());
  }
}

TEST_F(requirepass, AWrongPasswordIsRefusedNamingTheServerButNotThePassword) {
  auto ep = server->where();
  ep.password = "not-the-password-9c2e";
  const auto error = refusal(ep);
  EXPECT_NE(error.find("redis at " + ep.socket_path + " refused authentication (WRONGPASS"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find(ep.password), std::string::npos) << error;
  EXPECT_EQ(error.find(password), std::string::npos) << error;
}

TEST_F(requirepass, AMissingPasswordIsAClearErrorAtTheFirstPing) {
  auto ep = server->where();
  ep.password.clear();
  try {
    redis::ping(ep);
    FAIL() << "PING without a password was answered";
  } catch (const redis::redis_error& e) {
    EXPECT_NE(std::string(e.what()).find("requires authentication (NOAUTH"), std::string::npos)
        << e.what();
  }
}

TEST_F(acl_user, TheHotlineUserConnectsAndIsHeldToItsKeysAndCommands) {
  redis::connection c(as("hotline", password));
  redis::check(c.command({"SET", "hl:x", "1"}).get(), "SET hl:x");
  auto other_key = c.command({"SET", "other", "1"});
  ASSERT_EQ(other_key->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(std::string(other_key->str).rfind("NOPERM", 0), 0u) << other_key->str;
  auto flush = c.command({"FLUSHALL"});
  ASSERT_EQ(flush->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(std::string(flush->str).rfind("NOPERM", 0), 0u) << flush->str;
}

TEST_F(acl_user, AWrongPasswordOrUnknownUserIsRefusedWithoutShowingThePassword) {
  for (const auto& ep : {as("hotline", "wrong-pw-5b7a"), as("nobody", password)}) {
    const auto error = refusal(ep);
    EXPECT_NE(error.find("redis at 127.0.0.1:" + std::to_string(ep.port)
                         + " refused authentication as user " + ep.user + " (WRONGPASS"),
              std::string::npos)
        << error;
    EXPECT_EQ(error.find(ep.password), std::string::npos) << error;
  }
}

TEST_F(acl_user, WithoutAPasswordNothingIsServedSinceTheDefaultUserIsOff) {
  auto ep = server->tcp_where();
  ep.user.clear();
  ep.password.clear();
  EXPECT_THROW(redis::ping(ep), redis::redis_error);
}

TEST(redis_url, AUserAndPasswordInTheUrlAreParsedAndTheUrlIsPrintedWithoutThePassword) {
  auto ep = redis::endpoint::parse("redis://hotline:p%40ss:w0rd@10.0.0.5:6380");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->user, "hotline");
  EXPECT_EQ(ep->password, "p@ss:w0rd");
  EXPECT_EQ(ep->host, "10.0.0.5");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->url(), "redis://hotline@10.0.0.5:6380");
}

TEST(redis_url, APasswordWithoutAUserIsTheDefaultUsers) {
  auto ep = redis::endpoint::parse("redis://:pw@h:1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "pw");
  EXPECT_EQ(ep->url(), "redis://h:1");
  EXPECT_FALSE(redis::endpoint::parse("redis://u:bad%zz@h:1"));
}

TEST(redis_url, ARedactedUrlKeepsTheUserAndDropsThePasswordEvenWhenMalformed) {
  EXPECT_EQ(redis::redact_url("redis://hotline:pw@h:notaport"), "redis://hotline@h:notaport");
  EXPECT_EQ(redis::redact_url("redis://:pw@h"), "redis://h");
  EXPECT_EQ(redis::redact_url("redis://h:1"), "redis://h:1");
}

TEST(password_file, ItsOneLineIsThePasswordWithoutTheTrailingNewline) {
  temp_dir dir;
  EXPECT_EQ(redis::read_password_file(write_file(dir, "a", "pw one\n", 0600)), "pw one");
  EXPECT_EQ(redis::read_password_file(write_file(dir, "b", "pw\r\n", 0400)), "pw");
  EXPECT_EQ(redis::read_password_file(write_file(dir, "c", "pw", 0600)), "pw");
}

TEST(password_file, AFileOthersMayReadIsRefusedNamingTheFile) {
  temp_dir dir;
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    const auto file = write_file(dir, "pw-" + std::to_string(mode), "pw\n", mode);
    const auto error = refusal_of_file(file);
    EXPECT_NE(error.find(file.string()), std::string::npos) << error;
    EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
    EXPECT_EQ(error.find("pw\n"), std::string::npos) << error;
  }
}

TEST(password_file, AnEmptyOrMultiLineOrMissingFileIsRefused) {
  temp_dir dir;
  EXPECT_NE(refusal_of_file(write_file(dir, "empty", "", 0600)).find("is empty"),
            std::string::npos);
  EXPECT_NE(refusal_of_file(write_file(dir, "newline", "\n", 0600)).find("is empty"),
            std::string::npos);
  EXPECT_NE(refusal_of_file(write_file(dir, "two", "a\nb\n", 0600)).find("more than one line"),
            std::string::npos);
  EXPECT_NE(refusal_of_file(dir.path() / "absent").find("cannot read"), std::string::npos);
}

// A systemd credential is 0400 plus an ACL entry for the service's user, so
// its group bits show the ACL mask (r): that file is ours alone and passes;
// an entry for another user does not.
TEST(password_file, AnAclEntryForThisUserPassesAndOneForAnotherUserIsRefused) {
  temp_dir dir;
  auto acl_file = [&](const std::string& name, std::uint32_t uid) {
    const auto path = write_file(dir, name, "pw\n", 0400);
    struct entry {
      std::uint16_t tag, perm;
      std::uint32_t id;
    };
    const std::uint32_t none = 0xffffffff;
    const entry entries[]
        = {{0x01, 4, none}, {0x02, 4, uid}, {0x04, 0, none}, {0x10, 4, none}, {0x20, 0, none}};
    std::string blob(4, '\0');
    const std::uint32_t version = 2;
    std::memcpy(blob.data(), &version, 4);
    blob.append(reinterpret_cast<const char*>(entries), sizeof entries);
    if (::setxattr(path.c_str(), "system.posix_acl_access", blob.data(), blob.size(), 0) != 0)
      return std::filesystem::path();
    return path;
  };
  const auto ours = acl_file("ours", ::geteuid());
  if (ours.empty())
    GTEST_SKIP() << "no POSIX ACLs on " << dir.path();
  struct stat st {};
  ::stat(ours.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0440u) << "the group bits show the mask";
  EXPECT_EQ(redis::read_password_file(ours), "pw");
  const auto theirs = acl_file("theirs", ::geteuid() + 4242);
  EXPECT_NE(refusal_of_file(theirs).find("with an ACL"), std::string::npos);
}
