#!/usr/bin/env python3
"""PyTorch's speed on asl-lab's benchmark, for comparison with `asl-lab bench train`.

SmallCNN (the original project's model), batch 32, 3x128x128 random input, CE + 0.25 MSE,
Adam(lr 1e-3): training steps (forward, backward, Adam) and inference batches per second,
in three modes: plain NCHW fp32, channels-last fp32, channels-last + torch.autocast("cpu",
bfloat16). Medians of --runs runs per mode and thread count, after warm-up steps.

    python3 -m venv venv && venv/bin/pip install torch numpy
    venv/bin/python scripts/bench_pytorch.py --threads 1 2

PyTorch is only for this comparison; asl-lab never needs it.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self, num_classes=26):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.class_head = nn.Sequential(nn.Linear(128 * 16 * 16, 256), nn.ReLU(), nn.Linear(256, num_classes))
        self.dist_head = nn.Sequential(nn.Linear(128 * 16 * 16, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, x):
        f = torch.flatten(self.features(x), 1)
        return self.class_head(f), self.dist_head(f).squeeze(1)


def measure(mode, threads, steps, warmup, batch=32, size=128):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = SmallCNN()
    x = torch.rand(batch, 3, size, size)
    classes = torch.arange(batch) % 26
    distances = (1 + torch.arange(batch) % 4).float()
    if mode != "plain":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    autocast = mode == "bf16"
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            logits, distance = model(x)
            loss = F.cross_entropy(logits.float(), classes) + 0.25 * F.mse_loss(distance.float(), distances)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def infer():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            model(x)

    model.train()
    for _ in range(warmup):
        train_step()
    start = time.perf_counter()
    for _ in range(steps):
        train_step()
    train = batch * steps / (time.perf_counter() - start)
    model.eval()
    for _ in range(warmup):
        infer()
    start = time.perf_counter()
    for _ in range(2 * steps):
        infer()
    inference = batch * 2 * steps / (time.perf_counter() - start)
    return train, inference


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--modes", nargs="+", default=["plain", "channels_last", "bf16"])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for threads in args.threads:
        for mode in args.modes:
            runs = [measure(mode, threads, args.steps, args.warmup) for _ in range(args.runs)]
            train = statistics.median(r[0] for r in runs)
            inference = statistics.median(r[1] for r in runs)
            results.append({"mode": mode, "threads": threads, "train": train, "inference": inference,
                            "train_runs": [r[0] for r in runs], "inference_runs": [r[1] for r in runs]})
            if not args.json:
                print(f"torch {torch.__version__} {mode:13s} {threads} thread(s): train {train:6.0f}  inference {inference:6.0f} images/s"
                      f"  (train runs {', '.join(f'{r[0]:.0f}' for r in runs)}; inference {', '.join(f'{r[1]:.0f}' for r in runs)})")
    if args.json:
        print(json.dumps({"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(), "results": results}))


if __name__ == "__main__":
    main()
