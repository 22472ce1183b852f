"""Measured processes: wall and CPU time and peak memory of a process tree; small formatting helpers."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# ------------------------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_size(text: str, default_weeks: int) -> tuple[str, int, int]:
    """A size: span rows, and optionally the weeks of history they span (the same daily volume over a
    longer history is a size too). '1m' -> ('1m', 1_000_000, default_weeks); '100k' -> ('100k', 100_000,
    default_weeks); '10m@120w' -> ('10m@120w', 10_000_000, 120)."""
    t = text.strip().lower()
    count, _, history = t.partition("@")
    if history and not (history.endswith("w") and history[:-1].isdigit() and int(history[:-1]) > 0):
        raise ValueError(f"a size's history is a number of weeks, like 10m@120w: got {text!r}")
    weeks = int(history[:-1]) if history else default_weeks
    factor = {"k": 1_000, "m": 1_000_000}.get(count[-1:], 1)
    number = float(count[:-1] if count[-1:] in "km" else count)
    label = t if weeks != default_weeks else count
    return label, int(number * factor), weeks


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} GiB"


def fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


# ------------------------------------------------------------------------------- measured processes


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return kids


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in bytes: its resident set now, and its peak since it started (exec)."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def tree_memory(pid: int) -> tuple[int, int]:
    """Sum of VmRSS over a process and all its descendants, and the largest VmHWM among them."""
    total = peak = 0
    stack, seen = [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        rss, hwm = _memory(p)
        total += rss
        peak = max(peak, hwm)
        stack += _children(p)
    return total, peak


@dataclass
class Measured:
    label: str
    seconds: float  # wall
    cpu_seconds: float  # user + system of the process tree (kernel rusage)
    peak_rss: int
    returncode: int
    log_path: Path
    load_before: float  # 1-minute load average when it started (other work on the machine)
    load_mean: float  # mean of the 1-minute load average sampled while it ran
    extra: dict = field(default_factory=dict)


def run_measured(label: str, cmd: list[str], env: dict, log_path: Path, cwd: Path) -> Measured:
    """Run a command: wall time, CPU time (the kernel's rusage of the child) and peak memory of its
    process tree, polled every 50 ms from /proc: the largest sum of resident sets, or the largest
    high-water mark (VmHWM) of one process, which also catches a spike between two polls. (ru_maxrss is
    not used: Linux carries the forking parent's high-water mark over into the child.)"""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    with open(log_path, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        peak = 0
        loads = [load]
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            ticks = 0
            while not done.is_set():
                peak = max(peak, *tree_memory(proc.pid))
                ticks += 1
                if ticks % 20 == 0:
                    loads.append(os.getloadavg()[0])
                done.wait(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited; not reaped yet
        seconds = time.perf_counter() - start
        done.set()
        poller.join()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(label, seconds, cpu, peak, proc.returncode, log_path, load, sum(loads) / len(loads))
