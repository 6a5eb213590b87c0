// bench/pkcs11.sh's raw peer: a token's own ECDSA signing rate, C_SignInit
// (CKM_ECDSA) + C_Sign on a 32-byte digest in a loop straight on the module,
// one session per thread, for pairkit's signing through its adapter to be
// compared with. Prints one JSON object; asserts nothing but that the token
// verifies a signature it made.
// Usage: pkcs11_sign --module SO --token LABEL --object LABEL --pin-file FILE
//                    [--seconds S (default 2)] [--threads N (default 1)]
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Failure : std::runtime_error {
  int code;
  Failure(const std::string& what, int exit_code) : std::runtime_error(what), code(exit_code) {}
};

// The return values a misconfigured run meets, by name; others in hex.
std::string rv_name(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_SIGNATURE_INVALID: return "CKR_SIGNATURE_INVALID";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "CK_RV 0x%lx", static_cast<unsigned long>(rv));
      return hex;
    }
  }
}

void check_rv(CK_RV rv, const char* call) {
  if (rv != CKR_OK) throw Failure(std::string(call) + " failed: " + rv_name(rv), 1);
}

// A blank-padded CK_UTF8CHAR field as a string without its padding.
std::string padded(const CK_UTF8CHAR* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  return s.erase(s.find_last_not_of(' ') + 1);
}

struct Options {
  std::string module, token, object, pin_file;
  double seconds = 2.0;
  int threads = 1;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a != "--module" && a != "--token" && a != "--object" && a != "--pin-file" && a != "--seconds" &&
        a != "--threads")
      throw Failure("unknown option " + a, 2);
    if (i + 1 >= argc) throw Failure(a + " needs a value", 2);
    const std::string v = argv[++i];
    if (a == "--module") o.module = v;
    else if (a == "--token") o.token = v;
    else if (a == "--object") o.object = v;
    else if (a == "--pin-file") o.pin_file = v;
    else if (a == "--seconds") o.seconds = std::atof(v.c_str());
    else o.threads = std::atoi(v.c_str());
  }
  if (o.module.empty() || o.token.empty() || o.object.empty() || o.pin_file.empty())
    throw Failure("--module, --token, --object and --pin-file are required", 2);
  if (!(o.seconds > 0 && o.seconds <= 600)) throw Failure("--seconds is from 0 to 600", 2);
  if (o.threads < 1 || o.threads > 64) throw Failure("--threads is from 1 to 64", 2);
  return o;
}

// The PIN file's first line, without its line ending.
std::string read_pin(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure("cannot read " + path, 3);
  std::string pin((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  pin = pin.substr(0, pin.find_first_of("\r\n"));
  if (pin.empty()) throw Failure(path + " holds no PIN", 3);
  return pin;
}

CK_FUNCTION_LIST_PTR load_module(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw Failure(std::string("cannot load ") + path + ": " + dlerror(), 3);
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  if (get_list == nullptr) throw Failure(path + " is not a PKCS#11 module (no C_GetFunctionList)", 3);
  CK_FUNCTION_LIST_PTR p11 = nullptr;
  check_rv(get_list(&p11), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  check_rv(p11->C_Initialize(&args), "C_Initialize");
  return p11;
}

CK_SLOT_ID find_slot(CK_FUNCTION_LIST_PTR p11, const std::string& label) {
  CK_ULONG count = 0;
  check_rv(p11->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check_rv(p11->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info{};
    if (p11->C_GetTokenInfo(slots[i], &info) == CKR_OK && padded(info.label, sizeof info.label) == label)
      return slots[i];
  }
  throw Failure("no token labelled '" + label + "'", 3);
}

CK_OBJECT_HANDLE find_key(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls,
                          const std::string& label) {
  CK_ATTRIBUTE tmpl[] = {
      {CKA_CLASS, &cls, sizeof cls},
      {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
  };
  check_rv(p11->C_FindObjectsInit(session, tmpl, 2), "C_FindObjectsInit");
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  const CK_RV rv = p11->C_FindObjects(session, &key, 1, &found);
  p11->C_FindObjectsFinal(session);
  check_rv(rv, "C_FindObjects");
  if (found == 0)
    throw Failure(std::string("no ") + (cls == CKO_PRIVATE_KEY ? "private" : "public") + " key labelled '" +
                      label + "'",
                  3);
  return key;
}

void require_ec(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key, const std::string& label) {
  CK_KEY_TYPE type = 0;
  CK_ATTRIBUTE attr{CKA_KEY_TYPE, &type, sizeof type};
  check_rv(p11->C_GetAttributeValue(session, key, &attr, 1), "C_GetAttributeValue");
  if (type != CKK_EC) throw Failure("'" + label + "' is not an EC key: CKM_ECDSA cannot sign with it", 3);
}

// Stands for a SHA-256 digest: CKM_ECDSA signs the 32 bytes it is given, and
// its cost does not depend on their value.
const std::vector<CK_BYTE> kDigest = [] {
  std::vector<CK_BYTE> d(32);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<CK_BYTE>(0xA5 ^ (i * 37));
  return d;
}();

std::vector<CK_BYTE> sign_once(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key) {
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  check_rv(p11->C_SignInit(session, &mech, key), "C_SignInit");
  CK_BYTE sig[256];
  CK_ULONG len = sizeof sig;
  check_rv(p11->C_Sign(session, const_cast<CK_BYTE*>(kDigest.data()), kDigest.size(), sig, &len), "C_Sign");
  return {sig, sig + len};
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const std::string pin = read_pin(o.pin_file);
    CK_FUNCTION_LIST_PTR p11 = load_module(o.module);
    const CK_SLOT_ID slot = find_slot(p11, o.token);

    // One session per thread, opened and with its key found before the clock
    // starts; the login (one per application, for every session) on the first.
    std::vector<CK_SESSION_HANDLE> sessions(static_cast<size_t>(o.threads));
    for (auto& s : sessions) check_rv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    std::vector<CK_UTF8CHAR> pin_bytes(pin.begin(), pin.end());
    check_rv(p11->C_Login(sessions[0], CKU_USER, pin_bytes.data(), pin_bytes.size()), "C_Login");
    std::vector<CK_OBJECT_HANDLE> keys;
    for (auto s : sessions) keys.push_back(find_key(p11, s, CKO_PRIVATE_KEY, o.object));
    require_ec(p11, sessions[0], keys[0], o.object);

    // The token verifies one of its own signatures: the loop below signs.
    std::vector<CK_BYTE> sig = sign_once(p11, sessions[0], keys[0]);
    const CK_OBJECT_HANDLE pub = find_key(p11, sessions[0], CKO_PUBLIC_KEY, o.object);
    CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
    check_rv(p11->C_VerifyInit(sessions[0], &mech, pub), "C_VerifyInit");
    check_rv(p11->C_Verify(sessions[0], const_cast<CK_BYTE*>(kDigest.data()), kDigest.size(), sig.data(), sig.size()),
             "C_Verify");

    std::atomic<long> total{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    const double cpu0 = cpu_now();
    const auto t0 = Clock::now();
    const auto until = t0 + std::chrono::duration<double>(o.seconds);
    for (size_t i = 0; i < sessions.size(); ++i)
      threads.emplace_back([&, i] {
        long n = 0;
        try {
          do {
            sign_once(p11, sessions[i], keys[i]);
            ++n;
          } while (Clock::now() < until);
        } catch (const Failure& e) {
          if (!failed.exchange(true)) std::fprintf(stderr, "pkcs11_sign: %s\n", e.what());
        }
        total += n;
      });
    for (auto& t : threads) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_now() - cpu0;
    if (failed) return 1;

    for (auto s : sessions) p11->C_CloseSession(s);
    p11->C_Finalize(nullptr);
    std::printf(
        "{\"raw_sign_per_s\": %.1f, \"raw_sign_per_cpu_s\": %.1f, \"signatures\": %ld, \"seconds\": %.3f, "
        "\"threads\": %d, \"signature_bytes\": %zu}\n",
        static_cast<double>(total) / wall, static_cast<double>(total) / cpu, total.load(), wall, o.threads,
        sig.size());
    return 0;
  } catch (const Failure& e) {
    std::fprintf(stderr, "pkcs11_sign: %s\n", e.what());
    if (e.code == 2)
      std::fprintf(stderr,
                   "usage: pkcs11_sign --module SO --token LABEL --object LABEL --pin-file FILE "
                   "[--seconds S] [--threads N]\n");
    return e.code;
  }
}
