"""CPU time by part of the stack, read from /proc (Linux): what each process tree used
between two samples, and how busy the whole machine was.

A benchmark's rate says how fast; this says what each event cost the machine, and so
the highest rate its cores could sustain at that cost, whatever the rate achieved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    at: float  # time.time()
    processes: dict[int, tuple[int, float]]  # pid -> (parent pid, CPU seconds so far)
    machine: float  # busy CPU seconds of all cores so far


def available() -> bool:
    return Path("/proc/stat").exists()


def sample() -> Sample:
    processes: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        # After "(name)": state, ppid, …, utime (12th), stime (13th); the name may hold spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS)
    with open("/proc/stat") as totals:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, totals.readline().split()[1:9]
        )
    machine = (user + nice + system + irq + softirq + steal) / _TICKS
    return Sample(time.time(), processes, machine)


def used(before: Sample, after: Sample, roots: Mapping[int, str]) -> dict[str, float]:
    """CPU seconds each named process tree used between the samples (`roots`: the pid at
    the top of a tree -> its name; several trees may share a name), and `machine` for all
    cores. A process that ended meanwhile is counted in `machine` only."""
    names: dict[int, str | None] = dict(roots)

    def name_of(pid: int) -> str | None:
        chain = []
        while pid not in names and pid in after.processes:
            chain.append(pid)
            parent = after.processes[pid][0]
            if parent == pid:
                break
            pid = parent
        found = names.get(pid)
        for visited in chain:
            names[visited] = found
        return found

    totals = dict.fromkeys(roots.values(), 0.0)
    for pid, (parent, cpu) in after.processes.items():
        name = name_of(pid)
        if name is None:
            continue
        earlier = before.processes.get(pid)
        # A pid seen before under another parent is a new process that reused it.
        totals[name] += cpu - (earlier[1] if earlier and earlier[0] == parent else 0.0)
    totals["machine"] = after.machine - before.machine
    return totals


def memory(after: Sample, roots: Mapping[int, str]) -> dict[str, tuple[float, float]]:
    """Resident memory of each named process tree now, in MiB: (RSS summed over its
    processes, PSS summed). Forked processes share pages, which RSS counts in each of
    them; PSS splits shared pages among their sharers, so the PSS sum is what the tree
    occupies."""
    names = dict(roots)
    totals = {name: [0.0, 0.0] for name in roots.values()}
    for pid in after.processes:
        top = pid
        while top not in names and top in after.processes and after.processes[top][0] != top:
            top = after.processes[top][0]
        if top not in names:
            continue
        rss, pss = _resident(pid)
        totals[names[top]][0] += rss
        totals[names[top]][1] += pss
    return {name: (rss, pss) for name, (rss, pss) in totals.items()}


def _resident(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MiB; zeros if it ended or cannot be read."""
    found = {"Rss:": 0.0, "Pss:": 0.0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                fields = line.split()
                if fields and fields[0] in found:
                    found[fields[0]] = int(fields[1]) / 1024
    except OSError:
        pass
    return found["Rss:"], found["Pss:"]
