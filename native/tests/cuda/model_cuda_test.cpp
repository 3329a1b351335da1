// The whole MERba network on CUDA against the same network on the CPU: logits, loss and every parameter's
// gradient, so that the scan kernels are checked inside the model (mixers, scan orders, strided x/z).
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "model/dgcm_loss.h"
#include "model/merba_net.h"
#include "support/tensor_checks.h"

using namespace merba::model;

namespace {

MerbaNet make(const ModelConfig& c) {
  MerbaNet net(c);
  initialize(*net, 7);
  net->eval();  // batch statistics and DropPath would differ by device only through randomness
  return net;
}

at::Tensor on_cpu(const at::Tensor& t) { return t.defined() ? t.cpu() : t; }

}  // namespace

TEST(merba_forward_and_backward_on_cuda_match_the_cpu) {
  // cuDNN and cuBLAS would otherwise use TF32 (10-bit mantissa) for float32 convolutions and matmuls.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const ModelConfig config = composite_28();
  MerbaNet cpu = make(config), cuda = make(config);
  cuda->to(at::Device(at::kCUDA, 0));
  at::manual_seed(3);
  const at::Tensor x = at::rand({4, config.in_channels, config.input_size, config.input_size});
  const at::Tensor target = at::tensor(std::vector<int64_t>{0, 1, 2, 3}) % config.num_fine();

  const HeadOutput out_cpu = cpu->forward(x);
  const HeadOutput out_cuda = cuda->forward(x.cuda());
  EXPECT_CLOSE(on_cpu(out_cuda.coarse_logits), out_cpu.coarse_logits, 1e-4, "coarse logits");
  EXPECT_CLOSE(on_cpu(out_cuda.fine_logits), out_cpu.fine_logits, 1e-4, "fine logits");

  const at::Tensor loss_cpu = dgcm_loss(out_cpu, target, config);
  const at::Tensor loss_cuda = dgcm_loss(out_cuda, target.cuda(), config);
  EXPECT_CLOSE(loss_cuda.cpu(), loss_cpu, 1e-4, "loss");
  loss_cpu.backward();
  loss_cuda.backward();
  const auto cpu_params = cpu->named_parameters(), cuda_params = cuda->named_parameters();
  for (const auto& p : cpu_params) {
    const at::Tensor& g_cpu = p.value().grad();
    const at::Tensor& g_cuda = cuda_params[p.key()].grad();
    EXPECT_TRUE(g_cpu.defined() == g_cuda.defined());
    if (g_cpu.defined()) EXPECT_CLOSE(on_cpu(g_cuda), g_cpu, 1e-4, "gradient of " + p.key());
  }
}
