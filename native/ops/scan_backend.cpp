#include "ops/scan_backend.h"

#include <array>
#include <atomic>

namespace merba::ops {
namespace {

// Indexed by device type; written during static initialisation, read afterwards. Function-local so that
// registration from another translation unit's initialiser never sees it unconstructed.
using Slots = std::array<std::atomic<const DeviceScanBackend*>, c10::COMPILE_TIME_MAX_DEVICE_TYPES>;

Slots& backends() {
  static Slots slots{};
  return slots;
}

}  // namespace

const DeviceScanBackend* device_scan_backend(c10::DeviceType type) {
  return backends()[static_cast<size_t>(type)].load(std::memory_order_acquire);
}

bool register_device_scan_backend(c10::DeviceType type, const DeviceScanBackend* backend) {
  backends()[static_cast<size_t>(type)].store(backend, std::memory_order_release);
  return true;
}

}  // namespace merba::ops
