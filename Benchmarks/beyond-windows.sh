#!/usr/bin/env bash
# Reading logs beyond Windows, against Vigil's own JSON reader on Sysmon JSON (the issue's yardstick). Not a test.
# Every case runs `vigil metrics` (read, decode and parse every event, count them) over one large file, and
# prints events per CPU second (user + system, from hyperfine) and the ratio to the Sysmon JSON case:
#  - Sysmon JSON: the shared sysmon-json set, uncompressed into one JSON-lines file (80,939 events);
#  - Zeek TSV: the shared conn.log rows of both captures, repeated to 500,000 rows, one header;
#  - Linux audit: the shared audit events (SYSCALL+EXECVE+CWD+PATH+PROCTITLE, 6 lines each) repeated with fresh
#    serials to 100,000 events;
#  - CSV: the shared S3 honey-bucket rows, repeated to 300,000 rows.
# A ratio of 1 or more means the reader is at least as fast per CPU second as the JSON reader.
#
# usage: Benchmarks/beyond-windows.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_release
ensure_hyperfine

BW="$SHARED/logs/beyond-windows"
DATA="$OUT/beyond-windows"
mkdir -p "$DATA"

zcat "$SHARED"/logs/sysmon-json/*.json.gz > "$DATA/sysmon.json"
python3 - "$BW" "$DATA" <<'PY'
import glob, os, re, sys
bw, out = sys.argv[1], sys.argv[2]
# Zeek conn rows of both captures, repeated; the header of the first.
rows, header = [], []
for f in sorted(glob.glob(os.path.join(bw, "zeek", "*", "conn.log"))):
    for line in open(f):
        if line.startswith("#"):
            if not rows and not line.startswith("#close"): header.append(line)
        else:
            rows.append(line)
header = [h for i, h in enumerate(header) if h not in header[:i]]
with open(os.path.join(out, "conn.log"), "w") as w:
    w.writelines(header)
    for i in range(500_000): w.write(rows[i % len(rows)])
# Audit events with fresh serials.
events = {}
for f in sorted(glob.glob(os.path.join(bw, "linux-auditd", "*.log"))):
    for line in open(f):
        m = re.search(r"audit\(([\d.]+):(\d+)\)", line)
        events.setdefault((f, m.group(2)), []).append(line)
groups = list(events.values())
with open(os.path.join(out, "audit.log"), "w") as w:
    for i in range(100_000):
        for line in groups[i % len(groups)]:
            w.write(re.sub(r"audit\(([\d.]+):\d+\)", lambda m: "audit(%s:%d)" % (m.group(1), 1_000_000 + i), line))
# CSV rows, repeated.
lines = open(os.path.join(bw, "s3-access", "AWS_S3_HoneyBucketLogs.csv"), newline="").read().split("\n")
head, body = lines[0], [l for l in lines[1:] if l]
with open(os.path.join(out, "s3.csv"), "w", newline="") as w:
    w.write(head + "\n")
    for i in range(300_000): w.write(body[i % len(body)] + "\n")
PY

declare -A FILE=([sysmon-json]="$DATA/sysmon.json" [zeek-tsv]="$DATA/conn.log" [linux-audit]="$DATA/audit.log" [csv]="$DATA/s3.csv")
ORDER=(sysmon-json zeek-tsv linux-audit csv)
declare -A EVENTS
for name in "${ORDER[@]}"; do
    EVENTS[$name]=$("$VIGIL" metrics --json "${FILE[$name]}" | python3 -c "import json,sys; print(json.load(sys.stdin)['events'])")
done
cmds=()
for name in "${ORDER[@]}"; do cmds+=("$VIGIL metrics --threads 1 ${FILE[$name]}"); done
hyperfine --warmup 1 --runs 5 --export-json "$OUT/beyond-windows.json" "${cmds[@]}" >&2

python3 - "$OUT/beyond-windows.json" "${ORDER[@]}" -- "${EVENTS[sysmon-json]}" "${EVENTS[zeek-tsv]}" "${EVENTS[linux-audit]}" "${EVENTS[csv]}" <<'PY'
import json, sys
args = sys.argv[2:]
names, counts = args[:args.index("--")], [int(x) for x in args[args.index("--") + 1:]]
results = json.load(open(sys.argv[1]))["results"]
rates = []
for name, n, r in zip(names, counts, results):
    cpu = sum(r["user"] for r in [r]) + r["system"]
    rates.append(n / cpu)
print(f"{'reader':<12} {'events':>9} {'wall s':>8} {'CPU s':>7} {'events/CPU s':>13} {'vs Sysmon JSON':>15}")
for name, n, r, rate in zip(names, counts, results, rates):
    print(f"{name:<12} {n:>9} {r['mean']:>8.3f} {r['user'] + r['system']:>7.3f} {rate:>13,.0f} {rate / rates[0]:>14.2f}x")
PY
