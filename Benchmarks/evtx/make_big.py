#!/usr/bin/env python3
"""Build a large EVTX file for benchmarks by repeating the real chunks of the shared samples.
Each 64 KiB chunk carries its own string and template tables, so copied chunks stay valid. Only chunks at least
half full are taken (the free-space offset, at byte 48 of the chunk header, past 32 KiB), as in a busy log: the
SigmaHQ regression files hold a few records each, and a file of their chunks was mostly empty space (58,565
records in 3,200 chunks), which measured the per-chunk overhead rather than decoding.

usage: make_big.py OUT.evtx TARGET_MB FOLDER...
"""
import os
import sys

out, target_mb, folders = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
chunks, header = [], None
for folder in folders:
    for d, _, fs in sorted(os.walk(folder)):
        for f in sorted(fs):
            if not f.endswith(".evtx"):
                continue
            data = open(os.path.join(d, f), "rb").read()
            if header is None:
                header = data[:4096]
            for off in range(4096, len(data) - 65535, 65536):
                chunk = data[off:off + 65536]
                if chunk[:8] == b"ElfChnk\0" and int.from_bytes(chunk[48:52], "little") > 32768:
                    chunks.append(chunk)
count = target_mb * 1024 * 1024 // 65536
with open(out, "wb") as f:
    f.write(header)
    for i in range(count):
        f.write(chunks[i % len(chunks)])
print(f"{out}: {count} chunks from {len(chunks)} distinct real chunks")
