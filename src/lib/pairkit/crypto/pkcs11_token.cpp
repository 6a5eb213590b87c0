// Modules, tokens, sessions and the login (see pkcs11_token.hpp).
#include "pairkit/crypto/pkcs11_token.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto::p11 {

namespace {

// Every module and token of the process, so that each token logs in once
// whatever number of keys a command uses. Never destroyed: a module's own
// static state may be gone by the time static destructors run, so the
// process closes them itself (close_tokens) while it still can.
struct Loaded {
  std::mutex m;
  std::map<std::string, std::shared_ptr<Module>> modules;
  std::map<std::pair<std::string, CK_SLOT_ID>, std::shared_ptr<Token>> tokens;
};
Loaded& loaded() {
  static Loaded* l = new Loaded;
  return *l;
}

bool gone(CK_RV rv) {
  return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_SESSION_HANDLE_INVALID ||
         rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_ERROR || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

bool unsupported(CK_RV rv) {
  return rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT ||
         rv == CKR_CURVE_NOT_SUPPORTED || rv == CKR_DOMAIN_PARAMS_INVALID || rv == CKR_KEY_SIZE_RANGE ||
         rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_FUNCTION_NOT_SUPPORTED;
}

CK_TOKEN_INFO token_info(CK_FUNCTION_LIST* fn, CK_SLOT_ID slot, CK_RV& rv) {
  CK_TOKEN_INFO info{};
  rv = fn->C_GetTokenInfo(slot, &info);
  return info;
}

std::string listed(const std::vector<std::string>& labels) {
  std::string s;
  for (const auto& l : labels) s += (s.empty() ? "'" : ", '") + l + "'";
  return s;
}

// "M" or "M.N" against the module's version.
bool version_matches(const std::string& want, CK_VERSION v) {
  const std::string major = std::to_string(v.major);
  return want == major || want == major + "." + std::to_string(v.minor);
}

}  // namespace

std::string trimmed(const unsigned char* s, size_t n) {
  std::string out(reinterpret_cast<const char*>(s), n);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  return out;
}

std::string rv_name(CK_RV rv) {
  switch (rv) {
#define PAIRKIT_RV(x) \
  case x: return #x;
    PAIRKIT_RV(CKR_OK)
    PAIRKIT_RV(CKR_GENERAL_ERROR)
    PAIRKIT_RV(CKR_HOST_MEMORY)
    PAIRKIT_RV(CKR_FUNCTION_FAILED)
    PAIRKIT_RV(CKR_ARGUMENTS_BAD)
    PAIRKIT_RV(CKR_ATTRIBUTE_SENSITIVE)
    PAIRKIT_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    PAIRKIT_RV(CKR_ATTRIBUTE_VALUE_INVALID)
    PAIRKIT_RV(CKR_DEVICE_ERROR)
    PAIRKIT_RV(CKR_DEVICE_MEMORY)
    PAIRKIT_RV(CKR_DEVICE_REMOVED)
    PAIRKIT_RV(CKR_FUNCTION_NOT_SUPPORTED)
    PAIRKIT_RV(CKR_KEY_HANDLE_INVALID)
    PAIRKIT_RV(CKR_KEY_SIZE_RANGE)
    PAIRKIT_RV(CKR_KEY_TYPE_INCONSISTENT)
    PAIRKIT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    PAIRKIT_RV(CKR_MECHANISM_INVALID)
    PAIRKIT_RV(CKR_MECHANISM_PARAM_INVALID)
    PAIRKIT_RV(CKR_OBJECT_HANDLE_INVALID)
    PAIRKIT_RV(CKR_OPERATION_ACTIVE)
    PAIRKIT_RV(CKR_PIN_INCORRECT)
    PAIRKIT_RV(CKR_PIN_LEN_RANGE)
    PAIRKIT_RV(CKR_PIN_EXPIRED)
    PAIRKIT_RV(CKR_PIN_LOCKED)
    PAIRKIT_RV(CKR_SESSION_CLOSED)
    PAIRKIT_RV(CKR_SESSION_HANDLE_INVALID)
    PAIRKIT_RV(CKR_SESSION_READ_ONLY)
    PAIRKIT_RV(CKR_TEMPLATE_INCOMPLETE)
    PAIRKIT_RV(CKR_TEMPLATE_INCONSISTENT)
    PAIRKIT_RV(CKR_TOKEN_NOT_PRESENT)
    PAIRKIT_RV(CKR_TOKEN_NOT_RECOGNIZED)
    PAIRKIT_RV(CKR_TOKEN_WRITE_PROTECTED)
    PAIRKIT_RV(CKR_USER_NOT_LOGGED_IN)
    PAIRKIT_RV(CKR_USER_PIN_NOT_INITIALIZED)
    PAIRKIT_RV(CKR_DOMAIN_PARAMS_INVALID)
    PAIRKIT_RV(CKR_CURVE_NOT_SUPPORTED)
    PAIRKIT_RV(CKR_BUFFER_TOO_SMALL)
    PAIRKIT_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    PAIRKIT_RV(CKR_DATA_LEN_RANGE)
#undef PAIRKIT_RV
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

void close_all() noexcept {
  auto& l = loaded();
  std::map<std::pair<std::string, CK_SLOT_ID>, std::shared_ptr<Token>> tokens;
  std::map<std::string, std::shared_ptr<Module>> modules;
  {
    std::lock_guard lock(l.m);
    tokens.swap(l.tokens);
    modules.swap(l.modules);
  }
  // Sessions close before their module is finalized (a token holds its module).
  tokens.clear();
  modules.clear();
}

// --- Module

std::shared_ptr<Module> Module::open(const std::string& path) {
  auto& l = loaded();
  std::lock_guard lock(l.m);
  if (auto it = l.modules.find(path); it != l.modules.end()) return it->second;
  if (path.empty() || path.front() != '/')
    throw InputError("PKCS#11 module '" + path + "': give its absolute path (--pkcs11-module)");
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw InputError("cannot load PKCS#11 module " + path + ": " + (why ? why : "dlopen failed"));
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fn = nullptr;
  if (get == nullptr || get(&fn) != CKR_OK || fn == nullptr) {
    dlclose(handle);
    throw InputError(path + " is not a PKCS#11 module (no C_GetFunctionList)");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = fn->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    dlclose(handle);
    throw InputError("PKCS#11 module " + path + " did not start: C_Initialize: " + rv_name(rv));
  }
  auto m = std::shared_ptr<Module>(new Module(path, handle, fn));
  l.modules.emplace(path, m);
  return m;
}

Module::~Module() {
  fn_->C_Finalize(nullptr);
  dlclose(handle_);
}

// --- Token

std::shared_ptr<Token> Token::find(const Pkcs11Uri& uri, const TokenAccess& access) {
  auto module = Module::open(access.module_path);
  CK_FUNCTION_LIST* fn = module->fn();
  const std::string& path = module->path();
  if (uri.library_manufacturer || uri.library_description || uri.library_version) {
    CK_INFO info{};
    if (const CK_RV rv = fn->C_GetInfo(&info); rv != CKR_OK)
      throw InputError("PKCS#11 module " + path + ": C_GetInfo: " + rv_name(rv));
    const auto mismatch = [&](const char* attr, const std::string& want, const std::string& has) {
      throw InputError("PKCS#11 module " + path + " is not the library " + uri.text + " names (" + attr + " '" + want +
                       "', the module's is '" + has + "')");
    };
    if (uri.library_manufacturer && *uri.library_manufacturer != trimmed(info.manufacturerID, 32))
      mismatch("library-manufacturer", *uri.library_manufacturer, trimmed(info.manufacturerID, 32));
    if (uri.library_description && *uri.library_description != trimmed(info.libraryDescription, 32))
      mismatch("library-description", *uri.library_description, trimmed(info.libraryDescription, 32));
    if (uri.library_version && !version_matches(*uri.library_version, info.libraryVersion))
      mismatch("library-version", *uri.library_version,
               std::to_string(info.libraryVersion.major) + "." + std::to_string(info.libraryVersion.minor));
  }
  CK_ULONG n = 0;
  if (const CK_RV rv = fn->C_GetSlotList(CK_TRUE, nullptr, &n); rv != CKR_OK)
    throw InputError("PKCS#11 module " + path + ": C_GetSlotList: " + rv_name(rv));
  std::vector<CK_SLOT_ID> slots(n);
  if (n > 0) {
    if (const CK_RV rv = fn->C_GetSlotList(CK_TRUE, slots.data(), &n); rv != CKR_OK)
      throw InputError("PKCS#11 module " + path + ": C_GetSlotList: " + rv_name(rv));
    slots.resize(n);
  }
  std::vector<std::string> present, matching;
  CK_SLOT_ID found = 0;
  CK_FLAGS found_flags = 0;
  for (CK_SLOT_ID slot : slots) {
    CK_RV rv = CKR_OK;
    const CK_TOKEN_INFO info = token_info(fn, slot, rv);
    // Emptied since the list was made, or a free slot's blank token (SoftHSM2
    // and the TPM module always offer one): no key can be there.
    if (rv != CKR_OK || !(info.flags & CKF_TOKEN_INITIALIZED)) continue;
    const std::string label = trimmed(info.label, 32);
    present.push_back(label);
    if (uri.slot_id && *uri.slot_id != slot) continue;
    if (uri.token && *uri.token != label) continue;
    if (uri.manufacturer && *uri.manufacturer != trimmed(info.manufacturerID, 32)) continue;
    if (uri.model && *uri.model != trimmed(info.model, 16)) continue;
    if (uri.serial && *uri.serial != trimmed(info.serialNumber, 16)) continue;
    if (uri.slot_description || uri.slot_manufacturer) {
      CK_SLOT_INFO si{};
      if (fn->C_GetSlotInfo(slot, &si) != CKR_OK) continue;
      if (uri.slot_description && *uri.slot_description != trimmed(si.slotDescription, 64)) continue;
      if (uri.slot_manufacturer && *uri.slot_manufacturer != trimmed(si.manufacturerID, 32)) continue;
    }
    matching.push_back(label);
    found = slot;
    found_flags = info.flags;
  }
  if (matching.empty()) {
    if (present.empty()) throw InputError("no token matches " + uri.text + ": module " + path + " has no token present");
    throw InputError("no token matches " + uri.text + " (tokens present: " + listed(present) + ")");
  }
  if (matching.size() > 1)
    throw InputError(uri.text + " matches " + std::to_string(matching.size()) + " tokens (" + listed(matching) +
                     "): add token= or serial=");

  auto& l = loaded();
  std::lock_guard lock(l.m);
  auto& slot_token = l.tokens[{path, found}];
  if (!slot_token)
    slot_token = std::shared_ptr<Token>(new Token(std::move(module), found, matching.front(), found_flags, access.pin));
  return slot_token;
}

Token::Token(std::shared_ptr<Module> m, CK_SLOT_ID slot, std::string label, CK_FLAGS flags, PinPrompt pin)
    : module_(std::move(m)), slot_(slot), label_(std::move(label)), name_("token '" + label_ + "'"), flags_(flags),
      pin_(std::move(pin)) {
  CK_RV rv = fn()->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_);
  if (rv == CKR_TOKEN_WRITE_PROTECTED) rv = fn()->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &session_);
  check(rv, "opening a session");
}

Token::~Token() {
  if (session_ != CK_INVALID_HANDLE) fn()->C_CloseSession(session_);
}

void Token::fail(CK_RV rv, const std::string& what) const {
  if (gone(rv)) throw InputError(name_ + " is gone (removed, or its module lost it): " + what + ": " + rv_name(rv));
  if (unsupported(rv)) throw InputError(name_ + " does not support " + what + " (" + rv_name(rv) + ")");
  throw InputError(name_ + ": " + what + " failed: " + rv_name(rv));
}

void Token::login() {
  std::lock_guard lock(mutex_);
  if (logged_in_) return;
  CK_SESSION_INFO si{};
  check(fn()->C_GetSessionInfo(session_, &si), "reading the session");
  if (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS || !(flags_ & CKF_LOGIN_REQUIRED)) {
    logged_in_ = true;
    return;
  }
  CK_RV rv = CKR_OK;
  const CK_TOKEN_INFO info = token_info(fn(), slot_, rv);
  check(rv, "reading the token");
  if (info.flags & CKF_USER_PIN_LOCKED)
    throw InputError(name_ + ": the user PIN is locked (too many wrong PINs); its security officer must unlock it");
  if (info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
    rv = fn()->C_Login(session_, CKU_USER, nullptr, 0);
  } else {
    const auto pin = pin_ ? pin_(label_) : std::nullopt;
    if (!pin)
      throw InputError(name_ + " needs its user PIN: give --pin-file or --pin-env, pin-source in the URI, "
                       "or run on a terminal to be asked");
    rv = fn()->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin->data())),
                       pin->size());
  }
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
    CK_RV rv2 = CKR_OK;
    const CK_TOKEN_INFO after = token_info(fn(), slot_, rv2);
    std::string hint;
    if (rv2 == CKR_OK && (after.flags & CKF_USER_PIN_LOCKED)) hint = "; the user PIN is now locked";
    else if (rv2 == CKR_OK && (after.flags & CKF_USER_PIN_FINAL_TRY)) hint = "; one more wrong PIN locks it";
    else if (rv2 == CKR_OK && (after.flags & CKF_USER_PIN_COUNT_LOW)) hint = "; few tries are left before it locks";
    throw InputError(name_ + ": wrong PIN" + hint);
  }
  if (rv == CKR_PIN_LOCKED)
    throw InputError(name_ + ": the user PIN is locked (too many wrong PINs); its security officer must unlock it");
  if (rv != CKR_USER_ALREADY_LOGGED_IN) check(rv, "logging in");
  logged_in_ = true;
}

std::vector<CK_OBJECT_HANDLE> Token::find_objects(const Pkcs11Uri& uri, std::optional<CK_OBJECT_CLASS> cls) {
  std::vector<CK_ATTRIBUTE> tmpl;
  CK_OBJECT_CLASS c = cls.value_or(0);
  if (cls) tmpl.push_back({CKA_CLASS, &c, sizeof c});
  if (uri.object)
    tmpl.push_back({CKA_LABEL, const_cast<char*>(uri.object->data()), static_cast<CK_ULONG>(uri.object->size())});
  if (uri.id) tmpl.push_back({CKA_ID, const_cast<uint8_t*>(uri.id->data()), static_cast<CK_ULONG>(uri.id->size())});
  std::lock_guard lock(mutex_);
  check(fn()->C_FindObjectsInit(session_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size())), "finding objects");
  std::vector<CK_OBJECT_HANDLE> found;
  CK_OBJECT_HANDLE batch[32];
  for (CK_ULONG n = 0;; found.insert(found.end(), batch, batch + n)) {
    const CK_RV rv = fn()->C_FindObjects(session_, batch, 32, &n);
    if (rv != CKR_OK) {
      fn()->C_FindObjectsFinal(session_);
      fail(rv, "finding objects");
    }
    if (n == 0 || found.size() > 4096) break;
  }
  fn()->C_FindObjectsFinal(session_);
  return found;
}

std::optional<std::vector<uint8_t>> Token::attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
  std::lock_guard lock(mutex_);
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = fn()->C_GetAttributeValue(session_, h, &a, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
    return std::nullopt;
  check(rv, "reading an attribute");
  std::vector<uint8_t> v(a.ulValueLen);
  a.pValue = v.data();
  check(fn()->C_GetAttributeValue(session_, h, &a, 1), "reading an attribute");
  v.resize(a.ulValueLen);
  return v;
}

CK_ULONG Token::ulong_attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
  const auto v = attribute(h, type);
  if (!v || v->size() != sizeof(CK_ULONG)) fail(CKR_ATTRIBUTE_TYPE_INVALID, "reading an attribute");
  CK_ULONG out = 0;
  std::copy(v->begin(), v->end(), reinterpret_cast<uint8_t*>(&out));
  return out;
}

std::vector<uint8_t> Token::sign(CK_OBJECT_HANDLE key, CK_MECHANISM mech, const uint8_t* data, size_t len,
                                 size_t max_len) {
  std::lock_guard lock(mutex_);
  check(fn()->C_SignInit(session_, &mech, key), "signing with this key");
  std::vector<uint8_t> sig(max_len);
  CK_ULONG n = static_cast<CK_ULONG>(sig.size());
  check(fn()->C_Sign(session_, const_cast<uint8_t*>(data), static_cast<CK_ULONG>(len), sig.data(), &n), "signing");
  sig.resize(n);
  return sig;
}

}  // namespace pairkit::crypto::p11
