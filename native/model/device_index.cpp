#include "model/device_index.h"

#include <ATen/ATen.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace merba::model {

at::Tensor device_index(const std::vector<int64_t>& values, const c10::Device& device) {
  const at::TensorOptions host = at::TensorOptions().dtype(at::kLong);
  if (device.is_cpu()) return at::tensor(values, host);  // no copy to save
  // A handful of entries per model (scan orders × window sizes, class groups): an ordered map is plenty.
  static std::mutex mutex;
  static std::map<std::pair<std::vector<int64_t>, std::string>, at::Tensor> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_pair(values, device.str());
  auto it = cache.find(key);
  if (it == cache.end()) {
    // A blocking copy: the tensor is complete before any stream of any thread can read it.
    it = cache.emplace(std::move(key), at::tensor(values, host).to(device)).first;
  }
  return it->second;
}

}  // namespace merba::model
