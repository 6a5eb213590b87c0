// pairkit-qr.so's way to its decoders (codec_abi.h): pairkit-qr-scan.so,
// loaded from the folder this module was loaded from, on the first scan only.
// Like render_module.cpp, libc only: no C++ runtime in pairkit-qr.so.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codec_abi.h"
#include "pairkit_config.h"

namespace {

constexpr const char* kScanModule = "pairkit-qr-scan.so";

const pkqr_scan_ops* loaded;
pkqr_error load_error;
pthread_once_t once = PTHREAD_ONCE_INIT;

void load() {
  // Beside this module: the build tree, a relocated bundle and the install
  // folder all keep the two together.
  Dl_info self{};
  char path[4096];
  if (!dladdr(reinterpret_cast<void*>(&load), &self) || !self.dli_fname || !strrchr(self.dli_fname, '/')) {
    load_error.status = PKQR_INPUT;
    snprintf(load_error.message, sizeof load_error.message, "QR scanning: cannot tell where pairkit-qr.so is");
    return;
  }
  const char* slash = strrchr(self.dli_fname, '/');
  snprintf(path, sizeof path, "%.*s/%s", static_cast<int>(slash - self.dli_fname), self.dli_fname, kScanModule);
  load_error.status = PKQR_INPUT;
  if (access(path, F_OK) != 0) {
    snprintf(load_error.message, sizeof load_error.message, "QR scanning is not installed: no %s", path);
    return;
  }
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    snprintf(load_error.message, sizeof load_error.message, "QR scanning is not installed: cannot load it: %s", dlerror());
    return;
  }
  auto entry = reinterpret_cast<const pkqr_scan_ops* (*)()>(dlsym(handle, PKQR_DECODERS_ENTRY));
  const pkqr_scan_ops* ops = entry ? entry() : nullptr;
  if (!ops || ops->abi != PKQR_ABI || strcmp(ops->pairkit_version, PAIRKIT_VERSION) != 0) {
    snprintf(load_error.message, sizeof load_error.message,
             "QR support: %s is not the module of this pairkit " PAIRKIT_VERSION " build", path);
    return;
  }
  load_error.status = PKQR_OK;
  loaded = ops;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const pkqr_scan_ops* pairkit_qr_scan(pkqr_error* err) {
  pthread_once(&once, load);
  if (!loaded) *err = load_error;
  return loaded;
}
