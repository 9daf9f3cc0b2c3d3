"""Time rollout-sim against the SimPy model of the same scenario, alternating, in one run.

    cargo build --release && pip install simpy
    python3 benches/simpy/side_by_side.py [ROUNDS]

Each round runs, one after the other: the SimPy model (`bench_swarm.py`, 20,000 trials; the
CPU time of its trial loop alone, without Python's start-up), `rollout-sim run
benches/bench-swarm.yaml --trials 200000 --threads 1` (user + system CPU time of the whole
process, writing `trials.csv` and `summary.json`), and the same with `--threads 2` (wall
time). On a shared machine a single timing means little; the ratio of neighbours does.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, "target", "release", "rollout-sim")
SCENARIO = os.path.join(ROOT, "benches", "bench-swarm.yaml")
SIMPY_TRIALS, TRIALS = 20_000, 200_000


def simpy_rate():
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench_swarm.py"), str(SIMPY_TRIALS)],
                         check=True, capture_output=True, text=True).stdout
    return SIMPY_TRIALS / float(re.search(r"in ([0-9.]+) s CPU", out).group(1))


def rollout_sim(threads):
    """(trials/s of CPU time, trials/s of wall time) of one whole run."""
    with tempfile.TemporaryDirectory() as out:
        before, start = os.times(), time.perf_counter()
        subprocess.run([BINARY, "run", SCENARIO, "--trials", str(TRIALS), "--threads", str(threads),
                        "--out", os.path.join(out, "o"), "-q"], check=True)
        wall, after = time.perf_counter() - start, os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return TRIALS / cpu, TRIALS / wall


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run `cargo build --release` first")
    rows = []
    print("round  simpy/s  one-thread/s  ratio  two-threads/s  ratio")
    for r in range(rounds):
        s = simpy_rate()
        one, _ = rollout_sim(1)
        _, two = rollout_sim(2)
        rows.append((s, one, two))
        print(f"{r + 1:5}  {s:7.0f}  {one:12.0f}  {one / s:5.1f}  {two:13.0f}  {two / s:5.1f}")
    med = lambda i: statistics.median(row[i] / row[0] for row in rows)
    print(f"median ratio: one thread {med(1):.1f}x SimPy's one core (bar 50x), "
          f"two threads {med(2):.1f}x (bar 300,000 trials/s)")


if __name__ == "__main__":
    main()
