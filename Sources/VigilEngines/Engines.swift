// Running converted rules where the logs already are: ClickHouse over its HTTP interface, Spark and DuckDB
// through their Python clients (pyspark — local, a cluster master or Spark Connect — and duckdb), driven by a
// small script Vigil ships. Each engine answers two questions: a table's columns, and a query's rows.
import Foundation
import VigilConvert
import VigilCore
import VigilHTTP

public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public protocol QueryEngine: AnyObject {
    /// The table's column names.
    func columns(table: String) throws(EngineError) -> [String]
    /// Rows of a query, every value as text (nil for NULL).
    func rows(_ sql: String) throws(EngineError) -> [[String?]]
    func close()
}

/// ClickHouse's HTTP interface (port 8123): the query in the POST body, settings as URL parameters.
public final class ClickHouseHTTP: QueryEngine {
    let url: URL
    let settings: [String: String]

    /// Long rules (hundreds of values) exceed ClickHouse's default query and AST size limits.
    public static let defaultSettings = [
        "max_query_size": "16777216", "max_ast_elements": "10000000", "max_expanded_ast_elements": "10000000",
    ]

    public init(url: String, settings: [String: String] = ClickHouseHTTP.defaultSettings) throws(EngineError) {
        guard var components = URLComponents(string: url), components.scheme == "http" || components.scheme == "https" else {
            throw EngineError("'\(url)' is not an http(s) URL of a ClickHouse server")
        }
        var items = components.queryItems ?? []
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) where !items.contains(where: { $0.name == k }) {
            items.append(URLQueryItem(name: k, value: v))
        }
        components.queryItems = items
        guard let built = components.url else { throw EngineError("'\(url)' is not a valid URL") }
        self.url = built
        self.settings = settings
    }

    public func columns(table: String) throws(EngineError) -> [String] {
        try rows("DESCRIBE TABLE \(table)").compactMap { $0.first ?? nil }
    }

    public func rows(_ sql: String) throws(EngineError) -> [[String?]] {
        let response: HTTP.Response
        do {
            response = try HTTP.post(
                url.absoluteString, body: Array((sql + "\nFORMAT JSONCompactEachRow").utf8), timeout: 3600, maxBytes: Int(UInt32.max))
        } catch {
            throw EngineError("ClickHouse at \(url.host ?? "?") is not reachable: \(error.reason)")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw EngineError("ClickHouse: " + (text.split(separator: "\n").first.map(String.init) ?? "HTTP \(response.status)"))
        }
        return try JSONRows.parse(lines: text)
    }

    public func close() {}
}

/// Spark or DuckDB through their Python clients, one long-lived process answering one JSON request per line.
public final class PythonEngine: QueryEngine {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var buffer: [UInt8] = []
    let script: String

    /// - Parameters:
    ///   - engine: `spark` or `duckdb`.
    ///   - connect: Spark: `local[N]`, a master URL (`spark://host:7077`, `yarn`) or Spark Connect (`sc://host:15002`);
    ///     DuckDB: a database file (default: in memory).
    ///   - load: a JSON-lines file (`vigil export` output) to load as `table` first, every column as text.
    public init(engine: String, python: String, connect: String?, table: String, load: String?) throws(EngineError) {
        script = NSTemporaryDirectory() + "vigil-engine-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).py"
        do { try Self.driver.write(toFile: script, atomically: true, encoding: .utf8) } catch {
            throw EngineError("cannot write the engine driver to \(script): \(error)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch { throw EngineError("cannot start \(python): \(error)") }
        var request: [String: Any] = ["op": "open", "engine": engine, "table": table]
        if let connect { request["connect"] = connect }
        if let load { request["load"] = load }
        _ = try call(request)
    }

    public func columns(table: String) throws(EngineError) -> [String] {
        let reply = try call(["op": "columns", "table": table])
        return (reply["columns"] as? [String]) ?? []
    }

    public func rows(_ sql: String) throws(EngineError) -> [[String?]] {
        let reply = try call(["op": "query", "sql": sql])
        let rows = reply["rows"] as? [[Any]] ?? []
        return rows.map { row in row.map { JSONRows.text($0) } }
    }

    public func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: script)
    }

    func call(_ request: [String: Any]) throws(EngineError) -> [String: Any] {
        guard let data = try? JSONSerialization.data(withJSONObject: request) else { throw EngineError("cannot encode the request") }
        do { try input.fileHandleForWriting.write(contentsOf: data + Data([0x0A])) } catch {
            throw EngineError("the engine driver exited (is the Python package installed? see the messages above)")
        }
        let line = readLine()
        guard let line, let reply = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw EngineError("the engine driver exited (is the Python package installed? see the messages above)")
        }
        if let error = reply["error"] as? String { throw EngineError(error) }
        return reply
    }

    /// The next reply line. Each chunk is searched once for the newline (a reply of a hundred megabytes — the
    /// fields of every detection — arrives in thousands of chunks; searching the whole buffer again after each
    /// one was quadratic).
    func readLine() -> [UInt8]? {
        var searched = 0
        while true {
            if let newline = buffer[searched...].firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            searched = buffer.count
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer += chunk
        }
    }

    /// The driver: requests and replies are JSON objects, one per line.
    static let driver = #"""
        import json, sys

        def reply(obj):
            sys.stdout.write(json.dumps(obj, default=str) + "\n")
            sys.stdout.flush()

        state = {}

        def open_engine(req):
            engine = req["engine"]
            state["engine"] = engine
            load = req.get("load")
            if engine == "duckdb":
                import duckdb
                con = duckdb.connect(req.get("connect") or ":memory:")
                state["con"] = con
                if load:
                    cols = load_columns(load)
                    spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in cols) + "}"
                    con.execute("CREATE OR REPLACE TABLE %s AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)"
                                % (req["table"], load.replace("'", "''"), spec))
            elif engine == "spark":
                from pyspark.sql import SparkSession
                connect = req.get("connect") or "local[2]"
                builder = SparkSession.builder.appName("vigil")
                builder = builder.remote(connect) if connect.startswith("sc://") else builder.master(connect)
                if not connect.startswith("sc://"):
                    builder = builder.config("spark.ui.enabled", "false").config("spark.sql.codegen.wholeStage", "false")
                spark = builder.getOrCreate()
                if not connect.startswith("sc://"):
                    spark.sparkContext.setLogLevel("ERROR")
                state["spark"] = spark
                if load:
                    from pyspark.sql.types import StringType, StructField, StructType
                    schema = StructType([StructField(c, StringType(), True) for c in load_columns(load)])
                    name = req["table"].strip("`")
                    spark.read.schema(schema).json(load).cache().createOrReplaceTempView(name)
            else:
                raise ValueError("unknown engine " + engine)

        def load_columns(path):
            seen, order = set(), []
            with open(path) as f:
                for line in f:
                    if not line.strip():
                        continue
                    for k in json.loads(line):
                        if k.lower() not in seen:
                            seen.add(k.lower())
                            order.append(k)
            return order

        def run(sql):
            if state["engine"] == "duckdb":
                cur = state["con"].execute(sql)
                return [d[0] for d in cur.description], cur.fetchall()
            df = state["spark"].sql(sql)
            return df.columns, [tuple(r) for r in df.collect()]

        for line in sys.stdin:
            try:
                req = json.loads(line)
                op = req["op"]
                if op == "open":
                    open_engine(req)
                    reply({"ok": True})
                elif op == "columns":
                    names, _ = run("SELECT * FROM %s LIMIT 0" % req["table"])
                    reply({"columns": names})
                elif op == "query":
                    _, rows = run(req["sql"])
                    reply({"rows": [list(r) for r in rows]})
            except Exception as e:
                reply({"error": (str(e).strip().splitlines() or [type(e).__name__])[0][:2000]})
        """#
}

enum JSONRows {
    /// JSONCompactEachRow: one JSON array per line.
    static func parse(lines reply: String) throws(EngineError) -> [[String?]] {
        var out: [[String?]] = []
        for line in reply.split(separator: "\n") where !line.isEmpty {
            guard let row = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [Any] else {
                throw EngineError("unexpected reply line: \(line.prefix(200))")
            }
            out.append(row.map { text($0) })
        }
        return out
    }

    static func text(_ value: Any) -> String? {
        switch value {
        case is NSNull: return nil
        case let s as String: return s
        case let n as NSNumber:
            // stringValue rounds a double to 15 digits; a time in seconds needs all of them.
            let text = n.stringValue
            return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? String(n.doubleValue) : text
        default: return "\(value)"
        }
    }
}
