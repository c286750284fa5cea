#!/usr/bin/env python3
"""Summarizes an ncu CSV (gpu__time_duration.sum, dram__bytes_read.sum per kernel, graph
nodes profiled one by one) of `longview-cli bench` into where a prefill and one decode
step spend their GPU time. Each forward pass starts with the embedding kernel: the first
pass is the bench's untimed warm-up prefill (the shortest context, at most 4096 tokens), the
last one the last decode step.
  kernel-times.py NCU.csv
  kernel-times.py --per-kernel NCU.csv   (any ncu CSV with gpu__time_duration.sum, e.g. of
                                          -k regex:... -s S -c C: count, min, median and mean
                                          time of each kernel)
"""
import collections
import csv
import re
import statistics
import sys


def short(name):
    name = re.sub(r"^void ", "", name)
    for ns in ("(anonymous namespace)::", "<unnamed>::", "unnamed>::", "lv::cuda::", "lv::"):
        name = name.replace(ns, "")
    name = re.sub(r"\(.*", "", name)  # parameters
    return name[:70]


def read_rows(path):
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]
    return csv.DictReader(lines)


def microseconds(r):
    return float(r["Metric Value"].replace(",", "")) / {
        "nsecond": 1e3, "ns": 1e3, "usecond": 1.0, "us": 1.0, "msecond": 1e-3,
        "ms": 1e-3}.get(r["Metric Unit"], 1e3)


def per_kernel(path):
    times = collections.OrderedDict()
    for r in read_rows(path):
        if r["Metric Name"] == "gpu__time_duration.sum":
            times.setdefault(short(r["Kernel Name"]), []).append(microseconds(r))
    for name, us in times.items():
        print(f"{name:60} n={len(us):3d} min={min(us):8.1f} med={statistics.median(us):8.1f} "
              f"mean={statistics.mean(us):8.1f} us")


def main(path):
    rows = collections.OrderedDict()  # (id) -> {name, us, bytes}
    for r in read_rows(path):
        k = r["ID"]
        name = short(r["Kernel Name"])
        if name.startswith("gemv"):  # one row per product shape
            name += " grid" + r.get("Grid Size", "?").replace(" ", "").replace(",1,1)", ")")
        e = rows.setdefault(k, {"name": name, "us": 0.0, "bytes": 0.0})
        unit, value = r["Metric Unit"], float(r["Metric Value"].replace(",", ""))
        if r["Metric Name"] == "gpu__time_duration.sum":
            e["us"] = microseconds(r)
        elif r["Metric Name"] == "dram__bytes_read.sum":
            e["bytes"] = value * {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9}.get(unit, 1)
    seq = list(rows.values())
    starts = [i for i, e in enumerate(seq) if e["name"].startswith("embedding")]
    if len(starts) < 2:
        sys.exit("fewer than two forward passes in " + path)
    parts = [("prefill (first pass)", seq[starts[0]:starts[1]]),
             ("decode (last step)", seq[starts[-1]:])]
    for title, ks in parts:
        total = sum(e["us"] for e in ks)
        print(f"--- {title}: {len(ks)} kernels, {total:.1f} us of kernel time")
        by = collections.OrderedDict()
        for e in ks:
            b = by.setdefault(e["name"], [0, 0.0, 0.0])
            b[0] += 1
            b[1] += e["us"]
            b[2] += e["bytes"]
        print(f"{'kernel':70} {'n':>4} {'us':>9} {'%':>5} {'us/each':>8} {'TB/s':>6}")
        for name, (n, us, by_) in sorted(by.items(), key=lambda kv: -kv[1][1]):
            bw = by_ / (us * 1e-6) / 1e12 if us > 0 else 0
            print(f"{name:70} {n:4d} {us:9.1f} {100 * us / total:5.1f} {us / n:8.2f} {bw:6.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "--per-kernel":
        per_kernel(sys.argv[2])
    else:
        main(sys.argv[1])
