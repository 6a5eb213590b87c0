// The PKCS#11 calls behind pkcs11.hpp: modules loaded once per process,
// the token a URI names with its one logged-in session, and its objects.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "pairkit/crypto/pkcs11.hpp"

namespace pairkit::crypto::p11 {

/// A loaded module; C_Finalize and dlclose when the process ends.
class Module {
public:
  /// The module at path, loaded and initialized on first use.
  static std::shared_ptr<Module> open(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* fn() const { return fn_; }
  const std::string& path() const { return path_; }

private:
  Module(std::string path, void* handle, CK_FUNCTION_LIST* fn) : path_(std::move(path)), handle_(handle), fn_(fn) {}
  std::string path_;
  void* handle_;
  CK_FUNCTION_LIST* fn_;
};

/// One token: a read-write session, logged in at most once. Calls on it
/// are serialized (a PKCS#11 session is not for two threads at once).
class Token {
public:
  /// The one token the URI's token and library attributes match, with its
  /// session (shared by every key of the process on that token).
  static std::shared_ptr<Token> find(const Pkcs11Uri& uri, const TokenAccess& access);
  ~Token();
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;

  /// Logs in with the user PIN unless logged in already or not needed.
  void login();
  /// The object handles of `cls` matching the URI's object= and id=.
  std::vector<CK_OBJECT_HANDLE> find_objects(const Pkcs11Uri& uri, std::optional<CK_OBJECT_CLASS> cls);
  /// An attribute's bytes; nullopt when the object lacks it or hides it.
  std::optional<std::vector<uint8_t>> attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type);
  CK_ULONG ulong_attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type);

  /// C_SignInit + C_Sign under the lock; `max_len` bounds the signature.
  std::vector<uint8_t> sign(CK_OBJECT_HANDLE key, CK_MECHANISM mech, const uint8_t* data, size_t len, size_t max_len);

  CK_FUNCTION_LIST* fn() const { return module_->fn(); }
  CK_SESSION_HANDLE session() const { return session_; }
  std::mutex& mutex() { return mutex_; }
  /// "token 'LABEL'" for messages.
  const std::string& name() const { return name_; }
  const std::string& label() const { return label_; }

  /// Throws InputError for rv (not CKR_OK), worded "token 'X': WHAT: REASON".
  [[noreturn]] void fail(CK_RV rv, const std::string& what) const;
  void check(CK_RV rv, const std::string& what) const {
    if (rv != CKR_OK) fail(rv, what);
  }

private:
  Token(std::shared_ptr<Module> m, CK_SLOT_ID slot, std::string label, CK_FLAGS flags, PinPrompt pin);
  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
  std::string label_, name_;
  CK_FLAGS flags_;
  PinPrompt pin_;
  bool logged_in_ = false;
  std::mutex mutex_;
};

/// Drops the process's tokens and modules (see close_tokens).
void close_all() noexcept;
/// PKCS#11's name for a return value ("CKR_PIN_INCORRECT").
std::string rv_name(CK_RV rv);
/// A fixed-width, space-padded PKCS#11 string, trimmed.
std::string trimmed(const unsigned char* s, size_t n);

}  // namespace pairkit::crypto::p11
