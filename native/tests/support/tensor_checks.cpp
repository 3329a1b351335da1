#include "support/tensor_checks.h"

#include <cmath>
#include <sstream>

namespace merba::test {

void expect_close(const at::Tensor& actual, const at::Tensor& expected, double tol, const std::string& what,
                  const char* file, int line) {
  if (!actual.defined() || !expected.defined()) {
    if (actual.defined() != expected.defined()) fail(file, line, what + ": one side is undefined");
    return;
  }
  if (actual.sizes() != expected.sizes()) {
    std::ostringstream s;
    s << what << ": shape " << actual.sizes() << " vs expected " << expected.sizes();
    fail(file, line, s.str());
  }
  const at::Tensor a = actual.detach().to(at::kDouble), e = expected.detach().to(at::kDouble);
  if (!a.isfinite().all().item<bool>()) fail(file, line, what + ": non-finite values");
  const double diff = a.numel() ? (a - e).abs().max().item<double>() : 0.0;
  const double scale = std::max(1.0, e.numel() ? e.abs().max().item<double>() : 0.0);
  if (!(diff <= tol * scale)) {
    std::ostringstream s;
    s << what << ": max |diff| = " << diff << " > " << tol << " * " << scale;
    fail(file, line, s.str());
  }
}

void expect_shape(const at::Tensor& t, const std::vector<int64_t>& expected, const char* file, int line) {
  if (!t.defined()) fail(file, line, "tensor is undefined");
  if (t.sizes() != at::IntArrayRef(expected)) {
    std::ostringstream s;
    s << "shape " << t.sizes() << ", expected " << at::IntArrayRef(expected);
    fail(file, line, s.str());
  }
}

void gradcheck(const std::function<at::Tensor(const std::vector<at::Tensor>&)>& f,
               std::vector<at::Tensor> inputs, double eps, double atol, double rtol, const char* file,
               int line) {
  for (auto& t : inputs) {
    if (t.defined()) t = t.detach().to(at::kDouble).requires_grad_(t.requires_grad());
  }
  at::Tensor out = f(inputs);
  // A fixed random projection makes the check cover every output element at once.
  const at::Tensor weights = at::randn(out.sizes(), out.options().requires_grad(false));
  (out * weights).sum().backward();
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < inputs.size(); ++i) {
    at::Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    const at::Tensor analytic = x.grad().defined() ? x.grad().clone() : at::zeros_like(x);
    at::Tensor numeric = at::zeros_like(x);
    auto flat = x.view({-1});
    auto num_flat = numeric.view({-1});
    for (int64_t k = 0; k < flat.numel(); ++k) {
      const double original = flat[k].item<double>();
      flat[k].fill_(original + eps);
      const double plus = (f(inputs) * weights).sum().item<double>();
      flat[k].fill_(original - eps);
      const double minus = (f(inputs) * weights).sum().item<double>();
      flat[k].fill_(original);
      num_flat[k].fill_((plus - minus) / (2 * eps));
    }
    const at::Tensor bad = (analytic - numeric).abs() > (atol + rtol * numeric.abs());
    if (bad.any().item<bool>()) {
      std::ostringstream s;
      s << "gradcheck failed for input " << i << ": max |analytic − numeric| = "
        << (analytic - numeric).abs().max().item<double>() << "\nanalytic:\n"
        << analytic << "\nnumeric:\n" << numeric;
      fail(file, line, s.str());
    }
  }
}

}  // namespace merba::test
