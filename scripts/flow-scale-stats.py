#!/usr/bin/env python3
"""Per-image scale of the composite's min-max flow images (docs/training-config.md, zero_level_scaled).

For each image and channel: the zero level (the median), then the mean absolute value of the centred channel.
Prints the 5th, 50th and 95th percentiles per dataset. Needs numpy and pillow.

    python3 scripts/flow-scale-stats.py ../shared/data/megc-composite-dev/manifest.csv
"""
import csv
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def main(manifest: Path) -> None:
    by_dataset: dict[str, list[np.ndarray]] = {}
    with manifest.open(newline="") as f:
        for row in csv.DictReader(f):
            x = np.asarray(Image.open(manifest.parent / row["file"]).convert("RGB"), dtype=np.float64) / 255
            x = x.transpose(2, 0, 1).reshape(3, -1)
            centred = x - np.median(x, axis=1, keepdims=True)
            by_dataset.setdefault(row["dataset"], []).append(np.abs(centred).mean(axis=1))
    for dataset, scales in by_dataset.items():
        p = np.percentile(np.array(scales), [5, 50, 95], axis=0)
        print(f"{dataset} ({len(scales)} images), mean |x - zero| per channel u, v, strain:")
        for q, values in zip((5, 50, 95), p):
            print(f"  {q:>2}th percentile: " + "  ".join(f"{v:.3f}" for v in values))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
