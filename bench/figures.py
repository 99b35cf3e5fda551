"""How the end-to-end benchmarks print what they measured: the same words and the same
arithmetic for the embedded and the distributed stack, so their figures compare."""

from __future__ import annotations

import os
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import cpu


def spread(values: Sequence[float], form: str = "{:.3f}") -> str:
    """min / median / max of a figure measured in several rounds."""
    return "min {} / median {} / max {}".format(
        *(form.format(v) for v in (min(values), statistics.median(values), max(values)))
    )


def describe(used: Mapping[str, float], parts: Sequence[str], form: str) -> str:
    """Each part's figure, then what no part accounts for (ended processes, the system)."""
    other = used["machine"] - sum(used.get(name, 0.0) for name in parts)
    return ", ".join(f"{name} {form.format(used.get(name, 0.0))}" for name in parts) + (
        f", other {form.format(other)}"
    )


def busy_while(
    samples: Sequence[cpu.Sample], since: float, until: float, roots: Mapping[int, str]
) -> tuple[dict[str, float], float] | None:
    """CPU seconds each part used between the first and last samples in [since, until]
    (time.time()), and the seconds between them."""
    window = [s for s in samples if since <= s.at <= until]
    if len(window) < 2:
        return None
    return cpu.used(window[0], window[-1], roots), window[-1].at - window[0].at


def print_open_loop(
    found: Mapping[str, Any], seconds: float, parts: Sequence[str], api: str
) -> None:
    latencies = [x * 1000 for x in found["latencies"]]
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    sent = len(latencies)
    print(f"\n(b) {sent} single events, open loop at {found['rate']:.0f}/s for {seconds:.0f} s,"
          " 64 keep-alive connections")  # fmt: skip
    print(f"  offered rate achieved by the generator: {sent / found['sent_for']:.0f} requests/s")
    print(f"  latency (from the scheduled send): p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms,"
          f" max {max(latencies):.0f} ms")  # fmt: skip
    print(f"  answered 202: {found['answered']} ({found['answered'] / found['answered_for']:.0f}"
          f" requests/s over {found['answered_for']:.1f} s until the last answer);"
          f" errors {found['errors']}")  # fmt: skip
    lags = found.get("lags") or [0.0]
    print(f"  processing lag (oldest pending): median {statistics.median(lags):.2f} s,"
          f" max {max(lags):.2f} s; drained {found['drained_after']:.2f} s after the last"
          " answer")  # fmt: skip
    visible = sorted(v * 1000 for v in found["visible"])
    if len(visible) > 1:
        v = statistics.quantiles(visible, n=100, method="inclusive")
        print(f"  accept → visible on the board page, {len(visible)} probes under this load:"
              f" p50 {v[49]:.0f} ms, p99 {v[98]:.0f} ms, max {visible[-1]:.0f} ms"
              f" ({found['page_reads']} page reads, in the API's CPU below)")  # fmt: skip
    busy = found.get("busy")
    if busy is not None:
        used, window = busy
        per_second = {name: value / window for name, value in used.items()}
        print(f"  cores busy, first send → last answer: {per_second['machine']:.2f} of"
              f" {os.cpu_count()} ({describe(per_second, parts, '{:.2f}')})")  # fmt: skip
        answered = found["answered"]
        if answered:
            per_request = {name: value / answered * 1e6 for name, value in used.items()}
            print(f"  CPU per answered request, µs: {describe(per_request, parts, '{:.0f}')}"
                  f" ({api}: {per_request[api]:.0f} µs)")  # fmt: skip


def print_cost(used: Mapping[str, float] | None, events: int, parts: Sequence[str],
               stack: Sequence[str]) -> None:  # fmt: skip
    """(a)'s CPU per event, by part, and the rate the cores could sustain at that cost."""
    if used is None:
        return
    per_event = {name: value / events * 1e6 for name, value in used.items()}
    total = sum(per_event.get(name, 0.0) for name in stack)
    cores = os.cpu_count() or 1
    print(f"  CPU used, first send → last effect: {used['machine']:.1f} s of {cores} cores;"
          f" per event in µs: {describe(per_event, parts, '{:.0f}')}")  # fmt: skip
    print(f"  the stack's CPU per event ({' + '.join(stack)}): {total:.0f} µs, so {cores}"
          f" cores sustain at most {cores / total * 1e6:.0f} events/s at this cost")  # fmt: skip


def print_memory(memory: Mapping[str, tuple[float, float]]) -> None:
    print("  resident memory under load, MiB (RSS summed over a part's processes; PSS counts"
          " pages shared by forks once):")  # fmt: skip
    for name, (rss, pss) in memory.items():
        print(f"    {name:16} RSS {rss:7.1f}   PSS {pss:7.1f}")
