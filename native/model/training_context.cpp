#include "model/training_context.h"

#include <ATen/ATen.h>

namespace merba::model {
namespace {

struct ThreadState {
  std::optional<at::Generator> generator;
  bool update_batch_norm = true;
  MaskSource masks;
};

thread_local ThreadState state;

}  // namespace

ShardContext::ShardContext(at::Generator generator, bool update_batch_norm_statistics, MaskSource masks) {
  state.generator = std::move(generator);
  state.update_batch_norm = update_batch_norm_statistics;
  state.masks = std::move(masks);
}

ShardContext::~ShardContext() { state = ThreadState{}; }

std::optional<at::Generator> ShardContext::generator() { return state.generator; }

bool ShardContext::updates_batch_norm_statistics() { return state.update_batch_norm; }

at::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const at::Tensor& x, bool training) {
  const auto& o = bn.options;
  if (!training) {
    return at::batch_norm(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, false, 0.0, o.eps(), false);
  }
  if (!state.update_batch_norm) {
    // Batch statistics without touching the running ones.
    return at::batch_norm(x, bn.weight, bn.bias, {}, {}, true, 0.0, o.eps(), false);
  }
  bn.num_batches_tracked += 1;
  return at::batch_norm(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, true, o.momentum().value(), o.eps(),
                        false);
}

at::Tensor bernoulli_mask(at::IntArrayRef shape, double keep, const at::TensorOptions& options) {
  if (state.masks) return state.masks(shape, keep, options);
  if (!state.generator) return at::empty(shape, options).bernoulli_(keep).div_(keep);
  return draw_bernoulli_mask(shape, keep, options, *state.generator);
}

at::Tensor draw_bernoulli_mask(at::IntArrayRef shape, double keep, const at::TensorOptions& options,
                               const at::Generator& generator) {
  if (generator.device() == options.device()) return at::empty(shape, options).bernoulli_(keep, generator).div_(keep);
  // The shard's generator lives on the CPU, and a CUDA tensor refuses it: draw there and move the mask. A
  // seeded one-shard step (a CUDA step always is one) thus draws the same masks on the CPU and on a GPU.
  at::Tensor mask = at::empty(shape, options.device(generator.device())).bernoulli_(keep, generator).div_(keep);
  // From pinned memory, so the copy does not hold the host until the GPU has caught up.
  return mask.pin_memory().to(options.device(), /*non_blocking=*/true);
}

}  // namespace merba::model
