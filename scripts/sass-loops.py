#!/usr/bin/env python3
"""SASS instructions per loop body of one kernel: the machine code a GPU issues, counted without a GPU.

The CUDA 13 toolkit here has no disassembler, and its cubins are a format that older ones cannot read. Debian's
nvidia-cuda-toolkit (11.8, bookworm non-free) has ptxas and nvdisasm for sm_90: this script compiles nvcc 13's PTX
with that ptxas (relabelled as PTX 7.8, which it accepts while the kernels use nothing newer), disassembles it and
prints, for every backward branch (a loop) of the kernel, its instruction count and most frequent opcodes. ptxas 11.8
is a proxy for the ptxas 13 a GPU build uses: its schedule and registers differ, its instruction selection (MUFU,
div.rn and exp2's fix-ups, address arithmetic) is what the counts in docs/gpu.md rest on.

    apt-get download nvidia-cuda-toolkit && dpkg -x nvidia-cuda-toolkit_*.deb /tmp/cuda-11.8   # with non-free
    cd native && nvcc -O3 -DNDEBUG -std=c++17 -arch=sm_90 -ptx -I. cuda/scan_forward.cu -o /tmp/fwd.ptx
    python3 ../scripts/sass-loops.py /tmp/fwd.ptx scan_short_forward_kernelIfLi8ELb1 --toolkit /tmp/cuda-11.8/usr/bin
"""
import argparse
import collections
import pathlib
import re
import subprocess
import tempfile


def disassemble(ptx: pathlib.Path, toolkit: pathlib.Path, arch: str) -> list[str]:
    with tempfile.TemporaryDirectory() as work:
        relabelled = pathlib.Path(work) / "kernels.ptx"
        relabelled.write_text(re.sub(r"^\.version .*$", ".version 7.8", ptx.read_text(), count=1, flags=re.M))
        cubin = pathlib.Path(work) / "kernels.cubin"
        subprocess.run([str(toolkit / "ptxas"), f"-arch={arch}", "-O3", str(relabelled), "-o", str(cubin)], check=True)
        return subprocess.run([str(toolkit / "nvdisasm"), str(cubin)], check=True, capture_output=True,
                              text=True).stdout.split("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ptx", type=pathlib.Path, help="PTX from nvcc -ptx")
    parser.add_argument("kernel", help="a substring of exactly one kernel's mangled name, e.g. "
                                       "scan_short_forward_kernelIfLi8ELb1")
    parser.add_argument("--toolkit", type=pathlib.Path, required=True, help="the folder with ptxas and nvdisasm")
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--min", type=int, default=50, help="the smallest loop to print (default 50 instructions)")
    args = parser.parse_args()
    lines = disassemble(args.ptx, args.toolkit, args.arch)
    starts = [i for i, line in enumerate(lines) if line.startswith(".text.") and args.kernel in line]
    if len(starts) != 1:
        names = ", ".join(lines[i].rstrip(":")[len(".text."):] for i in starts) or "none"
        raise SystemExit(f"'{args.kernel}' must name exactly one kernel; it names {names}")
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("//----", "\t.section"))), len(lines))
    labels, instructions = {}, []
    for line in lines[start:end]:
        label = re.match(r"^(\.L_x_\d+):", line)
        if label:
            labels[label.group(1)] = len(instructions)
        instruction = re.match(r"^\s+/\*[0-9a-f]+\*/\s+(.*?)\s*;", line)
        if instruction:
            instructions.append(instruction.group(1))
    print(f"{lines[start].rstrip(':')[len('.text.'):]}: {len(instructions)} instructions")
    for i, instruction in enumerate(instructions):
        branch = re.search(r"\bBRA(?:\.\w+)* (?:\S+, )?`\((\.L_x_\d+)\)", instruction)
        if branch and labels.get(branch.group(1), i + 1) <= i:
            loop = instructions[labels[branch.group(1)]:i + 1]
            if len(loop) < args.min:
                continue
            opcodes = collections.Counter(re.sub(r"^@!?U?P\w+\s+", "", s).split()[0].split(".")[0] for s in loop)
            common = ", ".join(f"{op} {count}" for op, count in opcodes.most_common(12))
            print(f"loop at {branch.group(1)}: {len(loop)} instructions ({common})")


if __name__ == "__main__":
    main()
