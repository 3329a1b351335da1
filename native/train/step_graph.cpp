#include "train/step_graph.h"

#include <c10/util/Exception.h>

#include <atomic>

namespace merba::train {
namespace {

std::atomic<StepGraphFactory>& factory_slot() {
  static std::atomic<StepGraphFactory> slot{nullptr};
  return slot;
}

}  // namespace

bool register_step_graph_factory(StepGraphFactory factory) {
  factory_slot().store(factory);
  return true;
}

bool step_graphs_available() { return factory_slot().load() != nullptr; }

std::unique_ptr<StepGraph> make_step_graph(std::vector<at::Tensor> parameters, std::vector<at::Tensor> buffers) {
  const StepGraphFactory factory = factory_slot().load();
  TORCH_CHECK(factory != nullptr, "CUDA graphs of the training step need the CUDA build of the native library "
              "(built without CUDA support)");
  return factory(std::move(parameters), std::move(buffers));
}

}  // namespace merba::train
