#!/usr/bin/env python3
"""Plots the samples `cargo bench --bench raft` wrote (its JSON) into one PNG:
failover time per kill, transfer time per trigger_election, and the write latency
distribution per writer count (3-node cluster against the 1-node baseline).

Usage: benches/raft_plot.py SAMPLES.json OUT.png

Installs matplotlib with pip if it is missing; exits with status 1 and a clear message if
that does not work.
"""

import json
import math
import subprocess
import sys


def need_matplotlib():
    try:
        import matplotlib  # noqa: F401

        return
    except ImportError:
        pass
    print("raft_plot: matplotlib is missing; installing it with pip", file=sys.stderr)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"]
    result = subprocess.run(command)
    if result.returncode != 0:
        sys.exit(
            "raft_plot: error: `%s` failed (exit %d); install matplotlib for %s and rerun"
            % (" ".join(command), result.returncode, sys.executable)
        )
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        sys.exit("raft_plot: error: matplotlib still does not import after pip install: %s" % error)


def percentile(sorted_values, p):
    """Nearest rank, as the bench computes it."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: %s SAMPLES.json OUT.png" % sys.argv[0])
    samples_path, out_path = sys.argv[1], sys.argv[2]
    try:
        with open(samples_path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        sys.exit("raft_plot: error: cannot read %s: %s" % (samples_path, error))

    need_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

    election_max = data["election_max_ms"]
    election_min = data["election_min_ms"]
    fig = plt.figure(figsize=(15, 11.5))
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.1))
    fig.suptitle(
        "omsvc openraft mode: 3 `omsvc node run` processes on 127.0.0.1, RocksDB with fsync "
        "(heartbeat %d ms, election timeout %d-%d ms)"
        % (data["heartbeat_ms"], election_min, election_max),
        fontsize=12,
    )

    # 1. Failover per kill.
    ax = fig.add_subplot(grid[0, 0])
    kills = [f["ms"] for f in data["failovers"]]
    xs = list(range(1, len(kills) + 1))
    disrupted = [f["disrupted_after"] > 0 for f in data["failovers"]]
    ax.axhspan(
        election_max + election_min, 2 * election_max, color="tab:orange", alpha=0.15,
        label="openraft 0.9 follower wait: lease (%d) + election timeout (%d-%d)"
        % (election_max, election_min, election_max),
    )
    ax.bar(xs, kills, color=["tab:red" if d else "tab:blue" for d in disrupted], width=0.7)
    ordered = sorted(kills)
    median, p99 = percentile(ordered, 0.5), percentile(ordered, 0.99)
    ax.axhline(median, color="black", linestyle="-", linewidth=1, label="median %.0f ms" % median)
    ax.axhline(p99, color="black", linestyle=":", linewidth=1.5,
               label="p99 %.0f ms (nearest rank)" % p99)
    ax.axhline(1000, color="tab:green", linestyle="--", linewidth=1, label="target: median <= 1000 ms")
    ax.axhline(election_max, color="tab:orange", linestyle="--", linewidth=1,
               label="baseline: election timeout max %d ms" % election_max)
    ax.set_title("Failover per kill: SIGKILL the leader -> its service started on another node",
                 fontsize=10)
    ax.set_xlabel("kill number (the killed node is restarted after each)")
    ax.set_ylabel("failover time (ms)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(kills + [1000]) * 1.75)
    ax.legend(loc="upper left", fontsize=8, ncol=1)
    if any(disrupted):
        ax.text(0.99, 0.01, "red: another leader change followed the restart",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8)

    # 2. Transfers (log scale: they are milliseconds, failovers are near a second).
    ax = fig.add_subplot(grid[0, 1])
    transfers = data["transfers"]
    styles = {
        "won": ("tab:blue", "o", "triggering node won"),
        "other": ("tab:red", "^", "the other follower won"),
        "back": ("gray", "s", "old leader won again (not moved)"),
    }
    seen = set()
    for i, t in enumerate(transfers, start=1):
        if t["ms"] is None:
            ax.annotate("no move", (i, 1), ha="center", fontsize=8, color="gray")
            continue
        kind = "back" if t["to"] == t["from"] else ("won" if t["to"] == t["triggered"] else "other")
        color, marker, label = styles[kind]
        ax.scatter([i], [t["ms"]], color=color, marker=marker, s=45,
                   label=None if kind in seen else label)
        seen.add(kind)
    ax.axhline(election_max, color="tab:orange", linestyle="--", linewidth=1,
               label="baseline: election timeout max %d ms" % election_max)
    if kills:
        ax.axhline(median, color="black", linestyle="-", linewidth=1,
                   label="failover median %.0f ms (for comparison)" % median)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: "%g" % value))
    moved = [t["ms"] for t in transfers if t["ms"] is not None]
    ax.set_ylim(min(moved + [1.0]) / 2, max(moved + [election_max, median]) * 3)
    ax.set_title("trigger_election on a follower -> service started on another node", fontsize=10)
    ax.set_xlabel("trigger number")
    ax.set_ylabel("time to service start (ms, log scale)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", axis="y", alpha=0.3)
    ax.legend(loc="center right", fontsize=8)

    # 3. Write latency distribution (CDF), per writer count.
    ax = fig.add_subplot(grid[1, :])
    colors = {1: "tab:blue", 16: "tab:orange", 64: "tab:red"}
    for run in sorted(data["writes"], key=lambda r: (r["writers"], -r["nodes"])):
        lat = [us / 1000.0 for us in run["latencies_us"]]
        if not lat:
            continue
        n = len(lat)
        ys = [100.0 * (i + 1) / n for i in range(n)]
        ax.plot(
            lat, ys,
            color=colors.get(run["writers"], "black"),
            linestyle="-" if run["nodes"] == 3 else "--",
            linewidth=1.8 if run["nodes"] == 3 else 1.2,
            label="%-8s %-11s %5.0f writes/s, p50 %.2f ms, p99 %.2f ms" % (
                "%d node%s," % (run["nodes"], "s" if run["nodes"] > 1 else ""),
                "%d writer%s:" % (run["writers"], "s" if run["writers"] > 1 else ""),
                n / run["seconds"], percentile(lat, 0.5), percentile(lat, 0.99)),
        )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: "%g" % value))
    ax.set_title("Write latency distribution, 1 KiB configurations, each writer its own TCP client "
                 "(solid: 3-node cluster, dashed: 1-node baseline)", fontsize=10)
    ax.set_xlabel("latency of one acknowledged write (ms, log scale)")
    ax.set_ylabel("writes completed within that latency (%)")
    ax.set_ylim(0, 101)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
              prop={"family": "monospace", "size": 8.5})

    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(out_path, dpi=110)
    print("raft_plot: wrote %s" % out_path)


if __name__ == "__main__":
    main()
