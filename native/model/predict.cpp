#include "model/predict.h"

#include "model/flow_mirror.h"

namespace merba::model {

DgcmPrediction predict(MerbaNetImpl& net, const at::Tensor& x, bool mirror_average) {
  HeadOutput out = net.forward(x);
  if (mirror_average) {
    const HeadOutput mirrored = net.forward(mirror_centred(x));
    if (out.coarse_logits.defined()) out.coarse_logits = (out.coarse_logits + mirrored.coarse_logits) * 0.5;
    if (out.fine_logits.defined()) out.fine_logits = (out.fine_logits + mirrored.fine_logits) * 0.5;
  }
  return dgcm_predict(out, net.config());
}

}  // namespace merba::model
