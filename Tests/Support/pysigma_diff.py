#!/usr/bin/env python3
"""Drafts Tests/Fixtures/pysigma-differences.yaml: the differences between `vigil hunt` and the pySigma peer
(Tests/Support/pysigma_pairs.py), grouped by the causes found when they were reviewed.

Usage: pysigma_diff.py --peer PAIRS.tsv --report PEER.json --vigil HUNT.jsonl --shared ROOT > draft.yaml

The test (Tests/VigilHuntTests/PySigmaDifferentialTests.swift) writes these three inputs to a temporary folder and
names them when it fails. Each difference is put in the first cause whose test fits it; what fits none lands in
`unreviewed`, which must be looked at (open the rule, look at the event, decide who is right per the Sigma
specification) before the draft replaces the reviewed file. A cause that is a Vigil bug says so in its status.
"""

import argparse
import json
import re
import sys
from collections import defaultdict

# (cause, status, why, test(pair) -> bool). Order matters: the first cause that fits takes the difference.
# status: peer-limitation (the peer is wrong or cannot express the rule), vigil-bug-being-fixed, suspected-vigil-bug,
# disputed (the specification leaves it open).
CAUSES = [
    (
        "vigil-bug-5156-nt-device-paths",
        "vigil-bug-being-fixed",
        "Security 5156 Application holds NT device paths (\\device\\harddiskvolume2\\...), so a drive-letter Image "
        "filter does not exclude the process in Vigil (the peer has no 5156 mapping at all).",
        lambda p: p["event_id"] == "5156" and p["side"] == "vigil-only" and "lsass.exe" in p["query"].lower()
        and p["rule"] == "e54979bd-c5f9-4d6c-967b-a04b19ac4c74",
    ),
    (
        "peer-no-keyword-search",
        "peer-limitation",
        "Keyword (value-only) rules search the whole event in Vigil as the specification asks; pySigma's SQLite "
        "backend refuses them ('Value-only string expressions are not supported'), so the peer never runs them.",
        lambda p: p["keyword_rule"],
    ),
    (
        "peer-no-security-5156",
        "peer-limitation",
        "Vigil runs network_connection rules on Security 5156 with the Sigma taxonomy's renames (Application, "
        "DestPort, Direction %%14593); pySigma's windows-audit pipeline maps only 4688 and 4657, so the peer "
        "looks for Sysmon event 3 alone.",
        lambda p: p["event_id"] == "5156",
    ),
    (
        "peer-4688-no-integritylevel",
        "peer-limitation",
        "Security 4688 records the integrity level as MandatoryLabel (S-1-16-12288 is High); Vigil maps "
        "IntegrityLevel to it, the windows-audit pipeline does not, so the peer's IntegrityLevel is always null.",
        lambda p: p["event_id"] == "4688" and "IntegrityLevel" in p["query"],
    ),
    (
        "peer-flat-export-sourcename",
        "peer-limitation",
        "The OTRF flat Sysmon/Windows JSON export names the provider SourceName; Vigil reads it as Provider_Name, "
        "the peer (Zircolite's flattening) keeps SourceName, so rules testing Provider_Name never match there.",
        lambda p: p["event"].startswith("logs/sysmon-json/") and "Provider_Name" in p["query"],
    ),
    (
        "peer-renames-data",
        "peer-limitation",
        "Unnamed EventData <Data> values are the field Data in Sigma (SigmaHQ's Application-log rules test "
        "Data|contains); Zircolite's field mapping renames Data.#text to Message, so the peer's Data is null.",
        lambda p: re.search(r"\bData (LIKE|=|GLOB|REGEXP)", p["query"]) is not None,
    ),
    (
        "peer-evtx-boolean-as-integer",
        "peer-limitation",
        "EVTX boolean values (Sysmon 3 Initiated) render as true/false; Zircolite stores a JSON true as the "
        "integer 1, so the peer's Initiated='true' (a quoted rule value) never matches an EVTX event.",
        lambda p: "Initiated='true'" in p["query"] and ".evtx:" in p["event"],
    ),
    (
        "peer-empty-as-null",
        "disputed",
        "The peer drops empty strings (Zircolite's 'useless' values), so an empty StartModule is null there: "
        "StartModule: '' never matches and StartModule: null matches it. Vigil keeps '' and null apart, as the "
        "specification's special field values do; the specification leaves null's meaning to the backend.",
        lambda p: "IS NULL" in p["query"] or "=''" in p["query"],
    ),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    shared = args.shared.rstrip("/") + "/"

    report = json.load(open(args.report, encoding="utf-8"))
    meta = report["rules_meta"]
    keyword_rules = {f["id"] for f in report["failures"] if "Value-only" in f["reason"]}
    peer, vigil = {}, {}
    for line in open(args.peer, encoding="utf-8"):
        rule, event, channel, event_id = line.rstrip("\n").split("\t")
        peer[(rule, event)] = (channel, event_id)
    for line in open(args.vigil, encoding="utf-8"):
        d = json.loads(line)
        event = d["file"][len(shared):] if d["file"].startswith(shared) else d["file"]
        vigil[(d["rule_id"], f"{event}:{d['line']}")] = (d.get("channel") or "", d.get("event_id") or "")

    groups = defaultdict(list)
    for side, mine, other in (("vigil-only", vigil, peer), ("peer-only", peer, vigil)):
        for (rule, event), (channel, event_id) in mine.items():
            if (rule, event) in other:
                continue
            m = meta.get(rule, {})
            pair = {
                "side": side, "rule": rule, "event": event, "channel": channel, "event_id": str(event_id),
                "query": " ".join(m.get("queries", [])), "keyword_rule": rule in keyword_rules,
                "title": m.get("title", ""),
            }
            cause = next((c for c in CAUSES if c[3](pair)), None)
            groups[cause[0] if cause else "unreviewed"].append(pair)

    out = sys.stdout
    out.write(
        "# Reviewed differences between `vigil hunt` and the pySigma peer (pySigma's SQLite backend with the sysmon,\n"
        "# windows-audit and windows-logsources pipelines, as Zircolite runs them) over shared/logs/evtx-attack-samples,\n"
        "# sysmon-json and sigma-regression with shared/rules/sigma/rules/windows. Checked by\n"
        "# Tests/VigilHuntTests/PySigmaDifferentialTests.swift: a difference not listed here fails the test, and so does\n"
        "# a listed pair that no longer differs. Drafted by Tests/Support/pysigma_diff.py, then reviewed by hand.\n"
        "# status: peer-limitation (the peer is wrong or cannot run the rule), disputed (the specification leaves it\n"
        "# open), vigil-bug-being-fixed / suspected-vigil-bug (Vigil is wrong: remove the group once fixed).\n"
        "# pairs: [side, rule id, event as `vigil hunt` names it: file relative to shared/ and line or record number]\n"
        "groups:\n"
    )
    order = [c[0] for c in CAUSES] + ["unreviewed"]
    info = {c[0]: c for c in CAUSES}
    for name in order:
        pairs = groups.get(name)
        if not pairs:
            continue
        status, why = (info[name][1], info[name][2]) if name in info else ("unreviewed", "Not reviewed yet.")
        out.write(f"  - cause: {name}\n    status: {status}\n    count: {len(pairs)}\n")
        out.write(f"    why: \"{why.replace(chr(92), chr(92) * 2)}\"\n    pairs:\n")
        for p in sorted(pairs, key=lambda p: (p["side"], p["rule"], p["event"])):
            out.write(f"      - [{p['side']}, {p['rule']}, \"{p['event']}\"]  # {p['title']} ({p['channel']} {p['event_id']})\n")


if __name__ == "__main__":
    main()
