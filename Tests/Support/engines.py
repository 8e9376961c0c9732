"""Runs `vigil convert --format json` queries on a real engine over `vigil export` rows.

usage: engines.py ENGINE EVENTS.jsonl COLUMNS QUERIES.json
  ENGINE   duckdb | clickhouse (chdb, ClickHouse's engine in-process) | spark (pyspark, local mode)
Loads EVENTS (one JSON object per line, every value a string) into a table `events` whose columns are the
names in COLUMNS (one per line), all text, then runs each rule's query and prints one JSON line per hit:
{"rule_id": ..., "event": <vigil_event>}; a query the engine rejects prints {"rule_id": ..., "error": ...}.
Used by the VigilConvert tests and Benchmarks/convert.sh; not part of Vigil itself.
"""
import json
import sys
import time


def load_queries(path):
    with open(path) as f:
        doc = json.load(f)
    return [r for r in doc["rules"] if r["query"]]


def run_duckdb(events, columns, queries, emit):
    import duckdb

    con = duckdb.connect()
    spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in columns) + "}"
    con.execute(
        "CREATE TABLE events AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)"
        % (events.replace("'", "''"), spec)
    )
    for q in queries:
        try:
            rows = con.execute(q["query"]).fetchall()
        except Exception as e:  # noqa: BLE001 - report every engine error per rule
            emit({"rule_id": q["rule_id"], "error": str(e).splitlines()[0]})
            continue
        for (event,) in rows:
            emit({"rule_id": q["rule_id"], "event": event})


def run_clickhouse(events, columns, queries, emit):
    from chdb import session

    s = session.Session()
    s.query("CREATE DATABASE IF NOT EXISTS vigil")
    s.query("USE vigil")
    schema = ", ".join("`%s` Nullable(String)" % c.replace("`", "``") for c in columns)
    s.query("CREATE TABLE events (%s) ENGINE = Memory" % schema)
    s.query(
        "INSERT INTO events SELECT * FROM file('%s', JSONEachRow, '%s')"
        % (events.replace("'", "\\'"), schema.replace("\\", "\\\\").replace("'", "\\'"))
    )
    for q in queries:
        try:
            out = s.query(q["query"], "JSONEachRow").bytes().decode()
        except Exception as e:  # noqa: BLE001
            emit({"rule_id": q["rule_id"], "error": str(e).strip().splitlines()[0][:500]})
            continue
        for line in out.splitlines():
            if line.strip():
                emit({"rule_id": q["rule_id"], "event": json.loads(line)["vigil_event"]})


def run_spark(events, columns, queries, emit):
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType, StructField, StructType

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("vigil-verify")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    schema = StructType([StructField(c, StringType(), True) for c in columns])
    spark.read.schema(schema).json(events).cache().createOrReplaceTempView("events")
    for q in queries:
        try:
            rows = spark.sql(q["query"]).collect()
        except Exception as e:  # noqa: BLE001
            emit({"rule_id": q["rule_id"], "error": str(e).strip().splitlines()[0][:500]})
            continue
        for row in rows:
            emit({"rule_id": q["rule_id"], "event": row[0]})
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
