"""A straightforward SimPy model of `benches/bench-swarm.yaml`, the yardstick of the per-core bar.

Docker Swarm start-first rolling update of 20 replicas, `parallelism: 2`, `delay: 5s`,
`monitor: 5s`. A new task's container starts after uniform(1 s, 4 s); its application is
ready a lognormal time later (median 3 s, p99 20 s); the HEALTHCHECK probes every second
(`start_interval: 1s` inside the 2 m start period, today's Docker) and the first probe at or
after the ready instant makes the task healthy. Every probe is an event. Each of the
`parallelism` update workers takes the next slot, starts the new task, waits until it is
healthy, shuts the old task down (`shutdown: 0s`) and waits `delay`, as swarmkit's
`manager/orchestrator/update/updater.go` (`Updater.worker`, `Updater.updateTask`) does; the
update completes after a final monitoring window, which is `delay + 1s` when `delay >=
monitor` (`Updater.Run`).

Its duration distribution matches `rollout-sim run benches/bench-swarm.yaml` (p50 130.2 s,
p95 149.2 s, p99 160.3 s over 20,000 trials; rollout-sim 130.0, 149.3, 160.8 over
200,000), so both simulate the same rollout. Run with `python3 bench_swarm.py [TRIALS]`;
`side_by_side.py` times it against rollout-sim. Needs `pip install simpy` (4.1).
"""
import math
import random
import sys
import time

import simpy

REPLICAS, PARALLELISM, DELAY, MONITOR = 20, 2, 5.0, 5.0
PROBE_INTERVAL = 1.0
MU, SIGMA = math.log(3.0), math.log(20.0 / 3.0) / 2.3263478740408408  # median 3 s, p99 20 s


def new_task(env, rng):
    """Start the new task's container, then probe every second until a probe passes."""
    yield env.timeout(rng.uniform(1.0, 4.0))
    ready_at = env.now + rng.lognormvariate(MU, SIGMA)
    while True:
        yield env.timeout(PROBE_INTERVAL)
        if env.now >= ready_at:
            return


def worker(env, slots, rng):
    while slots:
        slots.pop()
        yield from new_task(env, rng)  # start-first: the old task stops once this one is healthy
        yield env.timeout(DELAY)


def trial(rng):
    """One rollout; returns its duration in seconds."""
    env = simpy.Environment()
    slots = list(range(REPLICAS))
    workers = [env.process(worker(env, slots, rng)) for _ in range(PARALLELISM)]
    env.run(simpy.AllOf(env, workers))
    return env.now + (DELAY + 1.0 if DELAY >= MONITOR else MONITOR)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rng = random.Random(1)
    t0 = time.process_time()
    d = sorted(trial(rng) for _ in range(n))
    cpu = time.process_time() - t0
    q = lambda p: d[min(n - 1, int(p * n))]
    print(f"{n} trials in {cpu:.3f} s CPU: {n / cpu:.0f} trials/s; "
          f"duration p50 {q(.5):.1f} s, p95 {q(.95):.1f} s, p99 {q(.99):.1f} s")


if __name__ == "__main__":
    main()
