"""Percentiles and the load-average line shared by the benchmarks."""

from __future__ import annotations

import os


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict:
    return dict(p50=pct(samples, .5), p95=pct(samples, .95), p99=pct(samples, .99), max=max(samples),
                n=len(samples))


def load_line() -> str:
    """« 1.23 0.98 0.75 (2 cores) »: the 1, 5 and 15-minute load averages, printed beside each table
    (the machine is shared: a table measured under load says so)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"
