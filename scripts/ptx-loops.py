#!/usr/bin/env python3
"""PTX instructions per loop body of one kernel: the static counts docs/gpu.md quotes for the short scan kernels.

For every backward branch (a loop) in the kernel's PTX, prints the loop's first line, its instruction count and how
many ex2 and shfl instructions it holds. Innermost loops with ex2 are the per-step loops; larger ones enclose them.

    cd native && nvcc -O3 -DNDEBUG -std=c++17 -arch=sm_90 -ptx -I. cuda/scan_forward.cu -o /tmp/fwd.ptx
    python3 ../scripts/ptx-loops.py /tmp/fwd.ptx scan_short_forward_kernelIfLi8
"""
import argparse
import re


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ptx")
    parser.add_argument("kernel", help="a substring of the kernel's mangled name, e.g. scan_short_forward_kernelIfLi8")
    args = parser.parse_args()
    lines = open(args.ptx).read().split("\n")
    start = next(i for i, line in enumerate(lines) if ".entry" in line and args.kernel in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("}"))
    body = lines[start:end]
    labels = {line.strip().rstrip(":"): i for i, line in enumerate(body) if re.match(r"^\$L__BB\d+_\d+:$", line.strip())}
    for i, line in enumerate(body):
        branch = re.search(r"bra(\.uni)?\s+(\$L__BB\d+_\d+);", line)
        if branch and labels.get(branch.group(2), i) < i:
            loop = body[labels[branch.group(2)]:i + 1]
            count = sum(1 for s in loop if re.match(r"^\t[a-z@]", s))
            ex2 = sum("ex2" in s for s in loop)
            shfl = sum("shfl" in s for s in loop)
            print(f"loop at line {start + labels[branch.group(2)] + 1}: {count} instructions, {ex2} ex2, {shfl} shfl")


if __name__ == "__main__":
    main()
