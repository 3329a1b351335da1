// The CUDA graph of a training step's pass (train/step_graph.h): warm-up, capture, replay.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>
#include <cuda_runtime_api.h>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "train/step_graph.h"

namespace merba::cuda {
namespace {

using train::Pass;
using train::PassInputs;
using train::PassOutputs;

// Eager steps of the captured batch size before the capture: the first ones initialise what a capture may not
// (cuBLAS and cuDNN handles and workspaces on the graph's stream, the model's device index tables, the
// allocator's blocks); the last one records which masks the pass asks for.
constexpr int64_t kWarmupSteps = 3;

// One mask the pass asks for, in the order it asks.
struct MaskSlot {
  std::vector<int64_t> shape;
  double keep = 1;
  at::ScalarType dtype = at::kFloat;
  at::Tensor host;    // pinned: drawn into before each replay
  at::Tensor device;  // what the graph reads, copied from `host` by the graph itself
};

at::Tensor clone_defined(const at::Tensor& t) { return t.defined() ? t.clone() : t; }

// Refills a static input; the graph was captured with exactly these shapes.
void refill(const at::Tensor& target, const at::Tensor& source, const char* what) {
  TORCH_CHECK(target.defined() == source.defined() && (!target.defined() || target.sizes() == source.sizes()),
              "CUDA step graph: the step's ", what, " differ from the captured ones");
  if (target.defined()) target.copy_(source, /*non_blocking=*/true);
}

// Owns a CUDA event without timing (ATen's CUDAEvent would pull in the CUDA libraries' headers, which the
// CPU build's compile check lacks).
class Event {
 public:
  Event() { C10_CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming)); }
  ~Event() { cudaEventDestroy(event_); }  // safe while pending: CUDA releases it once it has completed
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(const c10::cuda::CUDAStream& stream) { C10_CUDA_CHECK(cudaEventRecord(event_, stream.stream())); }
  void block(const c10::cuda::CUDAStream& stream) const { C10_CUDA_CHECK(cudaStreamWaitEvent(stream.stream(), event_, 0)); }
  void synchronize() const { C10_CUDA_CHECK(cudaEventSynchronize(event_)); }

 private:
  cudaEvent_t event_{};
};

// Runs on the graph's stream, ordered after the caller's stream on entry; the caller's stream waits for the
// graph's when the scope ends.
class StreamScope {
 public:
  StreamScope(c10::cuda::CUDAStream caller, c10::cuda::CUDAStream graph) : caller_(caller), graph_(graph), guard_(graph) {
    Event entered;
    entered.record(caller_);
    entered.block(graph_);
  }
  ~StreamScope() {
    try {
      Event done;
      done.record(graph_);
      done.block(caller_);
    } catch (const std::exception& e) {
      TORCH_WARN("CUDA step graph: could not order the caller's stream after the step's: ", e.what());
    }
  }
  StreamScope(const StreamScope&) = delete;
  StreamScope& operator=(const StreamScope&) = delete;

 private:
  c10::cuda::CUDAStream caller_, graph_;
  c10::cuda::CUDAStreamGuard guard_;
};

class CudaStepGraph final : public train::StepGraph {
 public:
  explicit CudaStepGraph(std::vector<at::Tensor> parameters)
      : parameters_(std::move(parameters)),
        device_index_(parameters_.front().device().index()),
        stream_(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device_index_)) {
    for (const at::Tensor& p : parameters_) {
      TORCH_CHECK_VALUE(p.is_cuda() && p.device().index() == device_index_,
                        "CUDA step graph: every parameter must be on ", parameters_.front().device(), ", one is on ",
                        p.device());
    }
  }

  std::shared_ptr<void> stream_scope() override {
    return std::make_shared<StreamScope>(c10::cuda::getCurrentCUDAStream(device_index_), stream_);
  }

  PassOutputs run(const PassInputs& in, const at::Generator& masks, const Pass& pass) override {
    const int64_t batch = in.inputs.size(0);
    if (graph_ && !parameters_in_place()) {  // moved or replaced: capture again after new warm-ups
      graph_.reset();
      warmups_ = 0;
    }
    if (graph_ && batch == batch_) return replay(in, masks);
    if (disabled_.empty() && !graph_ && batch == batch_ && warmups_ >= kWarmupSteps) {
      try {
        capture(in, pass);
      } catch (const std::exception& e) {
        give_up(e.what());
      }
      if (graph_) return replay(in, masks);
    }
    return eager(in, masks, pass);
  }

  int64_t replays() const override { return replays_; }
  int64_t eager_runs() const override { return eager_runs_; }
  std::string disabled_reason() const override { return disabled_; }

 private:
  std::vector<at::Tensor> parameters_;
  c10::DeviceIndex device_index_;
  c10::cuda::CUDAStream stream_;
  int64_t batch_ = 0;  // the batch size captured: the first one seen
  int64_t warmups_ = 0, replays_ = 0, eager_runs_ = 0;
  std::string disabled_;
  std::vector<MaskSlot> slots_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  PassInputs static_inputs_;
  PassOutputs static_outputs_;
  std::vector<at::Tensor> grads_;          // the graph's gradient buffers, per parameter
  std::vector<const void*> data_;          // the parameters' storage the graph was captured on
  std::unique_ptr<Event> replayed_;        // the last replay, whose copies read the pinned masks

  bool parameters_in_place() const {
    for (size_t i = 0; i < parameters_.size(); ++i) {
      if (parameters_[i].const_data_ptr() != data_[i]) return false;
    }
    return true;
  }

  PassOutputs eager(const PassInputs& in, const at::Generator& masks, const Pass& pass) {
    const int64_t batch = in.inputs.size(0);
    if (batch_ == 0) batch_ = batch;
    const bool warming_up = disabled_.empty() && !graph_ && batch == batch_;
    std::vector<MaskSlot> asked;
    const model::MaskSource draw = [&](at::IntArrayRef shape, double keep, const at::TensorOptions& options) {
      if (warming_up) asked.push_back({shape.vec(), keep, c10::typeMetaToScalarType(options.dtype()), {}, {}});
      return model::draw_bernoulli_mask(shape, keep, options, masks);
    };
    PassOutputs out = pass(in, draw);
    if (warming_up) {
      slots_ = std::move(asked);
      ++warmups_;
    }
    ++eager_runs_;
    return out;
  }

  void capture(const PassInputs& in, const Pass& pass) {
    // The graph reads and writes fixed addresses: the static inputs (refilled before each replay), the masks'
    // buffers, and the gradients and outputs it allocates from its own pool during the capture.
    static_inputs_ = PassInputs{in.inputs.clone(),
                                model::DgcmTargets{clone_defined(in.targets.coarse), clone_defined(in.targets.fine),
                                                   clone_defined(in.targets.weight)},
                                in.counted.clone()};
    for (MaskSlot& slot : slots_) {
      slot.host = at::empty(slot.shape, at::TensorOptions().dtype(slot.dtype).pinned_memory(true));
      slot.device = at::empty(slot.shape, at::TensorOptions().dtype(slot.dtype).device(at::kCUDA, device_index_));
    }
    size_t next = 0;
    const model::MaskSource from_slots = [&](at::IntArrayRef shape, double keep, const at::TensorOptions&) {
      TORCH_CHECK(next < slots_.size() && slots_[next].shape == shape.vec() && slots_[next].keep == keep,
                  "CUDA step graph: the pass asked for other masks than in its warm-up steps");
      MaskSlot& slot = slots_[next++];
      slot.device.copy_(slot.host, /*non_blocking=*/true);  // a copy node: re-reads the pinned buffer each replay
      return slot.device;
    };
    for (at::Tensor& p : parameters_) p.mutable_grad().reset();  // allocated by the capture, in the graph's pool
    // Captured on the graph's stream (the current one inside stream_scope). Thread-local mode: other threads
    // (folds trained at once) keep allocating, synchronising and capturing their own graphs meanwhile.
    TORCH_CHECK(c10::cuda::getCurrentCUDAStream(device_index_) == stream_,
                "CUDA step graph: run() must be called inside stream_scope()");
    auto graph = std::make_unique<at::cuda::CUDAGraph>();
    graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    PassOutputs out;
    try {
      out = pass(static_inputs_, from_slots);
    } catch (...) {
      try {
        graph->capture_end();  // ends the (invalidated) capture and the allocator's routing to the pool
      } catch (...) {
      }
      throw;
    }
    graph->capture_end();
    TORCH_CHECK(next == slots_.size(), "CUDA step graph: the pass asked for ", next, " masks, its warm-up steps for ",
                slots_.size());
    graph_ = std::move(graph);
    static_outputs_ = out;
    grads_.clear();
    data_.clear();
    for (const at::Tensor& p : parameters_) {
      grads_.push_back(p.grad());
      data_.push_back(p.const_data_ptr());
    }
  }

  PassOutputs replay(const PassInputs& in, const at::Generator& masks) {
    // The previous replay's copies must have read the pinned masks before they are drawn again. Each step
    // reads its results back, so it has finished already and this does not wait.
    if (replayed_) replayed_->synchronize();
    for (MaskSlot& slot : slots_) slot.host.bernoulli_(slot.keep, masks).div_(slot.keep);  // draw_bernoulli_mask's draws
    refill(static_inputs_.inputs, in.inputs, "inputs");
    refill(static_inputs_.targets.coarse, in.targets.coarse, "coarse targets");
    refill(static_inputs_.targets.fine, in.targets.fine, "fine targets");
    refill(static_inputs_.targets.weight, in.targets.weight, "sample weights");
    refill(static_inputs_.counted, in.counted, "counted targets");
    graph_->replay();
    if (!replayed_) replayed_ = std::make_unique<Event>();
    replayed_->record(stream_);
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].mutable_grad() = grads_[i];
    ++replays_;
    return static_outputs_;
  }

  void give_up(const std::string& why) {
    disabled_ = why;
    graph_.reset();
    // A capture sets .grad to buffers of its pool without computing them: the eager pass must start from none.
    for (at::Tensor& p : parameters_) p.mutable_grad().reset();
    TORCH_WARN("CUDA step graph: capture failed, training on with eager steps: ", why);
  }
};

std::unique_ptr<train::StepGraph> make(std::vector<at::Tensor> parameters) {
  return std::make_unique<CudaStepGraph>(std::move(parameters));
}

const bool registered = train::register_step_graph_factory(&make);

}  // namespace
}  // namespace merba::cuda

// Referenced by the linker option that cmake/MerbaCuda.cmake adds (-u), so that this object file, and with it
// the registration above, is kept when the core is linked from a static archive.
extern "C" __attribute__((visibility("default"))) void merba_cuda_step_graph_anchor() {}
