#!/usr/bin/env python3
"""Times PyTorch GEMMs on a CUDA GPU with CUDA events and writes a baseline
file that `chipbench run --external FILE` merges into its report.

    python3 scripts/torch_baseline.py --out torch.json                   # the standard suite's shapes
    python3 scripts/torch_baseline.py --shape 4096x4096x4096 --out t.json

f32 runs with TF32 disabled (so it is the same arithmetic as chipbench's f32
matmul); f16 runs with f16 inputs and PyTorch's default accumulation. Inputs are
uniform in [-1, 1]. Each shape is warmed up, then timed as the median of
samples of batched launches, like chipbench's own sampler.
"""

import argparse
import json
import statistics

import torch

STANDARD_SHAPES = [(512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (4095, 4093, 4091)]


def parse_shape(text):
    dims = [int(d) for d in text.lower().split("x")]
    if len(dims) == 1:
        dims = dims * 3
    if len(dims) != 3 or min(dims) < 1:
        raise argparse.ArgumentTypeError(f"invalid shape '{text}': expected MxNxK")
    return tuple(dims)


def time_matmul(m, n, k, dtype, samples=20, target_s=1e-3):
    a = torch.rand(m, k, device="cuda", dtype=dtype) * 2 - 1
    b = torch.rand(k, n, device="cuda", dtype=dtype) * 2 - 1
    c = torch.empty(m, n, device="cuda", dtype=dtype)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def sample(repeats):
        start.record()
        for _ in range(repeats):
            torch.matmul(a, b, out=c)
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) * 1e-3  # ms -> s

    repeats = 1
    while sample(repeats) < target_s / 2 and repeats < 10_000:
        repeats *= 2
    for _ in range(10):  # warm-up: clocks ramp from idle
        sample(repeats)
    times = [sample(repeats) / repeats for _ in range(samples)]
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=parse_shape, action="append", help="MxNxK (repeatable)")
    parser.add_argument("--out", required=True, help="baseline JSON to write")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        parser.error("no CUDA device: this baseline needs PyTorch with CUDA")

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    entries = []
    for m, n, k in args.shape or STANDARD_SHAPES:
        for name, dtype in (("f32", torch.float32), ("f16", torch.float16)):
            median_s = time_matmul(m, n, k, dtype)
            entries.append({
                "workload": "matmul",
                "dtype": name,
                "shape": {"m": m, "n": n, "k": k},
                "median_s": median_s,
            })
            print(f"matmul {name} {m}x{n}x{k}: {2 * m * n * k / median_s / 1e12:.1f} TFLOP/s")
    baseline = {
        "source": f"pytorch {torch.__version__}, CUDA {torch.version.cuda}, CUDA events, TF32 off",
        "device": torch.cuda.get_device_name(),
        "entries": entries,
    }
    with open(args.out, "w") as f:
        json.dump(baseline, f, indent=2)


if __name__ == "__main__":
    main()
