#!/usr/bin/env python3
# Where a kernel's warps wait, from ncu's source page: `ncu -i REPORT --page source --csv
# --print-source sass > FILE`, then `stall-samples.py FILE [TOP]`. For each kernel in the
# file: its warp-stall samples by reason, by opcode, and the TOP instructions (default 12).
import csv
import re
import sys
from collections import Counter


def sections(lines):
    """Yields (kernel name, rows) for each kernel's block of the source page."""
    name, block = None, []
    for line in lines:
        if line.startswith('"Kernel Name"'):
            if name and block:
                yield name, block
            name, block = next(csv.reader([line]))[1], []
        elif line.startswith('"'):
            block.append(line)
    if name and block:
        yield name, block


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: stall-samples.py SOURCE_PAGE.csv [TOP]")
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    seen = set()
    for name, block in sections(lines):
        # ncu's source page lists each kernel twice: the second copy adds nothing
        key = (name, len(block), hash("".join(block)))
        if key in seen:
            continue
        seen.add(key)
        rows = list(csv.DictReader(block))
        if not rows or "Warp Stall Sampling (All Samples)" not in rows[0]:
            continue
        reasons = [c for c in rows[0] if c.startswith("stall_") and "(Not Issued)" not in c]
        num = lambda v: float(v.replace(",", "")) if v not in ("", "-") else 0.0
        total = sum(num(r["Warp Stall Sampling (All Samples)"]) for r in rows) or 1.0
        by_reason, by_opcode, by_inst = Counter(), Counter(), []
        for r in rows:
            samples = num(r["Warp Stall Sampling (All Samples)"])
            inst = r["Source"].strip()
            opcode = re.sub(r"^@!?U?P\w+\s+", "", inst).split(" ")[0]
            by_opcode[opcode] += samples
            by_inst.append((samples, r["Address"][-5:], inst[:70]))
            for c in reasons:
                by_reason[c] += num(r[c])
        print(f"== {name[:110]}  ({int(total)} samples, {len(rows)} instructions)")
        print("  by reason: " + ", ".join(
            f"{k[6:]} {100 * v / total:.1f}%" for k, v in by_reason.most_common(8) if v))
        print("  by opcode: " + ", ".join(
            f"{k} {100 * v / total:.1f}%" for k, v in by_opcode.most_common(10) if v))
        for samples, addr, inst in sorted(by_inst, reverse=True)[:top]:
            print(f"    {100 * samples / total:5.1f}%  {addr}  {inst}")


if __name__ == "__main__":
    main()
