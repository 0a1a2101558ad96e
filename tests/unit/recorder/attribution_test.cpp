#include "recorder/attribution.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace shelltrail::recorder {
namespace {

// An ed25519 key and the fingerprint `ssh-keygen -lf` prints for it.
constexpr const char* k_key =
    "AAAAC3NzaC1lZDI1NTE5AAAAIIezwlteLaA6JnXdau6swab9PQtv0C2gDHphNCcQuEhY";
constexpr const char* k_fingerprint = "SHA256:k4zCBrHvEP7DR0AGqoAk9wwdYjWBO0egeXXpnAMaN70";

TEST(Attribution, KeyFingerprintIsOpenSshs)
{
  EXPECT_EQ(ssh_key_fingerprint(k_key), k_fingerprint);
  EXPECT_EQ(ssh_key_fingerprint("not base64!"), "");
  EXPECT_EQ(ssh_key_fingerprint(""), "");
}

TEST(Attribution, ExposeAuthInfoFileGivesMethodsAndFirstKey)
{
  const SshAuth auth = parse_ssh_auth_info(std::string("publickey ssh-ed25519 ") + k_key +
                                           "\nkeyboard-interactive\n");
  EXPECT_EQ(auth.methods, "publickey,keyboard-interactive");
  EXPECT_EQ(auth.key_type, "ssh-ed25519");
  EXPECT_EQ(auth.key_fingerprint, k_fingerprint);
  EXPECT_EQ(parse_ssh_auth_info("password\n").methods, "password");
  EXPECT_EQ(parse_ssh_auth_info("").methods, "");
}

class AttributionTest : public test::TempDirTest
{};

TEST_F(AttributionTest, SshOriginFromSshdsEnvironment)
{
  const std::string auth = path("auth");
  std::ofstream(auth) << "publickey ssh-ed25519 " << k_key << "\n";
  const std::map<std::string, std::string> env = {{"SSH_CONNECTION", "10.0.0.5 51234 10.0.0.1 22"},
                                                  {"SSH_USER_AUTH", auth}};
  const auto origin = ssh_origin([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  ASSERT_TRUE(origin);
  EXPECT_EQ(origin->client_addr, "10.0.0.5");
  EXPECT_EQ(origin->client_port, 51234);
  EXPECT_EQ(origin->server_addr, "10.0.0.1");
  EXPECT_EQ(origin->server_port, 22);
  EXPECT_EQ(origin->auth_method, "publickey");
  EXPECT_EQ(origin->key_fingerprint, k_fingerprint);
  EXPECT_FALSE(ssh_origin([](const char*) -> const char* { return nullptr; }));
}

} // namespace
} // namespace shelltrail::recorder
