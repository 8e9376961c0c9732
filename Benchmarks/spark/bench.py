"""Times the converted Windows rule set on local Spark and compares per-rule hit counts with Vigil's engine.

usage: bench.py EVENTS.jsonl COLUMNS QUERIES.json LOCAL_COUNTS.json VIGIL_SECONDS VIGIL_PEAK_KIB
Part of Benchmarks/spark/run.sh; not part of Vigil.
"""
import collections
import json
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql.types import StringType, StructField, StructType

events, columns_file, queries_file, local_file, vigil_seconds, vigil_peak = sys.argv[1:7]
# SPLIT_ONLY=1: only the one-query-per-rule comparison (the full run takes minutes).
only_split = bool(__import__("os").environ.get("SPLIT_ONLY"))
columns = [c for c in open(columns_file).read().splitlines() if c]
doc = json.load(open(queries_file))
batches = doc["batches"]
rules = [r for r in doc["rules"] if r["query"]]
local = collections.Counter(json.load(open(local_file)))

spark = (
    SparkSession.builder.master("local[2]")
    .appName("vigil-bench")
    .config("spark.driver.memory", "12g")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.ui.showConsoleProgress", "false")
    # As `vigil hunt --engine spark` runs it: whole-stage code generation of a hundred rules' tests spends
    # longer compiling (and often falls back) than evaluating.
    .config("spark.sql.codegen.wholeStage", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
started = time.time()
schema = StructType([StructField(c, StringType(), True) for c in columns])
df = spark.read.schema(schema).json(events).cache()
n = df.count()
df.createOrReplaceTempView("events")
load = time.time() - started


def run_batches(batch_list):
    counts = collections.Counter()
    for k, b in enumerate(batch_list):
        if k % 10 == 0:
            sys.stderr.write("batch %d/%d\n" % (k, len(batch_list)))
        ids = b["rule_ids"]
        q = "SELECT vigil_rule, count(*) FROM (%s) GROUP BY vigil_rule" % b["query"]
        for rule, c in spark.sql(q).collect():
            counts[ids[int(rule)]] += c
    return counts


started = time.time()
counts = run_batches(batches if not only_split else [])
query = time.time() - started
diff = {r: (local.get(r, 0), counts.get(r, 0)) for r in set(local) | set(counts) if local.get(r, 0) != counts.get(r, 0)}

# One query per rule against one batch: the rules of the first batch holding 100 rules.
batch = next(b for b in batches if len(b["rule_ids"]) == 100)
queries = {r["rule_id"]: r["query"] for r in rules}
started = time.time()
for rule_id in batch["rule_ids"]:
    spark.sql("SELECT count(*) FROM (%s)" % queries[rule_id]).collect()
single = time.time() - started
started = time.time()
run_batches([batch])
batched = time.time() - started
spark.stop()

if not only_split:
    vs = float(vigil_seconds)
    print("events: %d, rules: %d in %d batched queries" % (n, sum(len(b["rule_ids"]) for b in batches), len(batches)))
    print("vigil hunt (local engine, gzip JSON decoding included): %.2f s = %.0f events/s, peak %s KiB" % (vs, n / vs, vigil_peak))
    print("spark local[2] queries over the cached table: %.2f s = %.0f events/s (load + cache of the JSON lines: %.2f s)" % (query, n / query, load))
    print("spark with load: %.2f s = %.0f events/s" % (query + load, n / (query + load)))
    print("ratio (vigil events/s over spark events/s): %.1fx queries only, %.1fx with load" % (query / vs, (query + load) / vs))
    print("per-rule hit counts: %d rules with hits, %d differ%s" % (len(local), len(diff), (": " + str(list(diff.items())[:5])) if diff else ""))
print("one query per rule: 100 rules in %.2f s; the same 100 rules in one batch: %.2f s (%.1fx)" % (single, batched, single / batched))
