// The device-backend seam (ops/scan_backend.h) without a GPU: tensors on the meta device (shapes, no data)
// go to a recording backend registered for that device, so these tests check what the operator asks of a
// device backend — the CUDA one follows the same protocol — and the error when none is registered.
#include <ATen/ATen.h>

#include "ops/scan_backend.h"
#include "ops/selective_scan.h"
#include "support/tensor_checks.h"

using merba::ops::DeviceScanBackend;
using merba::ops::DeviceScanForward;
using merba::ops::DeviceScanGradients;
using merba::ops::DeviceScanInputs;
using merba::ops::SelectiveScanOptions;
using merba::ops::selective_scan;

namespace {

const auto kMeta = at::TensorOptions().device(at::kMeta);

// Answers with empty tensors of the right shapes and records how it was called.
class RecordingBackend final : public DeviceScanBackend {
 public:
  mutable int forwards = 0, backwards = 0;
  mutable bool forward_for_backward = false;
  mutable at::Tensor saved_by_forward;
  mutable std::vector<at::Tensor> saved_seen_by_backward;
  mutable DeviceScanInputs backward_inputs;
  // When set, the forward answers with copies of u, delta and z as the inputs its kernels read (as the CUDA backend
  // does for layouts its kernels do not take), recorded here.
  mutable bool rearranges = false;
  mutable DeviceScanInputs rearranged;

  void check_supported(const DeviceScanInputs& in) const override {
    TORCH_CHECK_VALUE(in.A.size(1) <= 4, "recording backend: N up to 4");
  }

  DeviceScanForward forward(const DeviceScanInputs& in, bool for_backward, bool return_last_state) const override {
    ++forwards;
    forward_for_backward = for_backward;
    DeviceScanForward r;
    if (rearranges) {
      rearranged = in;
      for (at::Tensor* t : {&rearranged.u, &rearranged.delta, &rearranged.z}) {
        if (t->defined()) *t = at::empty_like(*t);
      }
      r.inputs = rearranged;
    }
    r.out = at::empty_like(in.u);
    if (return_last_state) r.last_state = at::empty({in.u.size(0), in.u.size(1), in.A.size(1)}, kMeta);
    if (for_backward) {
      saved_by_forward = at::empty({in.u.size(0), in.u.size(1), 1, in.A.size(1)}, kMeta);
      r.saved = {saved_by_forward};
    }
    return r;
  }

  DeviceScanGradients backward(const DeviceScanInputs& in, const std::vector<at::Tensor>& saved,
                               const at::Tensor& grad_out) const override {
    ++backwards;
    saved_seen_by_backward = saved;
    backward_inputs = in;
    DeviceScanGradients g;
    g.du = at::empty_like(in.u);
    g.ddelta = at::empty_like(in.delta);
    g.dA = at::empty_like(in.A);
    g.dB = at::empty_like(in.B);
    g.dC = at::empty_like(in.C);
    if (in.D.defined()) g.dD = at::empty_like(in.D);
    if (in.z.defined()) g.dz = at::empty_like(in.z);
    if (in.delta_bias.defined()) g.ddelta_bias = at::empty_like(in.delta_bias);
    return g;
  }
};

struct MetaInputs {
  at::Tensor u = at::empty({2, 3, 5}, kMeta), delta = at::empty({2, 3, 5}, kMeta), A = at::empty({3, 4}, kMeta),
             B = at::empty({2, 4, 5}, kMeta), C = at::empty({2, 4, 5}, kMeta), D = at::empty({3}, kMeta),
             z = at::empty({2, 3, 5}, kMeta), delta_bias = at::empty({3}, kMeta);
};

// Registered once, after the test of the unregistered case has run (tests run in file order).
RecordingBackend& recording_backend() {
  static RecordingBackend backend;
  static const bool registered = merba::ops::register_device_scan_backend(at::kMeta, &backend);
  (void)registered;
  return backend;
}

}  // namespace

TEST(a_device_without_a_backend_is_refused_by_name) {
  const MetaInputs in;
  EXPECT_TRUE(merba::ops::device_scan_backend(at::kMeta) == nullptr);
  EXPECT_THROWS_WITH(selective_scan(in.u, in.delta, in.A, in.B, in.C), c10::ValueError, "was built without META support");
}

TEST(inference_calls_the_backend_forward_only) {
  RecordingBackend& backend = recording_backend();
  const MetaInputs in;
  const int before = backend.forwards;
  auto r = selective_scan(in.u, in.delta, in.A, in.B, in.C, SelectiveScanOptions().return_last_state(true));
  EXPECT_EQ(backend.forwards, before + 1);
  EXPECT_TRUE(!backend.forward_for_backward);
  EXPECT_TRUE(r.out.is_meta());
  EXPECT_SHAPE(r.last_state, {2, 3, 4});
}

TEST(autograd_hands_the_forward_saved_tensors_to_the_backward) {
  RecordingBackend& backend = recording_backend();
  MetaInputs in;
  for (at::Tensor* t : {&in.u, &in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.delta_bias}) t->requires_grad_(true);
  auto r = selective_scan(in.u, in.delta, in.A, in.B, in.C,
                          SelectiveScanOptions().D(in.D).z(in.z).delta_bias(in.delta_bias).delta_softplus(true)
                              .return_last_state(true));
  EXPECT_TRUE(backend.forward_for_backward);
  EXPECT_TRUE(r.out.requires_grad());
  EXPECT_TRUE(!r.last_state.requires_grad());
  r.out.sum().backward();
  EXPECT_EQ(backend.backwards, 1);
  EXPECT_EQ(backend.saved_seen_by_backward.size(), size_t(1));
  EXPECT_TRUE(backend.saved_seen_by_backward[0].is_same(backend.saved_by_forward));
  EXPECT_TRUE(backend.backward_inputs.delta_softplus);
  EXPECT_TRUE(backend.backward_inputs.z.defined() && backend.backward_inputs.D.defined());
  for (const at::Tensor* t : {&in.u, &in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.delta_bias}) {
    EXPECT_TRUE(t->grad().defined());
    EXPECT_TRUE(t->grad().sizes() == t->sizes());
  }
}

TEST(absent_optional_inputs_reach_the_backend_undefined) {
  RecordingBackend& backend = recording_backend();
  MetaInputs in;
  in.u.requires_grad_(true);
  selective_scan(in.u, in.delta, in.A, in.B, in.C).out.sum().backward();
  EXPECT_TRUE(!backend.backward_inputs.D.defined() && !backend.backward_inputs.z.defined() &&
              !backend.backward_inputs.delta_bias.defined());
  EXPECT_TRUE(in.u.grad().defined());
}

TEST(the_backend_checks_its_own_limits_before_anything_runs) {
  RecordingBackend& backend = recording_backend();
  const int before = backend.forwards;
  EXPECT_THROWS_WITH(selective_scan(at::empty({1, 2, 3}, kMeta), at::empty({1, 2, 3}, kMeta), at::empty({2, 5}, kMeta),
                                    at::empty({1, 5, 3}, kMeta), at::empty({1, 5, 3}, kMeta)),
                     c10::ValueError, "N up to 4");
  EXPECT_EQ(backend.forwards, before);
}

TEST(the_backward_gets_the_inputs_as_the_forward_arranged_them) {
  // A backend that copied u, delta or z into its kernels' layout returns the copies (DeviceScanForward::inputs);
  // autograd saves those, so the backward need not copy again. The other inputs are the caller's.
  RecordingBackend& backend = recording_backend();
  MetaInputs in;
  in.u.requires_grad_(true);
  backend.rearranges = true;
  struct Restore {  // for the tests after this one, which share the backend, even if the call throws
    RecordingBackend& backend;
    ~Restore() { backend.rearranges = false; }
  } restore{backend};
  auto r = selective_scan(in.u, in.delta, in.A, in.B, in.C, SelectiveScanOptions().z(in.z));
  r.out.sum().backward();
  const DeviceScanInputs& seen = backend.backward_inputs;
  EXPECT_TRUE(seen.u.is_same(backend.rearranged.u) && !seen.u.is_same(in.u));
  EXPECT_TRUE(seen.delta.is_same(backend.rearranged.delta) && seen.z.is_same(backend.rearranged.z));
  EXPECT_TRUE(seen.A.is_same(in.A) && seen.B.is_same(in.B) && seen.C.is_same(in.C));
  EXPECT_TRUE(in.u.grad().defined());
}
