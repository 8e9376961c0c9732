#!/usr/bin/env python3
"""The peer side of the pySigma differential test: Sigma rules converted by pySigma's SQLite backend with the
pipelines Zircolite uses for Windows logs, run in SQLite over the events flattened as Zircolite flattens them.

Usage: pysigma_pairs.py --shared ROOT --rules DIR --pairs OUT.tsv --report OUT.json LOG_PATH...

Writes OUT.tsv: one sorted line per (rule id, event) pair, `rule_id<TAB>event<TAB>channel<TAB>event_id`, where the
event is named as `vigil hunt` names it: the file relative to ROOT, a colon and the line the JSON object starts on
(JSON, JSON lines, gzip) or the 1-based position of the record in the file (.evtx). OUT.json holds the figures,
every rule pySigma could not convert with the reason, and each rule's title, file and logsource.

Requirements (pinned together; the pipelines need pySigma < 2):
    pySigma==1.5.1 pySigma-backend-sqlite==2.0.0 pySigma-pipeline-sysmon==2.0.0 pySigma-pipeline-windows==2.0.1 evtx==0.14.0

Choices, as Zircolite makes them unless said:
- Conversion A is Zircolite's default `--pipeline sysmon --pipeline windows-logsources` (in that order: Zircolite
  resolves them in the order given). Rules of the categories the windows-audit pipeline maps (process_creation to
  Security 4688, registry_* to 4657) are converted a second time with `windows-audit` then `windows-logsources`, as
  Zircolite suggests for Security logs, and the hits of both conversions are joined.
- Flattening: every leaf of the evtx_dump JSON becomes a column named by Zircolite's fieldMappings.yaml or else by
  the last part of its path with the non-alphanumeric characters removed; null and "" are dropped (Zircolite's
  `useless` values), lists become Python's str(list), `xmlns` attributes are left out. A column is INTEGER when the
  first value seen is a JSON integer, else TEXT COLLATE NOCASE (so = is ASCII-case-insensitive, as Sigma asks).
- Not as Zircolite: `Hashes` is kept whole (Zircolite splits it into MD5/SHA256/... columns and drops it), and a
  column a query names that no event has is added empty instead of the query failing with "no such column", so
  that a rule with one unknown field in an OR branch still runs its other branches.
"""

import argparse
import copy
import gzip
import json
import os
import re
import sqlite3
import sys
import time
from collections import Counter

# Zircolite config/fieldMappings.yaml entries whose column is not simply the stripped last path part.
ZIRCOLITE_MAPPINGS = {
    "Event.EventData.UserData": "UserData",
    "Event.System.Provider.#attributes.Guid": "Guid",
    "Event.System.Execution.#attributes.ProcessID": "ProcessID",
    "Event.System.Execution.#attributes.ThreadID": "ThreadID",
    "Event.System.EventID": "EventID",
    "Event.System.EventID.#text": "EventID",
    "Event.System.Channel": "Channel",
    "Event.System.Correlation.#attributes.ActivityID": "ActivityID",
    "Event.System.EventID.#attributes.Qualifiers": "Qualifiers",
    "Event.System.Provider.#attributes.EventSourceName": "EventSourceName",
    "Event.System.Provider.#attributes.Name": "Provider_Name",
    "Event.System.Security.#attributes.UserID": "UserID",
    "Event.System.TimeCreated.#attributes.SystemTime": "SystemTime",
    "Event.EventData.Data.#text": "Message",
}
EXCLUSIONS = ("xmlns",)
NON_ALNUM = re.compile(r"[^a-zA-Z0-9_]")
AUDIT_CATEGORIES = {"process_creation", "registry_event", "registry_set", "registry_add"}


def column_for(raw_path, last_part):
    mapped = ZIRCOLITE_MAPPINGS.get(raw_path)
    return mapped if mapped is not None else NON_ALNUM.sub("", last_part)


def flatten(event):
    """Zircolite's _flatten_event: a depth-first walk with a stack (so later siblings' subtrees come first and
    earlier ones overwrite them on a name clash, as in Zircolite), leaves to columns."""
    out = {}

    def leaf(raw_path, last_part, value):
        if any(e in raw_path for e in EXCLUSIONS):
            return
        if isinstance(value, list):
            value = str(value)
        if value is None or value == "":
            return
        out[column_for(raw_path, last_part)] = value

    stack = [(event, "", "")]
    while stack:
        obj, raw_path, last_part = stack.pop()
        if isinstance(obj, dict):
            for k, v in obj.items():
                path = f"{raw_path}.{k}" if raw_path else k
                if isinstance(v, dict):
                    stack.append((v, path, k))
                else:
                    leaf(path, k, v)
        else:
            leaf(raw_path, last_part, obj)
    return out


def json_objects(path):
    """(line the object starts on, object) for concatenated, pretty-printed or line-delimited JSON, gzip or not."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    decoder = json.JSONDecoder()
    pos, line, n = 0, 1, len(text)
    while pos < n:
        while pos < n and text[pos] in " \t\r\n":
            if text[pos] == "\n":
                line += 1
            pos += 1
        if pos >= n:
            break
        obj, end = decoder.raw_decode(text, pos)
        if isinstance(obj, list):
            for item in obj:
                yield line, item
        else:
            yield line, obj
        line += text.count("\n", pos, end)
        pos = end


def evtx_records(path):
    import evtx

    parser = evtx.PyEvtxParser(path)
    for i, record in enumerate(parser.records_json(), start=1):
        yield i, json.loads(record["data"])


def log_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for folder, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".evtx", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")):
                    yield os.path.join(folder, name)


class Table:
    """The one `logs` table, its columns added as events bring them; keys[row_id] names each event."""

    def __init__(self, db):
        self.db = db
        self.columns = {}  # lower-case name -> name as first seen
        self.keys = [None]
        self.rows = []
        db.execute("CREATE TABLE logs (row_id INTEGER PRIMARY KEY)")

    def add_column(self, name, value=None):
        low = name.lower()
        if low in self.columns:
            return self.columns[low]
        kind = "INTEGER" if isinstance(value, int) and not isinstance(value, bool) else "TEXT COLLATE NOCASE"
        self.db.execute(f'ALTER TABLE logs ADD COLUMN "{name}" {kind}')
        self.columns[low] = name
        return name

    def add(self, key, flat):
        row = {}
        for k, v in flat.items():
            if isinstance(v, int) and abs(v) > 9223372036854775807:
                v = str(v)
            row[self.add_column(k, v)] = v
        self.keys.append(key)
        self.rows.append((len(self.keys) - 1, row))
        if len(self.rows) >= 5000:
            self.flush()

    def flush(self):
        groups = {}
        for row_id, row in self.rows:
            cols = tuple(row.keys())
            groups.setdefault(cols, []).append((row_id, *row.values()))
        for cols, values in groups.items():
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join("?" * (len(cols) + 1))
            self.db.executemany(f"INSERT INTO logs (row_id, {names}) VALUES ({marks})", values)
        self.rows = []


def load_events(table, paths, shared):
    files = 0
    bad = []
    for path in log_files(paths):
        key_file = os.path.relpath(path, shared)
        reader = evtx_records if path.endswith(".evtx") else json_objects
        try:
            for n, obj in reader(path):
                if isinstance(obj, dict):
                    table.add(f"{key_file}:{n}", flatten(obj))
        except Exception as e:  # a bad file is reported and the run goes on
            bad.append({"file": key_file, "reason": str(e)})
        files += 1
    table.flush()
    for name in ("EventID", "Channel"):
        if name.lower() in table.columns:
            table.db.execute(f'CREATE INDEX "idx_{name}" ON logs ("{table.columns[name.lower()]}")')
    if {"eventid", "channel"} <= table.columns.keys():
        table.db.execute('CREATE INDEX idx_channel_eventid ON logs ("Channel", "EventID")')
    table.db.commit()
    return files, bad


def regexp(pattern, value):
    if value is None:
        return 0
    try:
        return 1 if compiled(pattern).search(str(value)) else 0
    except re.error:
        return 0


_regex_cache = {}


def compiled(pattern):
    r = _regex_cache.get(pattern)
    if r is None:
        r = _regex_cache[pattern] = re.compile(pattern)
    return r


def backend_for(names):
    """pySigma's SQLite backend with the named pipelines resolved in the order given, as Zircolite resolves them."""
    from sigma.backends.sqlite import sqliteBackend
    from sigma.plugins import InstalledSigmaPlugins
    from sigma.processing.resolver import ProcessingPipelineResolver

    plugins = InstalledSigmaPlugins.autodiscover()
    pipelines = [plugins.pipelines[n]() for n in names]
    for i, p in enumerate(pipelines):
        p.priority = i
    resolver = ProcessingPipelineResolver()
    for p in pipelines:
        resolver.add_pipeline_class(p)
    return sqliteBackend(resolver.resolve([p.name for p in pipelines]))


def convert(rules_dir):
    from sigma.collection import SigmaCollection
    from sigma.rule import SigmaRule

    paths = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(rules_dir) for f in fs if f.endswith((".yml", ".yaml"))
    )
    collection = SigmaCollection.load_ruleset(paths, collect_errors=True)
    backends = {
        "sysmon+windows-logsources": backend_for(["sysmon", "windows-logsources"]),
        "windows-audit+windows-logsources": backend_for(["windows-audit", "windows-logsources"]),
    }
    meta, queries, failures = {}, [], []
    for rule in collection:
        if not isinstance(rule, SigmaRule):
            failures.append({"id": str(getattr(rule, "id", "")), "path": "", "conversion": "", "reason": "not a detection rule"})
            continue
        rid = str(rule.id)
        path = str(rule.source.path) if rule.source and rule.source.path else ""
        ls = rule.logsource
        meta[rid] = {
            "title": rule.title,
            "path": path,
            "logsource": ":".join(x or "" for x in (ls.product, ls.category, ls.service)),
        }
        if rule.errors:
            failures.append({"id": rid, "path": path, "conversion": "load", "reason": "; ".join(str(e) for e in rule.errors)})
            continue
        names = ["sysmon+windows-logsources"]
        if ls.category in AUDIT_CATEGORIES and ls.product == "windows":
            names.append("windows-audit+windows-logsources")
        for name in names:
            try:
                # A conversion applies its pipeline to the rule in place: each conversion gets its own copy.
                for q in backends[name].convert_rule(copy.deepcopy(rule)):
                    queries.append((rid, name, q))
            except Exception as e:
                failures.append({"id": rid, "path": path, "conversion": name, "reason": f"{type(e).__name__}: {e}"})
    for error in getattr(collection, "errors", []):
        failures.append({"id": "", "path": str(getattr(error, "source", "")), "conversion": "load", "reason": str(error)})
    return meta, queries, failures


def run_queries(table, queries):
    pairs = set()
    errors = []
    missing = re.compile(r"no such column: `?([^`\s]+)`?")
    for rid, name, query in queries:
        sql = re.sub(r"^SELECT \* FROM", "SELECT row_id FROM", query)
        for _ in range(20):
            try:
                for (row_id,) in table.db.execute(sql):
                    pairs.add((rid, row_id))
                break
            except sqlite3.OperationalError as e:
                m = missing.search(str(e))
                if not m:
                    errors.append({"id": rid, "conversion": name, "reason": str(e), "query": query[:500]})
                    break
                table.add_column(m.group(1))
        else:
            errors.append({"id": rid, "conversion": name, "reason": "too many missing columns", "query": query[:500]})
    return pairs, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()
    shared = os.path.abspath(args.shared)
    started = time.time()

    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, regexp, deterministic=True)
    table = Table(db)
    files, bad = load_events(table, [os.path.abspath(p) for p in args.logs], shared)
    loaded = time.time()
    meta, queries, failures = convert(args.rules)
    for rid, name, query in queries:
        meta[rid].setdefault("queries", []).append(query)
    converted_at = time.time()
    hits, query_errors = run_queries(table, queries)
    ran = time.time()

    channel_col = table.columns.get("channel")
    eid_col = table.columns.get("eventid")
    lines = set()
    for rid, row_id in hits:
        channel, eid = "", ""
        if channel_col and eid_col:
            channel, eid = db.execute(f'SELECT "{channel_col}", "{eid_col}" FROM logs WHERE row_id=?', (row_id,)).fetchone()
        lines.add(f"{rid}\t{table.keys[row_id]}\t{channel or ''}\t{'' if eid is None else eid}")
    with open(args.pairs, "w", encoding="utf-8") as f:
        for line in sorted(lines):
            f.write(line + "\n")

    failed_ids = {x["id"] for x in failures if x["conversion"] in ("load", "sysmon+windows-logsources")}
    converted_ids = {rid for rid, _, _ in queries}
    report = {
        "tool": "pySigma sqlite backend, Zircolite pipelines",
        "files": files,
        "bad_files": bad,
        "events": len(table.keys) - 1,
        "rules": len(meta),
        "converted": len(converted_ids),
        "failed": len(failed_ids - converted_ids),
        "queries": len(queries),
        "pairs": len(lines),
        "failures": failures,
        "failure_reasons": Counter(re.sub(r"'[^']*'", "'…'", x["reason"])[:120] for x in failures).most_common(),
        "query_errors": query_errors,
        "seconds": {"load": round(loaded - started, 1), "convert": round(converted_at - loaded, 1), "query": round(ran - converted_at, 1)},
        "rules_meta": meta,
    }
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print(
        f"pysigma: {report['events']} events from {files} files; {len(meta)} rules, {report['converted']} converted, "
        f"{report['failed']} failed; {len(queries)} queries, {len(query_errors)} query errors; {len(lines)} pairs; "
        f"seconds {report['seconds']}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
