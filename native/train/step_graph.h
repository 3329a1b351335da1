// The forward and backward pass of a training step as a CUDA graph: captured once per session for the
// full batch size, after a few eager warm-up steps, and replayed from then on, so that a step costs one launch
// instead of a launch per operation (hundreds at MERba's size, where batch 32 is bound by launches, not by
// the GPU). The implementation lives with the CUDA backend (cuda/cuda_step_graph.cpp) and registers itself;
// the core only sees this interface.
//
// What the graph holds: the pass from the network's input to the loss, the correct count and every
// parameter's gradient. What stays eager around it: augmentation, mixup and the targets (their random draws
// are the session's, on the host, exactly as in an eager step), gradient clipping, AdamW (its learning rate
// changes every step) and the weight average: a few multi-tensor launches. Drop-path and dropout masks,
// drawn on the host too, reach the graph through pinned buffers that are refilled, in the eager step's
// order and from the same generator, before each replay: a replayed step draws and computes what an eager
// step would.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <vector>

#include "model/dgcm_loss.h"
#include "model/training_context.h"

namespace merba::train {

// The tensors a pass reads, all on the network's device with the batch first.
struct PassInputs {
  at::Tensor inputs;          // (B, C, H, W), augmented and mixed
  model::DgcmTargets targets;  // what the loss compares the logits with
  at::Tensor counted;         // (B) int64: the class a prediction counts as correct against
};

// What a pass leaves besides the gradients in the parameters' .grad: device scalars.
struct PassOutputs {
  at::Tensor loss;     // the batch mean
  at::Tensor correct;  // int64 count of correct predictions
};

// Runs forward, loss and backward of one batch (the caller has set the gradients to none), drawing its masks
// through the given source.
using Pass = std::function<PassOutputs(const PassInputs&, const model::MaskSource&)>;

class StepGraph {
 public:
  virtual ~StepGraph() = default;

  // Runs `pass` on `inputs`, eagerly (warm-up, other batch sizes) or by replaying the captured graph, with
  // masks drawn from `masks` in either case, and leaves the gradients in the parameters' .grad. The caller
  // must be inside a stream_scope().
  virtual PassOutputs run(const PassInputs& inputs, const at::Generator& masks, const Pass& pass) = 0;

  // Makes the graph's stream the current one until the returned handle is destroyed, ordered after the
  // caller's stream on entry and before it on exit. A whole step runs inside it, so that warm-up, capture
  // and replay share one stream (and its library handles and workspaces).
  virtual std::shared_ptr<void> stream_scope() = 0;

  // How many steps ran as replays and how many eagerly.
  virtual int64_t replays() const = 0;
  virtual int64_t eager_runs() const = 0;
};

// A factory for the network whose parameters and buffers (which the pass updates in place) are given;
// registered by the CUDA backend.
using StepGraphFactory = std::unique_ptr<StepGraph> (*)(std::vector<at::Tensor> parameters,
                                                        std::vector<at::Tensor> buffers);
bool register_step_graph_factory(StepGraphFactory factory);

// A step graph for a network on a GPU. Throws when this build has no CUDA support. A failed capture throws
// too, with its cause: after one, LibTorch's allocator may not be left as a later eager step needs it.
std::unique_ptr<StepGraph> make_step_graph(std::vector<at::Tensor> parameters, std::vector<at::Tensor> buffers);
bool step_graphs_available();

}  // namespace merba::train
