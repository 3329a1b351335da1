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
  void block(const c10::cuda::CUDAStream& stream) const {
    C10_CUDA_CHECK(cudaStreamWaitEvent(stream.stream(), event_, 0));
  }
  void synchronize() const { C10_CUDA_CHECK(cudaEventSynchronize(event_)); }

 private:
  cudaEvent_t event_{};
};

// A stream of the graph's own. Not from LibTorch's pool: the pool hands out its 32 streams in turn, so with
// many sessions (folds trained at once) one's graph stream would be another's working stream, and a capture
// on it would swallow or break the other's work.
class OwnedStream {
 public:
  explicit OwnedStream(c10::DeviceIndex device) : device_(device) {
    const c10::cuda::CUDAGuard guard(device_);
    C10_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~OwnedStream() {
    const c10::cuda::CUDAGuard guard(device_);
    cudaStreamSynchronize(stream_);  // destroying a stream with work queued would not wait for it
    cudaStreamDestroy(stream_);
  }
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  c10::cuda::CUDAStream get() const { return c10::cuda::getStreamFromExternal(stream_, device_); }

 private:
  c10::DeviceIndex device_;
  cudaStream_t stream_{};
};

// Runs on the graph's stream, ordered after the caller's stream on entry; the caller's stream waits for the
// graph's when the scope ends.
class StreamScope {
 public:
  StreamScope(c10::cuda::CUDAStream caller, c10::cuda::CUDAStream graph)
      : caller_(caller), graph_(graph), guard_(graph) {
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
  CudaStepGraph(std::vector<at::Tensor> parameters, std::vector<at::Tensor> buffers)
      : parameters_(std::move(parameters)),
        buffers_(std::move(buffers)),
        device_index_(parameters_.front().device().index()),
        owned_stream_(device_index_),
        stream_(owned_stream_.get()) {
    require_on_device();
  }

  std::shared_ptr<void> stream_scope() override {
    return std::make_shared<StreamScope>(c10::cuda::getCurrentCUDAStream(device_index_), stream_);
  }

  PassOutputs run(const PassInputs& in, const at::Generator& masks, const Pass& pass) override {
    const int64_t batch = in.inputs.size(0);
    if (graph_ && !storage_in_place()) {  // a weight or buffer was replaced: capture again after new warm-ups
      graph_.reset();
      warmups_ = 0;
    }
    // Storage still where the graph was captured is on its device: only without a graph is there anything to check.
    if (!graph_) require_on_device();
    if (graph_ && batch == batch_) return replay(in, masks);
    if (!graph_ && batch == batch_ && warmups_ >= kWarmupSteps) {
      capture(in, pass);
      return replay(in, masks);
    }
    return eager(in, masks, pass);
  }

  int64_t replays() const override { return replays_; }
  int64_t eager_runs() const override { return eager_runs_; }

 private:
  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> buffers_;  // BatchNorm statistics: the graph updates them in place
  c10::DeviceIndex device_index_;
  OwnedStream owned_stream_;  // declared before the graph: destroyed after it
  c10::cuda::CUDAStream stream_;
  int64_t batch_ = 0;  // the batch size captured: the first one seen
  int64_t warmups_ = 0, replays_ = 0, eager_runs_ = 0;
  std::vector<MaskSlot> slots_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  PassInputs static_inputs_;
  PassOutputs static_outputs_;
  std::vector<at::Tensor> grads_;          // the graph's gradient buffers, per parameter
  std::vector<const void*> data_;          // the parameters' and buffers' storage the graph was captured on
  std::unique_ptr<Event> replayed_;        // the last replay, whose copies read the pinned masks

  // A network moved to another device (or the CPU) after use_cuda_graphs is not this graph's to train.
  void require_on_device() const {
    for (const std::vector<at::Tensor>* tensors : {&parameters_, &buffers_}) {
      for (const at::Tensor& t : *tensors) {
        TORCH_CHECK_VALUE(t.is_cuda() && t.device().index() == device_index_, "CUDA step graph: the network's tensors "
                          "must stay on cuda:", static_cast<int>(device_index_), ", one is on ", t.device(),
                          " (after moving the network, call use_cuda_graphs again)");
      }
    }
  }

  std::vector<const void*> storage() const {
    std::vector<const void*> pointers;
    for (const std::vector<at::Tensor>* tensors : {&parameters_, &buffers_}) {
      for (const at::Tensor& t : *tensors) pointers.push_back(t.const_data_ptr());
    }
    return pointers;
  }
  // Checked every step: compares in place rather than building storage() again.
  bool storage_in_place() const {
    size_t k = 0;
    for (const std::vector<at::Tensor>* tensors : {&parameters_, &buffers_}) {
      for (const at::Tensor& t : *tensors) {
        if (k >= data_.size() || t.const_data_ptr() != data_[k++]) return false;
      }
    }
    return k == data_.size();
  }

  PassOutputs eager(const PassInputs& in, const at::Generator& masks, const Pass& pass) {
    const int64_t batch = in.inputs.size(0);
    if (batch_ == 0) batch_ = batch;
    const bool warming_up = !graph_ && batch == batch_;
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
      graph->capture_end();
    } catch (const std::exception& e) {
      // Not recoverable in general: after a failed capture LibTorch's allocator may still route this stream to
      // the graph's pool. Stop with the cause rather than train on in a state nobody has tested.
      try {
        graph->capture_end();
      } catch (...) {
      }
      TORCH_CHECK(false, "CUDA graph capture of the training step failed; train without CUDA graphs "
                  "(merba_folds --cuda-graphs off). Cause: ", e.what());
    }
    TORCH_CHECK(next == slots_.size(), "CUDA step graph: the pass asked for ", next, " masks, its warm-up steps for ",
                slots_.size());
    graph_ = std::move(graph);
    static_outputs_ = out;
    grads_.clear();
    for (const at::Tensor& p : parameters_) grads_.push_back(p.grad());
    data_ = storage();
  }

  PassOutputs replay(const PassInputs& in, const at::Generator& masks) {
    // The previous replay's copies must have read the pinned masks before they are drawn again. Each step
    // reads its results back, so it has finished already and this does not wait.
    if (replayed_) replayed_->synchronize();
    // draw_bernoulli_mask's draws, in its order.
    for (MaskSlot& slot : slots_) slot.host.bernoulli_(slot.keep, masks).div_(slot.keep);
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
};

std::unique_ptr<train::StepGraph> make(std::vector<at::Tensor> parameters, std::vector<at::Tensor> buffers) {
  TORCH_CHECK_VALUE(!parameters.empty() && parameters.front().is_cuda(),
                    "CUDA step graph: the network's parameters must be on a GPU");
  return std::make_unique<CudaStepGraph>(std::move(parameters), std::move(buffers));
}

const bool registered = train::register_step_graph_factory(&make);

}  // namespace
}  // namespace merba::cuda

// Referenced by the linker option that cmake/MerbaCuda.cmake adds (-u), so that this object file, and with it
// the registration above, is kept when the core is linked from a static archive.
extern "C" __attribute__((visibility("default"))) void merba_cuda_step_graph_anchor() {}
