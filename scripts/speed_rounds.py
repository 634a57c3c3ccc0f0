#!/usr/bin/env python3
"""The measurements a speed claim about asl-lab needs, in one command, on this machine.

Alternates rounds of `asl-lab bench train` (fp32 and bf16, 2 threads) with PyTorch's same
benchmark (scripts/bench_pytorch.py: plain, channels-last and bf16 autocast), so that both
see the same machine load; then, optionally, times default `asl-lab run`s on clean caches.
Prints a Markdown summary naming the CPU: each round's figures, the ratios against PyTorch's
best mode of the same precision with the targets (train 1.5x, inference 2x), the medians,
each default run's time, stage times, model hash and test accuracy, and (--profile) where a
step's time goes. `--bf16-bytes` trains the default config once in bf16 on the AVX512-BF16
route; its model hash, like the default runs', is set beside the one the AMD EPYC kind trains,
so a session on the other kind sees at once whether the bytes are the same on both.

    make build
    python3 scripts/speed_rounds.py --rounds 3 --default-runs 3 --python venv/bin/python

`--python` names an interpreter with torch (`python3 -m venv venv && venv/bin/pip install
torch numpy`); without it only asl-lab is measured. `--json FILE` keeps every figure.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = {"train": 1.5, "inference": 2.0}
# The default config's model (sha256, first 16 hex digits) as the AMD EPYC kind trains it
# (train stage revision 8): fp32, and bf16 on AVX512-BF16 (`ASL_LAB_BF16=avx512`).
AMD_EPYC_MODELS = {"fp32": "b0511033727b5728", "bf16-avx512": "9792760c91a188a8"}


def run_json(command):
    """Runs `command` and returns its last stdout line read as JSON; exits naming it on failure."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"speed_rounds: `{' '.join(command)}` failed (exit {done.returncode}):\n{done.stderr.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        sys.exit(f"speed_rounds: `{' '.join(command)}` printed nothing")
    return json.loads(lines[-1]), done.stderr.strip()


def asl_lab_round(binary, threads):
    """{precision: (train, inference)} medians of one `bench train` each, and the machine record."""
    figures, machine, notes = {}, None, []
    for precision in ("fp32", "bf16"):
        result, note = run_json([binary, "bench", "train", "--threads", str(threads), "--precision", precision, "--json"])
        if note:
            notes.append(note)
        machine = result.get("machine", machine)
        figures[precision] = (result["train"][0]["median"], result["inference"][0]["median"])
    return figures, machine, notes


def pytorch_round(python, threads):
    """{mode: (train, inference)} medians of PyTorch's modes, and its version."""
    result, _ = run_json([python, os.path.join(HERE, "bench_pytorch.py"), "--threads", str(threads), "--json"])
    figures = {entry["mode"]: (entry["train"], entry["inference"]) for entry in result["results"] if entry["threads"] == threads}
    return figures, result.get("torch")


def default_run(binary, keep, extra=(), env=None):
    """One default `asl-lab run` (plus `extra` arguments) on a clean cache: wall seconds and what
    its manifest says."""
    work = tempfile.mkdtemp(prefix="speed-rounds-")
    try:
        start = time.monotonic()
        done = subprocess.run([binary, "run", "--cache", os.path.join(work, "cache"), "--reports", os.path.join(work, "reports"), *extra],
                              capture_output=True, text=True, env=env)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            sys.exit(f"speed_rounds: `asl-lab run {' '.join(extra)}` failed (exit {done.returncode}):\n{done.stderr.strip()}")
        manifests = [os.path.join(root, "manifest.json") for root, _, files in os.walk(os.path.join(work, "reports"))
                     if "manifest.json" in files and "status.json" in files]
        if len(manifests) != 1:
            sys.exit(f"speed_rounds: expected one run folder under {work}/reports, found {len(manifests)}")
        with open(manifests[0]) as f:
            manifest = json.load(f)
        if keep:
            print(f"kept: {work}", file=sys.stderr)
        return {
            "seconds": seconds,
            "stages": {stage["name"]: stage["seconds"] for stage in manifest["stages"]},
            "model": manifest["artifacts"].get("model.safetensors", "?"),
            "test_accuracy": manifest["metrics"].get("test_accuracy"),
            "test_distance_mae": manifest["metrics"].get("test_distance_mae"),
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def same_bytes(model, route):
    reference = AMD_EPYC_MODELS[route]
    return "the AMD EPYC kind's" if model.startswith(reference) else f"**not** the AMD EPYC kind's (`{reference}…`)"


def best(figures, modes, column):
    values = [figures[m][column] for m in modes if m in figures]
    return max(values) if values else None


def ratio_line(name, ours, theirs, column):
    key = ("train", "inference")[column]
    ratios = [o[column] / t for o, t in zip(ours, theirs) if t]
    if not ratios:
        return None
    verdict = "met" if min(ratios) >= TARGETS[key] else "NOT met in every round"
    return f"| {name} {key} | {min(ratios):.2f}–{max(ratios):.2f}× | {TARGETS[key]}× | {verdict} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "asl-lab"))
    parser.add_argument("--python", help="an interpreter with torch installed; without it PyTorch is not measured")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--default-runs", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the default runs' caches and reports (their folder is printed)")
    parser.add_argument("--profile", action="store_true", help="also print `bench train --profile` for fp32 and bf16 (where a step goes)")
    parser.add_argument("--bf16-bytes", action="store_true",
                        help="also train the default config in bf16 on AVX512-BF16 (`run --until train`, clean cache) and compare its model with the AMD EPYC kind's")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"speed_rounds: {args.binary} is not an executable; build it first (make build)")
    if args.rounds < 1 or args.threads < 1 or args.default_runs < 0:
        sys.exit("speed_rounds: --rounds and --threads must be at least 1, --default-runs at least 0")

    rounds, machine, torch_version, notes = [], None, None, []
    for number in range(1, args.rounds + 1):
        started = time.strftime("%H:%M", time.gmtime())
        ours, machine, round_notes = asl_lab_round(args.binary, args.threads)
        notes.extend(n for n in round_notes if n not in notes)
        theirs = {}
        if args.python:
            theirs, torch_version = pytorch_round(args.python, args.threads)
        load = os.getloadavg()[0]
        rounds.append({"round": number, "utc": started, "load": load, "asl_lab": ours, "pytorch": theirs})
        print(f"round {number}/{args.rounds} done ({started} UTC, load {load:.1f})", file=sys.stderr)

    profiles = {}
    if args.profile:
        for precision in ("fp32", "bf16"):
            done = subprocess.run([args.binary, "bench", "train", "--threads", str(args.threads), "--precision", precision, "--profile"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"speed_rounds: bench train --profile --precision {precision} failed:\n{done.stderr.strip()}")
            profiles[precision] = done.stdout.rstrip()

    runs = []
    for number in range(1, args.default_runs + 1):
        runs.append(default_run(args.binary, args.keep))
        print(f"default run {number}/{args.default_runs}: {runs[-1]['seconds']:.1f} s", file=sys.stderr)

    bf16_run = None
    if args.bf16_bytes:
        env = dict(os.environ, ASL_LAB_BF16="avx512")
        bf16_run = default_run(args.binary, args.keep, ["--set", "train.precision=bf16", "--until", "train"], env)
        print(f"bf16 training on AVX512-BF16: {bf16_run['seconds']:.1f} s", file=sys.stderr)

    cpu = machine.get("cpu", "?") if machine else "?"
    print(f"## Speed on {cpu} ({machine.get('cores', '?')} cores), {args.threads} threads, {time.strftime('%Y-%m-%d', time.gmtime())}\n")
    print(f"Kernels: fp32 `{machine.get('fp32_kernel')}`, bf16 `{machine.get('bf16_kernel')}`"
          + (f"; PyTorch {torch_version}" if torch_version else "; PyTorch not measured") + ".")
    for note in notes:
        print(f"\nNote from asl-lab: {note}")
    modes = ["plain", "channels_last", "bf16"]
    print("\n| round (UTC, load) | asl-lab fp32 | asl-lab bf16 |" + "".join(f" PyTorch {m} |" for m in modes if args.python))
    print("|---|---|---|" + "---|" * (len(modes) if args.python else 0))
    for r in rounds:
        cells = [f"{r['asl_lab'][p][0]:.0f} / {r['asl_lab'][p][1]:.0f}" for p in ("fp32", "bf16")]
        if args.python:
            cells += [f"{r['pytorch'][m][0]:.0f} / {r['pytorch'][m][1]:.0f}" if m in r["pytorch"] else "–" for m in modes]
        print(f"| {r['round']} ({r['utc']}, {r['load']:.1f}) | " + " | ".join(cells) + " |")
    medians = [statistics.median(r["asl_lab"][p][c] for r in rounds) for p in ("fp32", "bf16") for c in (0, 1)]
    line = f"| median | {medians[0]:.0f} / {medians[1]:.0f} | {medians[2]:.0f} / {medians[3]:.0f} |"
    if args.python:
        for m in modes:
            values = [r["pytorch"][m] for r in rounds if m in r["pytorch"]]
            line += f" {statistics.median(v[0] for v in values):.0f} / {statistics.median(v[1] for v in values):.0f} |" if values else " – |"
    print(line)
    print("\n(images/s, train / inference; each cell a median of 3 runs)")

    if args.python:
        print("\n| ratio, round by round | range | target | |\n|---|---|---|---|")
        for precision, their_modes in (("fp32", ["plain", "channels_last"]), ("bf16", ["bf16"])):
            ours = [r["asl_lab"][precision] for r in rounds]
            for column in (0, 1):
                theirs = [best(r["pytorch"], their_modes, column) for r in rounds]
                line = ratio_line(precision, ours, theirs, column)
                if line:
                    print(line)
        print("\n(against PyTorch's best mode of the same precision in the same round)")

    if runs:
        print("\n| default run | seconds | generate | train | analyse | report | model (sha256) | test accuracy | MAE |")
        print("|---|---|---|---|---|---|---|---|---|")
        for number, run in enumerate(runs, 1):
            stage = lambda name: f"{run['stages'][name]:.1f}" if name in run["stages"] else "–"
            print(f"| {number} | {run['seconds']:.1f} | {stage('generate')} | {stage('train')} | {stage('analyse')} | {stage('report')} |"
                  f" `{run['model'][:16]}…` | {100 * run['test_accuracy']:.2f} % | {run['test_distance_mae']:.3f} |")
        print(f"\nMedian {statistics.median(run['seconds'] for run in runs):.1f} s (target 180 s). "
              f"Model bytes: {same_bytes(runs[0]['model'], 'fp32')}" + ("" if len({r['model'] for r in runs}) == 1 else "; the runs' models differ"))

    if bf16_run:
        print(f"\nbf16 default config on AVX512-BF16 (`ASL_LAB_BF16=avx512`): model `{bf16_run['model'][:16]}…`, {same_bytes(bf16_run['model'], 'bf16-avx512')}; "
              f"test accuracy {100 * bf16_run['test_accuracy']:.2f} %, MAE {bf16_run['test_distance_mae']:.3f}, "
              f"training {bf16_run['stages'].get('train', 0):.1f} s.")

    for precision, text in profiles.items():
        print(f"\n### Profile, {precision}\n\n```\n{text}\n```")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "threads": args.threads, "torch": torch_version, "rounds": rounds, "default_runs": runs,
                       "profiles": profiles, "bf16_avx512_run": bf16_run}, f, indent=1)


if __name__ == "__main__":
    main()
