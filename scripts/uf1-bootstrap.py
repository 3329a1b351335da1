#!/usr/bin/env python3
"""Standard error of a report's pooled UF1, by bootstrap over its predictions (docs/results.md).

Resamples the pooled predictions of a `merba loso` or `merba cv` JSON report with replacement, once sample by
sample and once subject by subject (a subject's samples move together: what differs between databases), and
prints the standard deviation of the resampled UF1 (spec §5's formula). Seeded, so repeatable. Needs numpy.

    python3 scripts/uf1-bootstrap.py docs/results/loso-composite-28-tta-sqrt-megc-dev.json
"""
import json
import sys
from pathlib import Path

import numpy as np

from pooled_metrics import uf1_uar


def uf1(truth: np.ndarray, predicted: np.ndarray, classes: int) -> float:
    return uf1_uar(truth, predicted, classes)[0]


def main(path: Path, sample_draws: int = 5000, subject_draws: int = 3000) -> None:
    report = json.loads(path.read_text())
    classes = len(report["classes"])
    truth = np.array([p["truth"] for p in report["predictions"]])
    predicted = np.array([p["predicted"] for p in report["predictions"]])
    subjects = np.array([p["subject"] for p in report["predictions"]])
    rng = np.random.default_rng(0)
    n = len(truth)
    by_sample = [uf1(truth[i], predicted[i], classes) for i in (rng.integers(0, n, n) for _ in range(sample_draws))]
    names = np.unique(subjects)
    rows = {s: np.flatnonzero(subjects == s) for s in names}
    by_subject = []
    for _ in range(subject_draws):
        i = np.concatenate([rows[s] for s in rng.choice(names, len(names))])
        by_subject.append(uf1(truth[i], predicted[i], classes))
    print(f"{n} predictions, {len(names)} subjects, pooled UF1 {uf1(truth, predicted, classes):.4f}")
    print(f"standard error over samples ({sample_draws} resamples): {np.std(by_sample):.4f}")
    print(f"standard error over subjects ({subject_draws} resamples): {np.std(by_subject):.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
