#!/usr/bin/env python3
"""The spec's baseline CNN on the folds of a `merba cv` report, and how its errors overlap MERba's.

An STSTNet-style network (Liong et al. 2019; spec §5): three parallel 3×3 convolutions with 3, 5 and 8 channels
over the raw 28×28 u-v-strain image, ReLU, 3×3 max pooling with stride 3, 2×2 average pooling, one linear layer
(1,651 parameters). Trained per fold on the report's training subjects with Adam (lr 5e-4, batch 32, 200 epochs,
unweighted cross-entropy, no augmentation), evaluated at the last epoch. Nothing is tuned: the point is not a
better baseline but the same folds for both models, so that their per-sample errors can be compared.

Ablations (docs/results.md), one at a time: --readout mean (global average pooling before the linear layer),
--centre (each channel minus its median), --flip (mirror with p 0.5, u reflected about its median), --shift
(random shifts of ±2 px, the border filled with each channel's median), --mixup (α 0.4, one λ per batch).

Prints the baseline's pooled Acc/UF1/UAR and, against the report's predictions: how many samples each model gets
wrong, how many both do, and the accuracy of an oracle that takes whichever model is right.

    python3 scripts/cnn-baseline-cv.py ../shared/data/megc-composite-dev/manifest.csv REPORT.json [--seed 42]

Needs torch, numpy and pillow (a CPU build is enough: about 40 s for 5 folds, 6 minutes for 40, on one core).
"""
import argparse
import csv
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from pooled_metrics import uf1_uar


class StstNetStyle(nn.Module):
    def __init__(self, classes: int, mean_readout: bool = False) -> None:
        super().__init__()
        self.mean_readout = mean_readout
        self.branches = nn.ModuleList(nn.Conv2d(3, c, 3, padding=1) for c in (3, 5, 8))
        self.pool = nn.Sequential(nn.MaxPool2d(3, stride=3, padding=1), nn.AvgPool2d(2))
        self.fc = nn.Linear(16 if mean_readout else 16 * 5 * 5, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.cat([torch.relu(branch(x)) for branch in self.branches], dim=1))
        return self.fc(x.mean((2, 3)) if self.mean_readout else x.flatten(1))


def augment(x: torch.Tensor, args: argparse.Namespace) -> torch.Tensor:
    """The --flip and --shift ablations on a batch; the zero-motion level is each channel's median."""
    if args.flip:
        mirror = torch.rand(len(x)) < 0.5
        flipped = x.flip(3)
        zero_u = torch.zeros(len(x)) if args.centre else x[:, 0].flatten(1).median(1).values
        flipped[:, 0] = 2 * zero_u[:, None, None] - flipped[:, 0]
        x = torch.where(mirror[:, None, None, None], flipped, x)
    if args.shift:
        shifted_batch = []
        for image in x:
            dy, dx = (int(v) for v in torch.randint(-2, 3, (2,)))
            zero = image.flatten(1).median(1).values[:, None, None]
            shifted = torch.roll(image, (dy, dx), (1, 2))
            if dy > 0:
                shifted[:, :dy] = zero
            if dy < 0:
                shifted[:, dy:] = zero
            if dx > 0:
                shifted[:, :, :dx] = zero
            if dx < 0:
                shifted[:, :, dx:] = zero
            shifted_batch.append(shifted)
        x = torch.stack(shifted_batch)
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("report", type=Path, help="a `merba cv` or `merba loso` JSON report: its folds and predictions")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--readout", choices=("flatten", "mean"), default="flatten")
    for flag in ("centre", "flip", "shift", "mixup"):
        parser.add_argument(f"--{flag}", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)

    samples = {}  # by (subject, sample): CASME II reuses sample names across subjects
    with args.manifest.open(newline="") as f:
        for row in csv.DictReader(f):
            image = np.asarray(Image.open(args.manifest.parent / row["file"]).convert("RGB"), dtype=np.float32)
            if args.centre:
                image = image - np.median(image.reshape(-1, 3), axis=0)
            samples[(row["subject"], row["sample"])] = (row["subject"], int(row["label"]), image.transpose(2, 0, 1) / 255)
    report = json.loads(args.report.read_text())
    classes = len(report["classes"])
    merba = {(p["subject"], p["sample"]): p["predicted"] for p in report["predictions"]}
    for p in report["predictions"]:
        key = (p["subject"], p["sample"])
        if key not in samples or samples[key][1] != p["truth"]:
            raise SystemExit(f"the report's sample {key} is not in the manifest with label {p['truth']}")

    names = sorted(key for key in samples if key in merba)  # the samples the report evaluated
    x_all = torch.from_numpy(np.stack([samples[n][2] for n in names]))
    y_all = torch.tensor([samples[n][1] for n in names])
    subject_of = [samples[n][0] for n in names]
    cnn = {}
    for fold in report["folds"]:
        held_out = set(fold["subjects"])
        test = [i for i, s in enumerate(subject_of) if s in held_out]
        train = [i for i, s in enumerate(subject_of) if s not in held_out]
        torch.manual_seed(args.seed + fold["fold"])
        model = StstNetStyle(classes, mean_readout=args.readout == "mean")
        optimiser = torch.optim.Adam(model.parameters(), lr=5e-4)
        x, y = x_all[train], y_all[train]
        for _ in range(args.epochs):
            model.train()
            for batch in torch.randperm(len(train)).split(32):
                optimiser.zero_grad()
                xb, yb = augment(x[batch], args), y[batch]
                if args.mixup:
                    lam = float(torch.distributions.Beta(0.4, 0.4).sample())
                    other = torch.randperm(len(batch))
                    logits = model(lam * xb + (1 - lam) * xb[other])
                    loss = lam * nn.functional.cross_entropy(logits, yb) + \
                        (1 - lam) * nn.functional.cross_entropy(logits, yb[other])
                else:
                    loss = nn.functional.cross_entropy(model(xb), yb)
                loss.backward()
                optimiser.step()
        model.eval()
        with torch.no_grad():
            predicted = model(x_all[test]).argmax(1)
        for i, p in zip(test, predicted.tolist()):
            cnn[names[i]] = p
        print(f"fold {fold['fold']}: {len(test)} samples, accuracy {np.mean(predicted.numpy() == y_all[test].numpy()):.3f}",
              flush=True)

    evaluated = [n for n in names if n in cnn]
    if len(evaluated) != len(merba) or any(n not in merba for n in evaluated):
        raise SystemExit("the report's predictions do not cover the same samples as its folds")
    truth = np.array([samples[n][1] for n in evaluated])
    cnn_predicted = np.array([cnn[n] for n in evaluated])
    merba_predicted = np.array([merba[n] for n in evaluated])
    cnn_wrong, merba_wrong = cnn_predicted != truth, merba_predicted != truth
    for label, predicted in (("CNN", cnn_predicted), ("MERba (report)", merba_predicted)):
        uf1, uar = uf1_uar(truth, predicted, classes)
        print(f"{label:15s} Acc {np.mean(predicted == truth):.3f}  UF1 {uf1:.3f}  UAR {uar:.3f}")
    both = int(np.sum(cnn_wrong & merba_wrong))
    print(f"wrong: CNN {int(cnn_wrong.sum())}, MERba {int(merba_wrong.sum())}, both {both} "
          f"(of which the same wrong class {int(np.sum(cnn_wrong & merba_wrong & (cnn_predicted == merba_predicted)))}); "
          f"oracle (either right) accuracy {1 - both / len(truth):.3f}")
    expected_both = cnn_wrong.mean() * merba_wrong.mean() * len(truth)
    print(f"both wrong if errors were independent: {expected_both:.1f}")


if __name__ == "__main__":
    main()
