#!/usr/bin/env python3
"""Compare `vigil evtx dump` with the reference parser (PyPI evtx, records_json) on every .evtx
under the given folders: record by record, the JSON text must be byte-identical. With --xml,
compare `vigil evtx dump --xml` with the reference's records() XML instead.

usage: Benchmarks/.venv/bin/python Benchmarks/evtx/compare.py [--xml] VIGIL_BINARY FOLDER...
"""
import os
import subprocess
import sys

import evtx


XML = "--xml" in sys.argv
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def reference(path):
    records, errors = [], 0
    parser = evtx.PyEvtxParser(path)
    for r in parser.records() if XML else parser.records_json():
        if isinstance(r, Exception):
            errors += 1
            continue
        records.append((r["event_record_id"], r["data"].rstrip("\n") if XML else r["data"]))
    return records, errors


def vigil(binary, path):
    p = subprocess.run([binary, "evtx", "dump", "--threads", "1"] + (["--xml"] if XML else []) + [path], capture_output=True)
    text = p.stdout.decode("utf-8")
    if XML:
        lines = [(DECLARATION + doc).rstrip("\n") for doc in text.split(DECLARATION)[1:]]
    else:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
    return lines, p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    args = [a for a in sys.argv[1:] if a != "--xml"]
    binary, folders = args[0], args[1:]
    files = sorted(
        os.path.join(d, f) for folder in folders for d, _, fs in os.walk(folder) for f in fs if f.endswith(".evtx")
    )
    bad = 0
    total = 0
    for path in files:
        try:
            ref, ref_errors = reference(path)
        except Exception as e:  # the reference cannot open it at all
            print(f"REFERENCE FAILED {path}: {e}")
            continue
        lines, rc, err = vigil(binary, path)
        total += len(ref)
        ref_data = [d for _, d in ref]
        if ref_data == lines:
            if err.strip():
                print(f"OK with diagnostics {path}: {err.strip()[:300]}")
            continue
        bad += 1
        print(f"MISMATCH {path}: reference {len(ref_data)} records ({ref_errors} errors), vigil {len(lines)} (rc {rc})")
        if err.strip():
            print("  vigil stderr:", err.strip()[:500])
        for i, (a, b) in enumerate(zip(ref_data, lines)):
            if a != b:
                j = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
                print(f"  record #{i} differs at byte {j}:\n    ref:   {a[max(0, j - 80):j + 120]}\n    vigil: {b[max(0, j - 80):j + 120]}")
                break
    print(f"{len(files)} files, {total} reference records, {bad} files differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
