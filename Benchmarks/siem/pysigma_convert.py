"""pySigma side of the SIEM conversion benchmark: converts every rule under a folder with one backend and
prints how many converted and failed, and the time spent. Run as `vigil convert` runs: the same rule files,
one query per rule.

    python pysigma_convert.py splunk|lucene|kql|esql RULES_FOLDER
"""
import sys
import time
from pathlib import Path

from sigma.collection import SigmaCollection


def backend(name):
    if name == "splunk":
        from sigma.backends.splunk import SplunkBackend
        from sigma.pipelines.splunk import splunk_windows_pipeline
        return SplunkBackend(splunk_windows_pipeline())
    if name == "lucene":
        from sigma.backends.elasticsearch import LuceneBackend
        from sigma.pipelines.elasticsearch.windows import ecs_windows
        return LuceneBackend(ecs_windows())
    if name == "esql":
        from sigma.backends.elasticsearch import ESQLBackend
        from sigma.pipelines.elasticsearch.windows import ecs_windows
        return ESQLBackend(ecs_windows())
    if name == "kql":
        from sigma.backends.kusto import KustoBackend
        from sigma.pipelines.sentinelasim import sentinel_asim_pipeline
        return KustoBackend(sentinel_asim_pipeline())
    raise SystemExit(f"unknown target {name}")


def main():
    target, folder = sys.argv[1], Path(sys.argv[2])
    files = sorted(folder.rglob("*.yml"))
    start = time.perf_counter()
    conv = backend(target)
    converted = failed = 0
    for f in files:
        try:
            collection = SigmaCollection.from_yaml(f.read_text(encoding="utf-8"))
            queries = conv.convert(collection)
            converted += 1 if queries else 0
            failed += 0 if queries else 1
        except Exception:
            failed += 1
    elapsed = time.perf_counter() - start
    print(f"{target}\t{converted}\t{failed}\t{elapsed:.2f}")


if __name__ == "__main__":
    main()
