#include "distributed/buckets.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

namespace merba::distributed {

void for_each_bucket(const std::vector<at::Tensor>& tensors, size_t bucket_bytes,
                     const std::function<void(at::Tensor&)>& collective) {
  size_t begin = 0;
  while (begin < tensors.size()) {
    size_t end = begin, bytes = 0;
    while (end < tensors.size() && tensors[end].scalar_type() == tensors[begin].scalar_type() &&
           (end == begin || bytes + tensors[end].nbytes() <= bucket_bytes)) {
      TORCH_CHECK_VALUE(tensors[end].is_cpu(), "collectives here take CPU tensors");
      bytes += tensors[end].nbytes();
      ++end;
    }
    std::vector<at::Tensor> flat;
    flat.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) flat.push_back(tensors[i].reshape({-1}));
    at::Tensor bucket = at::cat(flat);
    collective(bucket);
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(bucket.narrow(0, offset, n).view(tensors[i].sizes()));
      offset += n;
    }
    begin = end;
  }
}

}  // namespace merba::distributed
