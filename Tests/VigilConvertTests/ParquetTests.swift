// The Parquet writer and `vigil export --format parquet`, read back by real readers (DuckDB, pyspark): values,
// nulls, row groups and compressions exactly as written; real logs give the same table as the JSON lines; and
// the converted rules find the same detections over either.
import Foundation
import Testing
import VigilConvert
import VigilCore
import VigilExport
import VigilTestSupport

enum ParquetSupport {
    /// Runs a Python script (the engines' interpreter) with arguments; its standard output parsed as JSON.
    static func python(_ script: String, _ arguments: [String]) throws -> Any {
        let run = try ProcessRunner.run(try Engines.python.get(), ["-c", script] + arguments)
        guard run.status == 0 else { throw Engines.Failure(description: "python failed: \(run.stderr.suffix(2000))") }
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// Every row of a Parquet file as DuckDB reads it (structs as objects, nulls as NSNull), and its row groups.
    static func duckdbRows(_ file: String) throws -> (rows: [[Any]], rowGroups: Int) {
        let script = """
            import duckdb, json, sys
            con = duckdb.connect()
            rows = con.execute("SELECT * FROM read_parquet(?)", [sys.argv[1]]).fetchall()
            groups = con.execute("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(?)", [sys.argv[1]]).fetchone()[0]
            print(json.dumps({"rows": [list(r) for r in rows], "groups": groups}))
            """
        let out = try #require(try python(script, [file]) as? [String: Any])
        return (try #require(out["rows"] as? [[Any]]), try #require(out["groups"] as? Int))
    }

    static func cell(_ value: Any) -> String? { value as? String }

    /// Read without Vigil: the sysmon files' JSON lines (gzip + Python's json) and the regression cases'
    /// reference evtx_dump JSON (the records of their EVTX files): counts, the first sysmon record (values as
    /// text), and the EVTX records' event IDs.
    static func reference(sysmon: [String]) throws -> (sysmon: Int, evtx: Int, first: [String: Any], ids: [String]) {
        let script = """
            import gzip, json, sys
            files, root = sys.argv[1:-1], sys.argv[-1]
            lines = [l for f in files for l in gzip.open(f, "rt", encoding="utf-8") if l.strip()]
            first = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in json.loads(lines[0]).items()}
            decoder, records, ids = json.JSONDecoder(), 0, set()
            for case in json.load(open(root + "/manifest.json")):
                for name in case["files"]:
                    if not name.endswith(".json"):
                        continue
                    text, i = open(root + "/" + case["case"] + "/" + name).read(), 0
                    while True:
                        while i < len(text) and text[i].isspace():
                            i += 1
                        if i >= len(text):
                            break
                        record, i = decoder.raw_decode(text, i)
                        records += 1
                        ids.add(str(record["Event"]["System"]["EventID"]))
            print(json.dumps({"sysmon": len(lines), "evtx": records, "first": first, "ids": sorted(ids)}))
            """
        let out = try #require(try python(script, sysmon + [try SharedData.path("logs/sigma-regression")]) as? [String: Any])
        return (
            try #require(out["sysmon"] as? Int), try #require(out["evtx"] as? Int), try #require(out["first"] as? [String: Any]),
            try #require(out["ids"] as? [String])
        )
    }

    /// The count `vigil export` reports on stderr ("N events written", "1 event written").
    static func written(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: #"(\d+) events? written"#, options: .regularExpression) else { return nil }
        return Int(stderr[range].split(separator: " ")[0])
    }
}

@Suite struct ParquetLevelEncodingTests {
    @Test func bitPackedExampleFromTheSpec() {
        // Encodings.md: the values 0 to 7 with bit width 3 pack into 10001000 11000110 11111010; one group of 8
        // makes the header (1 << 1) | 1.
        var out: [UInt8] = []
        LevelEncoding.encode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3, into: &out)
        #expect(out == [0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010])
    }

    @Test func runOfEqualLevelsIsOneRLERun() {
        // 100 ones, width 1: header varint(100 << 1) = 0xC8 0x01, then the value in one byte.
        var out: [UInt8] = []
        LevelEncoding.encode(Array(repeating: 1, count: 100), bitWidth: 1, into: &out)
        #expect(out == [0xC8, 0x01, 0x01])
    }

    @Test func shortRunsArePackedAndTheLastGroupPadded() {
        // 1,0,1 then ten zeros: no run of 8 at the start, so two packed groups (header 2 << 1 | 1 = 5):
        // 1,0,1,0,0,0,0,0 → 0b0000_0101, and 0,0,0,0,0 padded with zeros → 0.
        var out: [UInt8] = []
        LevelEncoding.encode([1, 0, 1] + Array(repeating: 0, count: 10), bitWidth: 1, into: &out)
        #expect(out == [0x05, 0x05, 0x00])
        #expect([0, 1, 2, 3, 4, 7, 8].map(LevelEncoding.bitWidth) == [0, 1, 2, 2, 3, 3, 4])
    }
}

@Suite struct ParquetWriterTests {
    /// Values a writer could get wrong: empty vs null, non-BMP characters, quotes, backslashes, newlines, NUL.
    static let hostile = [
        "", "plain", "emoji 😀 𝄞 and 中文", "quote\" and 'single'", #"back\slash\\"#, "two\nlines\r\n", "tab\tNUL\u{0}end",
        String(repeating: "x", count: 70_000) + "é",
    ]

    /// Row r: column `a` cycles through the hostile values, with a null every 7th row; `b` is the row number;
    /// `rare` is set in rows 1 and 2,400 only (null elsewhere).
    static func expected(_ rows: Int) -> [[String?]] {
        (0..<rows).map { r in
            [r % 7 == 3 ? nil : hostile[r % hostile.count], "row\(r)", r == 1 || r == 2_400 ? "rare \(r)" : nil]
        }
    }

    @Test(arguments: ParquetCompression.allCases) func valuesRowGroupsAndNullsReadBackExactly(_ compression: ParquetCompression) throws {
        let file = ConvertFixtures.temporaryFolder() + "/t.parquet"
        let rows = Self.expected(2_500)
        let writer = try ParquetWriter(
            path: file, schema: ParquetSchema(paths: [["a"], ["b"], ["rare"]]), compression: compression, rowGroupRows: 1_000,
            pageBytes: 100_000)
        for row in rows {
            for (k, value) in row.enumerated() { if let value { writer.set(k, value) } }
            try writer.endRow()
        }
        try writer.close()
        let (read, groups) = try ParquetSupport.duckdbRows(file)
        #expect(groups == 3)
        #expect(read.count == rows.count)
        let got = read.map { $0.map(ParquetSupport.cell) }
        for (r, row) in rows.enumerated() where r < got.count && got[r] != row {
            Issue.record("row \(r): \(got[r].map { $0.map { String($0.prefix(40)) } }) != \(row.map { $0.map { String($0.prefix(40)) } })")
            break
        }
        #expect(got.filter { $0[2] != nil }.count == 2)
        #expect(got.filter { $0[0] == "" }.count == rows.filter { $0[0] == "" }.count)
    }

    @Test func nestedGroupsTellAnAbsentGroupFromANullMember() throws {
        let file = ConvertFixtures.temporaryFolder() + "/n.parquet"
        let schema = ParquetSchema(paths: [["e", "s", "id"], ["e", "s", "ch"], ["e", "d", "x"], ["top"]])
        #expect(schema.leaves == [["e", "s", "id"], ["e", "s", "ch"], ["e", "d", "x"], ["top"]])
        let writer = try ParquetWriter(path: file, schema: schema, compression: .gzip)
        let id = try #require(schema.leaf(["e", "s", "id"]))
        let ch = try #require(schema.leaf(["e", "s", "ch"]))
        let x = try #require(schema.leaf(["e", "d", "x"]))
        let top = try #require(schema.leaf(["top"]))
        // Row 0: everything set. Row 1: e.s present with id only; e.d present but empty. Row 2: only `top`.
        writer.set(id, "4688")
        writer.set(ch, "Security")
        writer.set(x, "v")
        writer.set(top, "t0")
        try writer.endRow()
        writer.set(id, "1")
        writer.present(group: try #require(schema.group(["e", "d"])))
        try writer.endRow()
        writer.set(top, "t2")
        try writer.endRow()
        try writer.close()
        let script = """
            import duckdb, json, sys
            con = duckdb.connect()
            q = '''SELECT e IS NULL, e.s IS NULL, e.s.id, e.s.ch, e.d IS NULL, e.d.x, top FROM read_parquet(?)'''
            print(json.dumps([list(r) for r in con.execute(q, [sys.argv[1]]).fetchall()]))
            """
        let rows = try #require(try ParquetSupport.python(script, [file]) as? [[Any]])
        let expected: [[String]] = [
            ["false", "false", "4688", "Security", "false", "v", "t0"],
            ["false", "false", "1", "nil", "false", "nil", "nil"],
            ["true", "true", "nil", "nil", "true", "nil", "t2"],
        ]
        #expect(rows.map { $0.map { v in (v as? Bool).map { "\($0)" } ?? (v as? String) ?? "nil" } } == expected)
    }
}

/// The sysmon files (one with list-valued fields, one with `ProcessID` and `ProcessId` in different events) and
/// every SigmaHQ regression EVTX, exported both ways once.
final class ParquetExportCase: @unchecked Sendable {
    let folder = ConvertFixtures.temporaryFolder()
    let logs: [String]
    let jsonl: String
    let columns: String
    let parquet: String
    let written: Int

    static let shared: Result<ParquetExportCase, Error> = Result { try ParquetExportCase() }

    init() throws {
        let regression = try RegressionEngineTests.data.get()
        logs =
            try [
                "logs/sysmon-json/covenant_copy_smb_CreateRequest_2020-09-22145302.json.gz",
                "logs/sysmon-json/aptsimulator_cobaltstrike_2021-06-11T21081492.json.gz",
            ]
            .map { try SharedData.path($0) } + regression.logs
        jsonl = folder + "/events.jsonl"
        columns = folder + "/columns.txt"
        parquet = folder + "/events.parquet"
        let j = try ProcessRunner.vigil(["export", "-o", jsonl, "--columns", columns] + logs)
        let p = try ProcessRunner.vigil(["export", "--format", "parquet", "-o", parquet] + logs)
        guard j.status == 0, p.status == 0 else { throw Engines.Failure(description: "vigil export failed: \(j.stderr) \(p.stderr)") }
        let counts = [ParquetSupport.written(j.stderr), ParquetSupport.written(p.stderr)]
        guard let n = counts[0], counts[1] == n else { throw Engines.Failure(description: "export counts differ: \(j.stderr) \(p.stderr)") }
        written = n
    }
}

@Suite(.serialized) struct ParquetCLITests {
    @Test func parquetTableEqualsTheJSONLinesTable() throws {
        let data = try ParquetExportCase.shared.get()
        let script = """
            import duckdb, json, sys
            events, columns, parquet = sys.argv[1:4]
            names = [c for c in open(columns).read().splitlines() if c]
            spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in names) + "}"
            con = duckdb.connect()
            con.execute("CREATE TABLE j AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)"
                        % (events.replace("'", "''"), spec))
            con.execute("CREATE TABLE p AS SELECT * FROM read_parquet(?)", [parquet])
            one = lambda q: con.execute(q).fetchone()[0]
            print(json.dumps({
                "j": one("SELECT count(*) FROM j"), "p": one("SELECT count(*) FROM p"),
                "jNotP": one("SELECT count(*) FROM (SELECT * FROM j EXCEPT ALL SELECT * FROM p)"),
                "pNotJ": one("SELECT count(*) FROM (SELECT * FROM p EXCEPT ALL SELECT * FROM j)"),
                "columns": [r[0] for r in con.execute("DESCRIBE p").fetchall()],
                "lists": one("SELECT count(*) FROM p WHERE " + " OR ".join('"%s" LIKE \\'[%%\\'' % c for c in names)),
            }))
            """
        let out = try #require(try ParquetSupport.python(script, [data.jsonl, data.columns, data.parquet]) as? [String: Any])
        let reference = try ParquetSupport.reference(sysmon: data.logs.filter { $0.hasSuffix(".json.gz") })
        #expect(data.written == reference.sysmon + reference.evtx)
        #expect(out["p"] as? Int == data.written)
        #expect(out["j"] as? Int == data.written)
        #expect(out["jNotP"] as? Int == 0)
        #expect(out["pNotJ"] as? Int == 0)
        let names = try String(contentsOfFile: data.columns, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(out["columns"] as? [String] == names)
        // The comparison covers list-valued fields (the covenant file has them).
        #expect((out["lists"] as? Int ?? 0) > 0)
    }

    @Test func convertedRulesFindTheSameOverParquetAndJSONLines() throws {
        let regression = try RegressionEngineTests.data.get()
        let parquet = ConvertFixtures.temporaryFolder() + "/events.parquet"
        let export = try ProcessRunner.vigil(["export", "--format", "parquet", "--compression", "none", "-o", parquet] + regression.logs)
        #expect(export.status == 0, "\(export.stderr)")
        let queries = try regression.queries("duckdb")
        let overJSON = try Engines.run("duckdb", events: regression.events, columns: regression.columns, queries: queries)
        let overParquet = try Engines.run("duckdb", events: parquet, columns: regression.columns, queries: queries)
        #expect(overJSON.errors.isEmpty && overParquet.errors.isEmpty, "\(overJSON.errors.prefix(3)) \(overParquet.errors.prefix(3))")
        #expect(overParquet.hits == overJSON.hits)
        // And both are what `vigil hunt` finds (the regression cases' own detections).
        #expect(overParquet.hits == regression.local)
        #expect(overParquet.hits.count >= 118)
    }

    @Test func standardOutputIsRefused() throws {
        let log = try SharedData.path("logs/sysmon-json/covenant_copy_smb_CreateRequest_2020-09-22145302.json.gz")
        let run = try ProcessRunner.vigil(["export", "--format", "parquet", log])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Parquet needs an output file (-o FILE)"))
        #expect(run.stdout.isEmpty)
    }

    @Test func sparkReadsFlatAndNestedFiles() throws {
        let data = try ParquetExportCase.shared.get()
        let nested = data.folder + "/evtx.parquet"
        let export = try ProcessRunner.vigil(["export", "--layout", "evtx", "--format", "parquet", "-o", nested] + data.logs)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("flat JSON events skipped"))
        let script = """
            import json, sys
            from pyspark.sql import SparkSession
            spark = (SparkSession.builder.master("local[2]").appName("vigil-parquet")
                     .config("spark.ui.enabled", "false").getOrCreate())
            spark.sparkContext.setLogLevel("ERROR")
            flat = spark.read.parquet(sys.argv[1])
            nested = spark.read.parquet(sys.argv[2])
            first = flat.where(flat.vigil_event == sys.argv[3]).collect()[0].asDict()
            out = {
                "flat": flat.count(), "nested": nested.count(),
                "first": {k: first[k] for k in ["EventID", "Image", "ProcessId", "Hostname", "TargetUserName"]},
                "ids": sorted(r[0] for r in nested.selectExpr("Event.System.EventID").distinct().collect()),
                "types": sorted(set(f.dataType.simpleString() for f in flat.schema.fields)),
            }
            print(json.dumps(out))
            spark.stop()
            """
        let sysmon = data.logs[1]
        let reference = try ParquetSupport.reference(sysmon: [sysmon])
        let out = try #require(try ParquetSupport.python(script, [data.parquet, nested, "\(sysmon):1"]) as? [String: Any])
        #expect(out["flat"] as? Int == data.written)
        #expect(out["nested"] as? Int == reference.evtx)
        #expect(out["types"] as? [String] == ["string"])
        let first = try #require(out["first"] as? [String: Any])
        for key in ["EventID", "Image", "ProcessId", "Hostname"] {
            #expect(reference.first[key] != nil && first[key] as? String == reference.first[key] as? String, "\(key)")
        }
        #expect(reference.first["TargetUserName"] == nil && first["TargetUserName"] is NSNull)
        #expect(out["ids"] as? [String] == reference.ids)
    }
}
