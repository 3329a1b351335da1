#include "reference/selective_scan_reference.h"

#include <ATen/ATen.h>

#include <vector>

namespace merba::reference {

ops::SelectiveScanResult selective_scan_reference(const at::Tensor& u_in, const at::Tensor& delta_in,
                                                  const at::Tensor& A_in, const at::Tensor& B_in,
                                                  const at::Tensor& C_in,
                                                  const ops::SelectiveScanOptions& o) {
  const auto input_dtype = u_in.scalar_type();
  const auto compute = input_dtype == at::kDouble ? at::kDouble : at::kFloat;
  const at::Tensor u = u_in.to(compute), A = A_in.to(compute), B = B_in.to(compute), C = C_in.to(compute);
  at::Tensor delta = delta_in.to(compute);
  if (o.delta_bias().defined()) delta = delta + o.delta_bias().to(compute).unsqueeze(-1);
  if (o.delta_softplus()) delta = at::softplus(delta);  // β = 1, threshold 20

  const int64_t batch = u.size(0), dim = u.size(1), len = u.size(2), dstate = A.size(1);
  // exp(Δ·A) and Δ·B·u for every step: (B, D, L, N), as Mamba's reference does.
  const at::Tensor deltaA = at::exp(delta.unsqueeze(-1) * A.view({1, dim, 1, dstate}));
  const at::Tensor deltaB_u = (delta * u).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(1);
  at::Tensor h = at::zeros({batch, dim, dstate}, u.options());
  std::vector<at::Tensor> ys;
  ys.reserve(len);
  for (int64_t l = 0; l < len; ++l) {
    h = deltaA.select(2, l) * h + deltaB_u.select(2, l);
    ys.push_back((h * C.select(2, l).unsqueeze(1)).sum(-1));
  }
  at::Tensor out = at::stack(ys, /*dim=*/2);
  if (o.D().defined()) out = out + u * o.D().to(compute).unsqueeze(-1);
  if (o.z().defined()) out = out * at::silu(o.z().to(compute));

  ops::SelectiveScanResult result;
  result.out = out.to(input_dtype);
  if (o.return_last_state()) result.last_state = h;
  return result;
}

}  // namespace merba::reference
