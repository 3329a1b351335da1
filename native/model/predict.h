// The prediction of a batch: the DGCM head's probabilities and classes, optionally from the logits averaged
// over each sample and its mirror image (test-time flipping, which needs centred inputs). One definition for
// the Java API's predictions (jni/model_handle.cpp) and the native fold loop (train/fold_runner.cpp).
#pragma once

#include <ATen/core/Tensor.h>

#include "model/dual_granularity_head.h"
#include "model/merba_net.h"

namespace merba::model {

// x on the network's device. Runs the network in whatever mode it is in: callers put it in eval mode and
// disable autograd.
DgcmPrediction predict(MerbaNetImpl& net, const at::Tensor& x, bool mirror_average);

}  // namespace merba::model
