// How much of each kind of input pairkit reads before refusing it. Every read
// of a file or stdin names one of these: hostile input (/dev/zero, a sparse
// file, a FIFO that never ends) is refused after at most that many bytes, in
// about as much memory. pairkit(1), INPUT LIMITS, lists them: keep it in step.
#pragma once
#include <cstddef>

namespace pairkit::limits {

/// One certificate, key, CSR or public key. An RSA-16384 key in PEM is 13 KB
/// and a certificate with a thousand SANs some 40 KB.
inline constexpr size_t kObject = size_t{1} << 20;
/// A PEM bundle: the files of cert info, fingerprint, cert verify (chain and
/// --ca), crl check and ca revoke --cert. Debian's whole trust store is 220 KB.
inline constexpr size_t kBundle = size_t{16} << 20;
/// TOML written by people: the configuration, ca.toml, device.toml, sim scripts.
inline constexpr size_t kToml = size_t{1} << 20;
/// A pin store: some 200 bytes a pin, so about 20,000 pins.
inline constexpr size_t kPinStore = size_t{4} << 20;
/// A passphrase file.
inline constexpr size_t kPassphrase = size_t{64} << 10;
/// ca revoke --serials-file: a million 20-byte serials, one per 41-byte line.
inline constexpr size_t kSerialList = size_t{64} << 20;
/// A terminal log for sim verify-log: a legacy record is 1.8 KB, and a 1 MiB
/// script runs some 25,000 steps.
inline constexpr size_t kSimLog = size_t{128} << 20;
/// An image for qr scan (qr.max_pixels bounds what it decodes to).
inline constexpr size_t kImage = size_t{256} << 20;
/// A CRL, unless --max-crl-size (crl.max_size) says otherwise: a DER CRL of
/// ten million entries, eight million in PEM.
inline constexpr size_t kCrlDefault = size_t{512} << 20;
/// The most --max-crl-size accepts.
inline constexpr size_t kCrlMax = size_t{4} << 30;

}  // namespace pairkit::limits
