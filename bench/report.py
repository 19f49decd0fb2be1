"""The benchmark's table and its results file (date, machine, commit, sizes, timings)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.db import ROOT

RESULTS = ROOT / "bench" / "results"


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            ram_kb = int(fh.readline().split()[1])
    except OSError:
        ram_kb = 0
    return (
        f"{os.cpu_count()} CPUs (nproc), {ram_kb / 1024 / 1024:.1f} GiB RAM, {model}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    head = git("rev-parse", "--short", "HEAD").strip()
    branch = git("rev-parse", "--abbrev-ref", "HEAD").strip()
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "coopshop") else ""
    return f"{head} on {branch}{dirty}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds == seconds else "–"


def table(results, bare: list[float]) -> str:
    rows = [
        "| page | status | req/s | p50 | p99 | ratio to bare | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        done = r.median(r.rps) > 0  # no request finished in a run: wrk reports no latency
        p50 = _ms(r.median(r.p50)) if done else "– (none finished)"
        p99 = _ms(r.median(r.p99)) if done else "–"
        rows.append(
            f"| {r.page.name} | {r.status} | {r.median(r.rps):,.1f} | {p50} | {p99} | "
            f"{r.median(r.ratios):.3f} | {r.errors} |"
        )
    if bare:
        rows.append(f"| bare endpoint (median of {len(bare)}) | 200 | "
                    f"{statistics.median(bare):,.1f} | | | 1 | |")  # fmt: skip
    return "\n".join(rows)


def size_label(scale: float) -> str:
    return "full" if scale == 1.0 else f"scale-{scale:g}"


def write(args, url, loaded, targets, check, timings, results, bare, rss) -> Path:
    now = datetime.now(UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # The size the data has (a database loaded by an earlier run counts as what it holds).
    scale = args.scale if loaded is not None else round(targets["sizes"]["order_lines"] / 1e6, 3)
    label = size_label(scale)
    path = RESULTS / f"{now:%Y-%m-%d}-{label}.md"
    lines = [
        f"# Benchmark {now:%Y-%m-%d %H:%M} UTC, {label}",
        "",
        f"- commit: {commit()}",
        f"- machine: {machine()}",
        f"- command: `.venv/bin/python -m bench --scale {scale:g} --runs {args.runs} "
        f"--duration {args.duration} --connections {args.connections} --threads {args.threads} "
        f"--workers {args.workers}`" + (" (--no-load)" if loaded is None else ""),
        f"- served: gunicorn {args.workers} sync workers, production settings; wrk "
        f"-t{args.threads} -c{args.connections} -d{args.duration}, each page right after a bare "
        f"run, medians of {args.runs} (ratio: median of each run's page/bare)",
        f"- data: {', '.join(f'{k} {v:,}' for k, v in targets['sizes'].items())}; the busiest "
        f"member (producer {targets['producer']}) has {targets['producer_lines']:,} lines",
    ]
    if loaded is not None:
        lines.append(
            f"- load: {loaded['seconds']:,.0f} s for {loaded['rows']:,} "
            f"COPYed rows ({loaded['rows'] / loaded['seconds']:,.0f} rows/s) plus the payout "
            f"batches by the app's service; VACUUM ANALYZE {loaded['analyze_seconds']:.0f} s; "
            f"{', '.join(f'{k} {v:,}' for k, v in loaded['counts'].items())}; orders by "
            f"channel: {', '.join(f'{k} {v:,}' for k, v in loaded['channels'].items())}"
        )
    lines += ["", "## Pages", "", table(results, bare) if results else "(not driven)", ""]
    lines += ["## Outside the server", "", "| what | seconds | note |", "|---|---|---|"]
    lines.append(f"| `flask ledger check` (CLI start-up included) | {check[0]:.2f} | {check[1]} |")
    lines += [f"| {what} | {seconds:.2f} | {note} |" for what, seconds, note in timings]
    lines += ["", "## Worker memory (VmRSS, MB)", ""]
    lines += [f"- {when}: {', '.join(f'{m:.0f}' for m in values)}" for when, values in rss.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
