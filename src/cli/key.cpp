// pairkit key gen | pub | info
#include <memory>

#include <botan/data_src.h>
#include <botan/x509_key.h>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

struct KeyGenOptions {
  std::string type = "p256";
  std::string out = "-";
  PassphraseOptions pass;
  bool encrypt = false;
  bool force = false;
  std::string token;  ///< --token URI: generate in the token
  TokenOptions token_opts;
};

struct KeyPubOptions {
  std::string key;
  std::string out = "-";
  PassphraseOptions pass;
  TokenOptions token;
  bool force = false;
};

struct KeyInfoOptions {
  std::string key;
  PassphraseOptions pass;
  TokenOptions token;
};

// key gen --token: the key pair is made in the token and never leaves it.
void run_key_gen_in_token(Cli& cli, const KeyGenOptions& o, crypto::KeyType type) {
  if (o.out != "-") throw UsageError("--token makes the key in the token: there is no file to write (-o)");
  if (o.pass.given() || o.encrypt) throw UsageError("--token makes the key in the token: it takes a PIN, not a passphrase");
  if (!crypto::is_pkcs11_uri(o.token)) throw UsageError("--token takes a pkcs11: URI, not '" + o.token + "'");
  const auto uri = crypto::parse_pkcs11_uri(o.token);
  const auto made = crypto::generate_token_key(uri, type, token_access(cli, o.token_opts, uri), o.force);
  const auto spki = made.key->subject_public_key();
  if (cli.json) {
    cli.emit_json({{"uri", made.uri},
                   {"type", crypto::key_type_name(type)},
                   {"spki_sha256", crypto::fingerprint(spki, crypto::HashAlg::sha256, crypto::FpFormat::colon)},
                   {"spki_pin", crypto::spki_pin(spki)}});
    return;
  }
  std::cout << made.uri << "\n";
  cli.info("made " + crypto::describe_key(*made.key) + " key in the token (sensitive, not extractable)");
  cli.info("next: pairkit cert self-sign --key '" + made.uri + "' --cn NAME -o cert.pem");
}

void run_key_gen(Cli& cli, const KeyGenOptions& o) {
  if (cli.json && o.out == "-" && o.token.empty())
    throw UsageError("--json needs -o FILE (the key itself goes to stdout otherwise)");
  const auto type = crypto::parse_key_type(o.type);
  if (!o.token.empty()) return run_key_gen_in_token(cli, o, type);
  auto pass = read_passphrase(o.pass, o.encrypt ? Prompt::confirm : Prompt::never, "Passphrase for the new key");
  if (o.encrypt && !pass) throw InputError("--encrypt needs a terminal, --passphrase-file or --passphrase-env");
  const auto key = crypto::generate_key(type, cli.rng());
  const std::string pem = crypto::private_key_pem(*key, cli.rng(), pass);
  cli.write_output(o.out, pem, {kPrivateFileMode, o.force});
  const auto spki = key->subject_public_key();
  if (cli.json) {
    cli.emit_json({{"file", o.out},
                   {"type", crypto::key_type_name(type)},
                   {"encrypted", pass.has_value()},
                   {"spki_sha256", crypto::fingerprint(spki, crypto::HashAlg::sha256, crypto::FpFormat::colon)},
                   {"spki_pin", crypto::spki_pin(spki)}});
    return;
  }
  if (o.out != "-") {
    cli.info("wrote " + crypto::describe_key(*key) + (pass ? " key (encrypted) to " : " key to ") + o.out +
             " (mode 0600)");
    cli.info("next: pairkit cert self-sign --key " + o.out + " --cn NAME -o cert.pem");
  }
}

std::unique_ptr<Botan::Public_Key> load_any_public_key(Cli& cli, const std::string& path,
                                                       const PassphraseOptions& pass_opts, const TokenOptions& token) {
  if (crypto::is_pkcs11_uri(path)) {
    const auto uri = crypto::parse_pkcs11_uri(path);
    return crypto::load_token_public_key(uri, token_access(cli, token, uri));
  }
  const std::string name = Cli::display_name(path);
  const auto data = cli.read_input(path, limits::kObject);
  if (crypto::is_encrypted_private_key(data)) {
    auto pass = read_passphrase(pass_opts, Prompt::once, "Passphrase for " + name);
    return crypto::load_private_key(data, name, pass);
  }
  const auto objs = crypto::read_objects(data, name);
  const auto& obj = objs.front();
  if (obj.kind == crypto::ObjectKind::private_key) return crypto::load_private_key(obj.der, name, std::nullopt);
  if (obj.kind == crypto::ObjectKind::public_key) {
    Botan::DataSource_Memory src(obj.der);
    return std::unique_ptr<Botan::Public_Key>(Botan::X509::load_key(src));
  }
  throw InputError(name + " holds a " + crypto::object_kind_name(obj.kind) + " where a key is needed");
}

void run_key_pub(Cli& cli, const KeyPubOptions& o) {
  const auto key = load_any_public_key(cli, o.key, o.pass, o.token);
  cli.write_output(o.out, crypto::public_key_pem(*key), {kPublicFileMode, o.force});
  if (o.out != "-") cli.info("wrote public key to " + o.out);
}

void run_key_info(Cli& cli, const KeyInfoOptions& o) {
  const auto key = load_any_public_key(cli, o.key, o.pass, o.token);
  const auto spki = key->subject_public_key();
  const std::string type = crypto::key_type_name(crypto::key_type_of(*key));
  const std::string sha256 = crypto::fingerprint(spki, crypto::HashAlg::sha256, crypto::FpFormat::colon);
  const std::string pin = crypto::spki_pin(spki);
  if (cli.json) {
    cli.emit_json({{"file", o.key},
                   {"type", type},
                   {"algorithm", key->algo_name()},
                   {"bits", key->key_length()},
                   {"description", crypto::describe_key(*key)},
                   {"spki_sha256", sha256},
                   {"spki_pin", pin}});
    return;
  }
  std::cout << "type:        " << type << " (" << crypto::describe_key(*key) << ")\n"
            << "bits:        " << key->key_length() << "\n"
            << "spki sha256: " << sha256 << "\n"
            << "spki pin:    " << pin << "\n";
}

}  // namespace

void add_key_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "key", "Generate private keys and read their public parts");

  auto gen = std::make_shared<KeyGenOptions>();
  auto* c = add_command(*group, cli, "gen", "Generate a private key (PKCS#8 PEM, 0600)",
                        {"pairkit key gen --type ed25519 -o device.key",
                         "pairkit key gen -o ca.key --passphrase-file pass.txt",
                         "pairkit key gen -o - | pairkit key pub -",
                         "pairkit key gen --token 'pkcs11:token=terminal;object=device-key' --pkcs11-module "
                         "/usr/lib/softhsm/libsofthsm2.so --pin-file pin.txt"},
                        [gen](Cli& c) { run_key_gen(c, *gen); });
  add_key_type_option(c, cli, gen->type);
  add_output_option(c, gen->out, "the key");
  add_passphrase_options(c, gen->pass, "the new key (encrypts it: PBES2, AES-256-CBC)");
  c->add_flag("--encrypt", gen->encrypt, "Encrypt the key with a passphrase asked on the terminal");
  c->add_flag("--force", gen->force, "Replace an existing output file (with --token: the token's key of that label)");
  c->add_option("--token", gen->token,
                "Generate the key inside a PKCS#11 token: a pkcs11: URI with token= and object= (the label); "
                "prints the key's URI");
  add_token_options(c, cli, gen->token_opts);

  auto pub = std::make_shared<KeyPubOptions>();
  c = add_command(*group, cli, "pub", "Write the public key (SubjectPublicKeyInfo PEM) of a private key",
                  {"pairkit key pub device.key -o device.pub", "pairkit key gen -o - | pairkit key pub -",
                   "pairkit key pub 'pkcs11:token=terminal;object=device-key' --pin-file pin.txt"},
                  [pub](Cli& c) { run_key_pub(c, *pub); });
  c->add_option("KEY", pub->key, key_ref_help("Private key"))->required();
  add_output_option(c, pub->out, "the public key");
  add_passphrase_options(c, pub->pass);
  add_token_options(c, cli, pub->token);
  c->add_flag("--force", pub->force, "Replace an existing output file");

  auto info = std::make_shared<KeyInfoOptions>();
  c = add_command(*group, cli, "info", "Show a key's type, size and SPKI fingerprint",
                  {"pairkit key info device.key", "pairkit --json key info device.pub",
                   "pairkit key info 'pkcs11:token=terminal;object=device-key' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so"},
                  [info](Cli& c) { run_key_info(c, *info); });
  c->add_option("KEY", info->key, key_ref_help("Private or public key"))->required();
  add_passphrase_options(c, info->pass);
  add_token_options(c, cli, info->token);
}

}  // namespace pairkit::cli
