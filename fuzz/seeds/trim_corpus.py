#!/usr/bin/env python3
"""Keeps a fuzz target's committed corpus small: from the control file of a
libFuzzer merge (`cargo fuzz cmin TARGET DIR -- -merge_control_file=FILE`),
keeps the seeds that make_seeds.py writes, then greedily the inputs that add
the most coverage edges, up to LIMIT files in all; deletes the rest of DIR.

    trim_corpus.py CONTROL_FILE DIR LIMIT [SEED_NAME...]
"""
import os, sys


def read_control(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0])
    files = lines[2:2 + n]
    cov = {}
    for line in lines[2 + n:]:
        if line.startswith("COV "):
            parts = line.split()
            cov[files[int(parts[1])]] = set(parts[2:])
    return files, cov


def main():
    control, folder, limit, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), set(sys.argv[4:])
    files, cov = read_control(control)
    present = {os.path.join(folder, f) for f in os.listdir(folder)}
    cov = {f: e for f, e in cov.items() if f in present}
    keep = sorted(f for f in present if os.path.basename(f) in seeds)
    covered = set().union(*(cov.get(f, set()) for f in keep))
    rest = [f for f in cov if f not in keep]
    while len(keep) < limit and rest:
        best = max(rest, key=lambda f: (len(cov[f] - covered), -os.path.getsize(f)))
        if not cov[best] - covered:
            break
        keep.append(best)
        covered |= cov[best]
        rest.remove(best)
    all_edges = set().union(*cov.values()) if cov else set()
    for f in present - set(keep):
        os.remove(f)
    print(f"{folder}: kept {len(keep)} files covering {len(covered)} of {len(all_edges)} edges")


if __name__ == "__main__":
    main()
