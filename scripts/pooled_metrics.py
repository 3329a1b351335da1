"""Spec §5's pooled metrics for the analysis scripts here: UF1 and UAR over integer class labels."""
import numpy as np


def uf1_uar(truth: np.ndarray, predicted: np.ndarray, classes: int) -> tuple[float, float]:
    """Mean per-class F1 and mean per-class recall; a class absent from `truth` is an error, never skipped."""
    f1, recall = [], []
    for k in range(classes):
        if not np.any(truth == k):
            raise SystemExit(f"class {k} is absent from the pooled predictions (spec §5: an error, never skipped)")
        tp = np.sum((truth == k) & (predicted == k))
        fp = np.sum((truth != k) & (predicted == k))
        fn = np.sum((truth == k) & (predicted != k))
        f1.append(2 * tp / (2 * tp + fp + fn))
        recall.append(tp / np.sum(truth == k))
    return float(np.mean(f1)), float(np.mean(recall))
