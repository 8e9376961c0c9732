"""Runs `vigil convert --format json` queries on a real engine over `vigil export` rows.

usage: engines.py ENGINE EVENTS.jsonl COLUMNS QUERIES.json
  ENGINE   duckdb | clickhouse (chdb, ClickHouse's engine in-process) | spark (pyspark, local mode)
Loads EVENTS (one JSON object per line, every value a string) into a table `events` whose columns are the
names in COLUMNS (one per line), all text (or, for a `.parquet` file from `vigil export --format parquet`,
the file's own string columns), then runs each rule's query and prints one JSON line per hit:
{"rule_id": ..., "event": <vigil_event>}; a query the engine rejects prints {"rule_id": ..., "error": ...}.
Used by the VigilConvert tests and Benchmarks/convert.sh; not part of Vigil itself.
"""
import json
import sys
import time


def load_queries(path):
    """Per-rule queries, or batches when the file has them (one query answering several rules)."""
    with open(path) as f:
        doc = json.load(f)
    if doc.get("batches"):
        return [{"rule_ids": b["rule_ids"], "query": b["query"]} for b in doc["batches"]]
    return [{"rule_ids": [r["rule_id"]], "query": r["query"]} for r in doc["rules"] if r["query"]]


def hits(q, rows, emit):
    """Rows are (vigil_event, vigil_rule) for batches, (vigil_event,) for single queries."""
    ids = q["rule_ids"]
    for row in rows:
        k = int(row[1]) if len(row) > 1 else 0
        emit({"rule_id": ids[k], "event": row[0]})


def run_duckdb(events, columns, queries, emit):
    import duckdb

    con = duckdb.connect()
    if events.endswith(".parquet"):
        con.execute("CREATE TABLE events AS SELECT * FROM read_parquet('%s')" % events.replace("'", "''"))
        columns = []
    spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in columns) + "}"
    if columns:
        con.execute(
            "CREATE TABLE events AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)"
            % (events.replace("'", "''"), spec)
        )
    for q in queries:
        try:
            rows = con.execute(q["query"]).fetchall()
        except Exception as e:  # noqa: BLE001 - report every engine error per rule
            emit({"rule_ids": q["rule_ids"], "error": str(e).splitlines()[0]})
            continue
        hits(q, rows, emit)


def run_clickhouse(events, columns, queries, emit):
    from chdb import session

    s = session.Session()
    s.query("CREATE DATABASE IF NOT EXISTS vigil")
    s.query("USE vigil")
    # Rules with long value lists make long queries; ClickHouse's default limit is 256 KiB.
    s.query("SET max_query_size = 16777216")
    s.query("SET max_ast_elements = 10000000")
    s.query("SET max_expanded_ast_elements = 10000000")
    schema = ", ".join("`%s` Nullable(String)" % c.replace("`", "``") for c in columns)
    s.query("CREATE TABLE events (%s) ENGINE = Memory" % schema)
    s.query(
        "INSERT INTO events SELECT * FROM file('%s', JSONEachRow, '%s')"
        % (events.replace("'", "\\'"), schema.replace("\\", "\\\\").replace("'", "\\'"))
    )
    for q in queries:
        try:
            out = s.query(q["query"], "JSONCompactEachRow").bytes().decode()
        except Exception as e:  # noqa: BLE001
            emit({"rule_ids": q["rule_ids"], "error": str(e).strip().splitlines()[0][:500]})
            continue
        hits(q, [json.loads(line) for line in out.splitlines() if line.strip()], emit)


def run_spark(events, columns, queries, emit):
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType, StructField, StructType

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("vigil-verify")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    schema = StructType([StructField(c, StringType(), True) for c in columns])
    reader = spark.read.parquet(events) if events.endswith(".parquet") else spark.read.schema(schema).json(events)
    reader.cache().createOrReplaceTempView("events")
    for q in queries:
        try:
            rows = [tuple(r) for r in spark.sql(q["query"]).collect()]
        except Exception as e:  # noqa: BLE001
            emit({"rule_ids": q["rule_ids"], "error": str(e).strip().splitlines()[0][:500]})
            continue
        hits(q, rows, emit)
    spark.stop()


def main():
    engine, events, columns_file, queries_file = sys.argv[1:5]
    columns = [c for c in open(columns_file).read().splitlines() if c and not c.startswith("#")]
    queries = load_queries(queries_file)
    out = sys.stdout
    started = time.time()

    def emit(obj):
        out.write(json.dumps(obj) + "\n")

    {"duckdb": run_duckdb, "clickhouse": run_clickhouse, "spark": run_spark}[engine](events, columns, queries, emit)
    sys.stderr.write("%s: %d queries in %.2f s\n" % (engine, len(queries), time.time() - started))


if __name__ == "__main__":
    main()
