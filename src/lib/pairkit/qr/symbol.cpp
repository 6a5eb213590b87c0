// The QR symbol for a text: libqrencode, picking the smallest encoding.
// Part of the pairkit-qr module (see codec.hpp).
#include <algorithm>
#include <cerrno>
#include <memory>

#include <qrencode.h>

#include "pairkit/core/error.hpp"
#include "render.hpp"

namespace pairkit::qr {

Symbol encode_symbol(std::string_view text, Ecc ecc) {
  if (text.empty()) throw UsageError("the QR payload is empty");
  if (text.find('\0') != std::string_view::npos) throw UsageError("the QR payload contains a NUL byte");
  static constexpr QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
  const std::string s(text);
  const QRecLevel level = levels[static_cast<int>(ecc)];
  errno = 0;
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString(s.c_str(), 0, level, QR_MODE_8, 1), QRcode_free);
  const int saved_errno = errno;
  // libqrencode's mode optimiser splits digit runs into numeric segments,
  // whose headers can cost a version: a pairing payload is smallest as one
  // alphanumeric segment, so try that too and keep the smaller symbol.
  const bool alnum = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || std::string_view(" $%*+-./:").find(c) != std::string_view::npos;
  });
  if (alnum) {
    std::unique_ptr<QRinput, void (*)(QRinput*)> in(QRinput_new2(0, level), QRinput_free);
    if (in && QRinput_append(in.get(), QR_MODE_AN, static_cast<int>(s.size()), reinterpret_cast<const unsigned char*>(s.data())) == 0) {
      std::unique_ptr<QRcode, void (*)(QRcode*)> an(QRcode_encodeInput(in.get()), QRcode_free);
      if (an && (!code || an->version <= code->version)) code = std::move(an);
    }
  }
  errno = saved_errno;
  if (!code) {
    if (errno == ERANGE)
      throw InputError("the payload (" + std::to_string(text.size()) + " bytes) does not fit a QR code at level " +
                       std::string(1, ecc_name(ecc)) + " (version 40 is the largest)");
    throw InputError("libqrencode could not encode the payload");
  }
  Symbol sym;
  sym.version = code->version;
  sym.size = code->width;
  sym.ecc = ecc;
  sym.dark.resize(static_cast<size_t>(sym.size) * sym.size);
  for (size_t i = 0; i < sym.dark.size(); ++i) sym.dark[i] = code->data[i] & 1;
  return sym;
}

}  // namespace pairkit::qr
