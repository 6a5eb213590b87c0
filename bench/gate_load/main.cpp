// gate_load: the load generator of bench/gate.sh and bench/soak.sh. Drives a
// TLS server on 127.0.0.1 in one mode and prints one JSON object on stdout.
// Usage: gate_load MODE --port P --identity DIR [options]   (--help)
#include <openssl/ssl.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "load.hpp"

namespace {

constexpr const char* kUsage = R"(usage: gate_load MODE --port P --identity DIR [options]
modes:
  newconn    per request: connect, full mTLS handshake, one request, close
  keepalive  one kept-alive connection per client, requests back to back
  idle       open --connections, one request each, hold them --hold seconds
  slowdrip   open --connections, send a request header one byte a second
  garbage    random bytes or plaintext HTTP on the TLS port, wait for the close
  enroll     EST simpleenroll, each --identity once, with a CSR for its key and
             subject made before the clock starts (per request: new connection,
             full mTLS handshake)
  renew      EST simplereenroll in a loop, each terminal renewing from the
             certificate its previous renewal answered (so every renewal is a
             new signature and CA index row), one renewal at a time per
             terminal; needs at least --concurrency identities
options:
  --identity DIR     a `pairkit device init` folder (cert.pem, key.pem); its name
                     is the serial a POST sends; repeat for several terminals
  --method M         GET or POST (default POST)
  --path P           request path (default /v1/pair; enroll and renew:
                     /.well-known/est/simpleenroll, simplereenroll)
  --body JSON        POST body (default {"serial": NAME OF THE IDENTITY FOLDER})
  --concurrency C    client threads (default 1)
  --requests N       at most N requests or connections in all (default 1000)
  --seconds S        and for at most S seconds (default 10)
  --connections N    idle, slowdrip: connections to open (default 100)
  --hold S           idle: seconds to hold them open (default 5)
  --sources N        spread clients over 127.0.0.1 .. 127.0.0.N (default 1)
  --server-pid PID   a server process (repeatable): newconn and keepalive report
                     its CPU time per answer, idle samples its VmRSS
  --timeout MS       per socket read or write (default 10000)
  --once             renew: each terminal once, then stop
  --save-certs       enroll, renew: write each terminal's newest certificate to
                     its folder's cert.pem at the end (the next run renews from it)
)";

[[noreturn]] void usage_error(const std::string& what) {
  std::cerr << "gate_load: " << what << "\n" << kUsage;
  std::exit(2);
}

double number(std::string_view flag, const char* v, double lo, double hi) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || d < lo || d > hi)
    usage_error(std::string(flag) + " wants a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], not '" + v + "'");
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gate_load;
  // A server closing first must not kill the client on its next write.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || std::string_view(argv[1]) == "--help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  Options o;
  o.mode = argv[1];
  std::vector<std::string> identity_dirs;
  bool path_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--save-certs" || flag == "--once") {
      (flag == "--once" ? o.once : o.save_certs) = true;
      continue;
    }
    if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
    const char* v = argv[++i];
    if (flag == "--port") o.port = static_cast<uint16_t>(number(flag, v, 1, 65535));
    else if (flag == "--identity") identity_dirs.emplace_back(v);
    else if (flag == "--method") o.method = v;
    else if (flag == "--path") o.path = v, path_given = true;
    else if (flag == "--body") o.body = v;
    else if (flag == "--concurrency") o.concurrency = static_cast<int>(number(flag, v, 1, 1024));
    else if (flag == "--requests") o.requests = static_cast<long>(number(flag, v, 1, 1e9));
    else if (flag == "--seconds") o.seconds = number(flag, v, 0.1, 3600);
    else if (flag == "--connections") o.connections = static_cast<int>(number(flag, v, 1, 100000));
    else if (flag == "--hold") o.hold = number(flag, v, 0, 3600);
    else if (flag == "--sources") o.sources = static_cast<int>(number(flag, v, 1, 60000));
    else if (flag == "--server-pid") o.server_pids.push_back(static_cast<int>(number(flag, v, 1, 1e9)));
    else if (flag == "--timeout") o.timeout = std::chrono::milliseconds(static_cast<long>(number(flag, v, 1, 600000)));
    else usage_error("unknown option " + std::string(flag));
  }
  if (o.port == 0) usage_error("--port is required");
  if (o.method != "GET" && o.method != "POST") usage_error("--method is GET or POST");
  if (!path_given && o.mode == "enroll") o.path = "/.well-known/est/simpleenroll";
  if (!path_given && o.mode == "renew") o.path = "/.well-known/est/simplereenroll";
  try {
    for (const auto& dir : identity_dirs)
      o.terminals.push_back({std::filesystem::path(dir).filename().string(),
                             std::make_unique<Identity>(dir + "/cert.pem", dir + "/key.pem"), dir});
    // Without an identity, clients present no certificate.
    if (o.terminals.empty()) o.terminals.push_back({"anonymous", std::make_unique<Identity>("", ""), ""});
    nlohmann::json result;
    if (o.mode == "newconn") result = run_newconn(o);
    else if (o.mode == "keepalive") result = run_keepalive(o);
    else if (o.mode == "idle") result = run_idle(o);
    else if (o.mode == "slowdrip") result = run_slowdrip(o);
    else if (o.mode == "garbage") result = run_garbage(o);
    else if (o.mode == "enroll") result = run_est(o, false);
    else if (o.mode == "renew") result = run_est(o, true);
    else usage_error("unknown mode " + o.mode);
    std::cout << result.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "gate_load: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
