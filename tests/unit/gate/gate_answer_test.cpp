// What a gate answers, parsed strictly: states, CONFIG, file names, errors.
#include <doctest/doctest.h>

#include "pairkit/core/error.hpp"
#include "pairkit/gate/gate_answer.hpp"

using namespace pairkit;
using namespace pairkit::gate;

namespace {
const std::string kFp = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

std::string paired_with(const std::string& files) {
  return R"({"id": 17, "state": "paired", "serial": "TERM-0042", "approved_by": "alice", "config": {"serial": "TERM-0042", "master": {"address": "master.example:443", "fingerprint": ")" +
         kFp + R"("}, "files": )" + files + "}}";
}
}  // namespace

TEST_CASE("a pending answer gives the id, nonce and expiry") {
  const auto a = parse_pair_answer(
      R"({"id": 17, "state": "pending", "serial": "TERM-0042", "nonce": "00112233445566778899aabbccddeeff", "expires_at": "2026-12-01T00:00:00Z", "poll": "/v1/pair/17"})");
  CHECK(a.id == 17);
  CHECK(a.state == "pending");
  CHECK(a.nonce == "00112233445566778899aabbccddeeff");
  CHECK(a.expires_at == "2026-12-01T00:00:00Z");
  CHECK_FALSE(a.config);
}

TEST_CASE("a paired answer carries CONFIG: master pin and files with their modes") {
  const auto a = parse_pair_answer(paired_with(
      R"([{"name": "vpn.conf", "mode": "0600", "data_base64": "c2VjcmV0"}, {"name": "motd", "mode": "0644", "data_base64": "aGk="}, {"name": "empty", "mode": "0644", "data_base64": ""}])"));
  REQUIRE(a.config);
  CHECK(a.approved_by == "alice");
  CHECK(a.config->master_address == "master.example:443");
  CHECK(a.config->master_fingerprint.substr(0, 8) == "AB:CD:EF");
  REQUIRE(a.config->files.size() == 3);
  CHECK(a.config->files[0].mode == 0600);
  CHECK(std::string(a.config->files[0].data.begin(), a.config->files[0].data.end()) == "secret");
  CHECK(a.config->files[1].mode == 0644);
  CHECK(std::string(a.config->files[1].data.begin(), a.config->files[1].data.end()) == "hi");
  CHECK(a.config->files[2].data.empty());
}

TEST_CASE("CONFIG without master or files is a bare serial") {
  const auto c = parse_terminal_config(R"({"serial": "T1"})");
  CHECK(c.serial == "T1");
  CHECK(c.master_address.empty());
  CHECK(c.files.empty());
}

TEST_CASE("file names that could leave the config folder are refused") {
  for (const char* name : {"../x", "a/b", "..", ".hidden", "", "a\\\\b", "x y", "/etc/passwd"}) {
    CAPTURE(name);
    CHECK_THROWS_AS(parse_pair_answer(paired_with(std::string(R"([{"name": ")") + name +
                                                  R"(", "mode": "0600", "data_base64": ""}])")),
                    InputError);
  }
  CHECK_NOTHROW(check_config_file_name("wg0.conf"));
  CHECK_THROWS_WITH_AS(check_config_file_name("etc/../shadow"), doctest::Contains("character"), InputError);
  CHECK_THROWS_WITH_AS(check_config_file_name(".profile"), doctest::Contains("starts with a dot"), InputError);
}

TEST_CASE("malformed answers are InputErrors that say what is wrong") {
  auto refuses = [](const std::string& body, const char* why) {
    CAPTURE(body);
    CHECK_THROWS_WITH_AS(parse_pair_answer(body), doctest::Contains(why), InputError);
  };
  refuses("not json", "not JSON");
  refuses("[1]", "not a JSON object");
  refuses(R"({"state": "pending"})", "id");
  refuses(R"({"id": -3, "state": "pending"})", "id");
  refuses(R"({"id": 1, "state": "lost"})", "unknown state");
  refuses(R"({"id": 1, "state": "pending", "nonce": "xyz"})", "nonce");
  refuses(R"({"id": 1, "state": "pending", "nonce": 7})", "not a string");
  refuses(R"({"id": 1, "state": "paired"})", "config");
  refuses(paired_with(R"([{"name": "a", "mode": "0777", "data_base64": ""}])"), "mode");
  refuses(paired_with(R"([{"name": "a", "mode": "0600", "data_base64": "!!!!"}])"), "base64");
  refuses(paired_with(R"([{"name": "a", "mode": "0600", "data_base64": "YQ"}])"), "base64");
  refuses(paired_with(R"([{"name": "a", "mode": "0600", "data_base64": ""}, {"name": "a", "mode": "0600", "data_base64": ""}])"),
          "twice");
  refuses(paired_with(R"({"name": "a"})"), "not an array");
  std::string many = "[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + R"({"name": "f)" + std::to_string(i) + R"(", "mode": "0644", "data_base64": ""})";
  refuses(paired_with(many + "]"), "more than 64 files");
}

TEST_CASE("error answers give the stable code and one printable line") {
  const auto e = parse_gate_error(R"({"error": {"code": "unpaired", "message": "this terminal was unpaired"}})");
  CHECK(e.code == "unpaired");
  CHECK(e.message == "this terminal was unpaired");
  const auto raw = parse_gate_error("<html>\x1b[31mbad gateway</html>\nsecond line");
  CHECK(raw.code.empty());
  CHECK(raw.message == "<html>[31mbad gateway</html>");
  CHECK(parse_gate_error(std::string(1000, 'x')).message.size() == 200);
}
