// The files of a device identity folder, by name: what `device init` writes,
// what the pin store and the pairing registry default to, what a restore
// point carries. Every domain that touches the folder takes the names here.
#pragma once

namespace pairkit::device {

inline constexpr const char* kKeyFile = "key.pem";            ///< the private key (0600)
inline constexpr const char* kCertFile = "cert.pem";          ///< the device's certificate
inline constexpr const char* kDeviceFile = "device.toml";     ///< what the identity is (identity.hpp)
inline constexpr const char* kPinStoreFile = "pins.toml";     ///< servers this device pinned
inline constexpr const char* kRegistryFile = "pairing.db";    ///< a server's paired terminals
inline constexpr const char* kConfigFile = "pairkit.toml";    ///< the device's pairkit settings

}  // namespace pairkit::device
