"""PyTorch eager per-op dispatch (the reference for apps/bench/src/dispatch.ts): torch.add of two [4] tensors.

usage: python3 apps/bench/python/torch_dispatch.py OUT_JSON [--device cpu|cuda:0] [--ops 20000]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--device", default="cpu")
    p.add_argument("--ops", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    x = torch.tensor([1.0, 2, 3, 4], device=dev)
    y = torch.tensor([5.0, 6, 7, 8], device=dev)

    def loop() -> None:
        for _ in range(a.ops):
            torch.add(x, y)
        sync()

    def chain() -> None:
        z = x
        for _ in range(a.ops):
            z = torch.mul(z, y)
        z.cpu()

    def timed(f) -> float:
        f()
        us = []
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            f()
            us.append((time.perf_counter() - t0) * 1e6 / a.ops)
        return statistics.median(us)

    def host_only() -> float:
        # bursts of 256 ops (below the launch-queue depth), timed before the sync that follows
        us = []
        for _ in range(40):
            sync()
            t0 = time.perf_counter()
            for _ in range(256):
                torch.add(x, y)
            us.append((time.perf_counter() - t0) * 1e6 / 256)
        sync()
        return statistics.median(us[5:])

    with torch.inference_mode():
        r_loop = timed(loop)
        r_chain = timed(chain)
        r_host = host_only()
    record = {
        "benchmark": os.path.splitext(os.path.basename(a.out))[0],
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "device": a.device,
        "op": "torch.add [4] + [4] (inference_mode)",
        "opsPerRound": a.ops,
        "microsecondsPerOp": {"eager": r_loop, "eagerChain": r_chain, "eagerHostOnly": r_host},
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=2)
    os.replace(tmp, a.out)
    print(f"pytorch eager {a.device}: {r_loop:.2f} us/op (chain {r_chain:.2f}, host only {r_host:.2f})")


if __name__ == "__main__":
    main()
