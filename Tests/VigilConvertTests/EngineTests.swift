// Converted rules run on real engines — DuckDB, ClickHouse (chdb) and Spark (pyspark, local mode) — must find
// exactly what `vigil hunt` finds: the same (rule, event) pairs, on the SigmaHQ regression cases and on the
// Sysmon JSON logs with the whole Windows rule set. Any difference is listed with the rule, the event and the query.
import Foundation
import Testing
import VigilConvert
import VigilCore
import VigilEngines
import VigilSigma
import VigilTestSupport

/// One data set exported, converted and hunted locally, shared by the engines' tests.
final class EngineCase: @unchecked Sendable {
    let folder = ConvertFixtures.temporaryFolder()
    let events: String
    let columns: String
    let local: Set<Hit>
    /// `vigil hunt --format jsonl` output.
    let localLines: String
    let rules: [String]
    let logs: [String]
    private let lock = Lock()
    private var queries: [String: String] = [:]

    init(logs: [String], rules: [String]) throws {
        self.logs = logs
        self.rules = rules
        events = folder + "/events.jsonl"
        columns = folder + "/columns.txt"
        let export = try ProcessRunner.vigil(["export", "-o", events, "--columns", columns] + logs)
        guard export.status == 0 else { throw Engines.Failure(description: "vigil export failed: \(export.stderr)") }
        let hunt = try ProcessRunner.vigil(["hunt", "--format", "jsonl"] + rules.flatMap { ["--rules", $0] } + ["--"] + logs)
        guard hunt.status <= 1 else { throw Engines.Failure(description: "vigil hunt failed: \(hunt.stderr)") }
        local = try Engines.local(hunt.stdout)
        localLines = hunt.stdout
    }

    /// `vigil convert --format json --batch 100` for a target (made once).
    func queries(_ target: String) throws -> String {
        if let done = lock.withLock({ queries[target] }) { return done }
        let path = folder + "/\(target).json"
        let run = try ProcessRunner.vigil(
            ["convert", "--target", target, "--columns", columns, "--select", "vigil_event", "--batch", "100", "--format", "json"] + rules)
        guard run.status <= 1 else { throw Engines.Failure(description: "vigil convert failed: \(run.stderr)") }
        try run.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        lock.withLock { queries[target] = path }
        return path
    }

    /// Rules the converter refused for a target (they are not compared).
    func refused(_ target: String) throws -> [String: String] {
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try queries(target)))) as? [String: Any]
        var out: [String: String] = [:]
        for rule in doc?["rules"] as? [[String: Any]] ?? [] {
            if let reason = rule["refusal"] as? String, let id = rule["rule_id"] as? String { out[id] = reason }
        }
        return out
    }

    func compare(_ engine: String) throws {
        let (hits, errors) = try Engines.run(engine, events: events, columns: columns, queries: try queries(engine))
        #expect(errors.isEmpty, "\(engine) rejected queries: \(errors.prefix(5))")
        // A rule whose logsource nothing maps runs nowhere, locally or on an engine: not a refusal of the engine's.
        let refused = try refused(engine).filter { !$0.value.hasPrefix("no event source is mapped") }
        #expect(refused.isEmpty, "\(engine): refused \(refused.count) rule(s): \(refused.prefix(5))")
        let expected = local.filter { refused[$0.rule] == nil }
        let missing = expected.subtracting(hits)
        let extra = hits.subtracting(expected)
        #expect(missing.isEmpty, "\(engine) missed \(missing.count): \(missing.sorted { $0.description < $1.description }.prefix(10))")
        #expect(extra.isEmpty, "\(engine) found \(extra.count) more: \(extra.sorted { $0.description < $1.description }.prefix(10))")
        #expect(!expected.isEmpty)
    }
}

@Suite(.serialized) struct RegressionEngineTests {
    /// All regression rules over all regression events (every rule sees every case's events).
    static let data: Result<EngineCase, Error> = Result {
        let root = try SharedData.path("logs/sigma-regression")
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/manifest.json"))) as! [[String: Any]]
        let shared = try SharedData.path("")
        let rules = manifest.flatMap { ($0["rule_paths"] as? [String] ?? []).map { shared + "/" + $0 } }
        let logs = manifest.flatMap { c in
            (c["files"] as? [String] ?? []).filter { $0.hasSuffix(".evtx") }.map { root + "/" + (c["case"] as! String) + "/" + $0 }
        }
        return try EngineCase(logs: logs, rules: rules)
    }

    @Test(arguments: Engines.all) func sameDetectionsAsVigilHunt(_ engine: String) throws {
        let data = try Self.data.get()
        #expect(data.local.count >= 118, "the regression cases' detections (\(data.local.count))")
        try data.compare(engine)
    }
}

@Suite(.serialized) struct SysmonEngineTests {
    static let data: Result<EngineCase, Error> = Result {
        try EngineCase(logs: [try SharedData.path("logs/sysmon-json")], rules: [try SharedData.path("rules/sigma/rules/windows")])
    }

    @Test(arguments: Engines.all) func wholeWindowsRuleSetSameHitsPerRule(_ engine: String) throws {
        let data = try Self.data.get()
        try data.compare(engine)
    }
}

/// The logs beyond Windows (Linux audit with its list-valued `type`, Sysmon for Linux, Zeek, CloudTrail, Entra ID,
/// Microsoft 365, Sentinel rows) with SigmaHQ's Linux, network and cloud rules and the one Windows folder a Sentinel
/// capture fires: every engine finds the local hunt's detections, lists read element by element as locally.
@Suite(.serialized) struct BeyondWindowsEngineTests {
    static let data: Result<EngineCase, Error> = Result {
        let rules = try SharedData.path("rules/sigma/rules")
        return try EngineCase(
            logs: [try SharedData.path("logs/beyond-windows")],
            rules: ["linux", "network", "cloud", "windows/pipe_created"].map { rules + "/" + $0 })
    }

    @Test(arguments: Engines.all) func sameDetectionsAsVigilHunt(_ engine: String) throws {
        let data = try Self.data.get()
        // The audit detections need the element-wise tests: `type: EXECVE` on ["SYSCALL","EXECVE",…].
        #expect(data.local.count >= 20, "\(data.local.count) local detections")
        #expect(data.localLines.contains("\"channel\":\"linux/auditd\""))
        try data.compare(engine)
    }
}

@Suite struct InjectionTests {
    /// Values a rule may hold that SQL, LIKE or a regex would otherwise interpret.
    static let values = [
        "it's", #"back\slash"#, "50%_off", "quote\"d", "x'; DROP TABLE events; --", #"end\"#, "tick`s", "two\nlines", "tab\there",
        "Ünïcödé", #"\'; SELECT 1; --"#, "a_b", "a.b",
    ]

    @Test(arguments: Engines.all) func valuesMatchThemselvesOnly(_ engine: String) throws {
        let folder = ConvertFixtures.temporaryFolder()
        var jsonl = ""
        for (k, v) in Self.values.enumerated() {
            jsonl += "{\"vigil_event\":\(JSONString.quoted("row\(k)")),\"Value\":\(JSONString.quoted(v))}\n"
        }
        // Near misses that a broken escape would match (an unescaped _ or % matches these).
        jsonl += "{\"vigil_event\":\"near0\",\"Value\":\"50x-off\"}\n{\"vigil_event\":\"near1\",\"Value\":\"axb\"}\n"
        try jsonl.write(toFile: folder + "/events.jsonl", atomically: true, encoding: .utf8)
        try "vigil_event\nValue\n".write(toFile: folder + "/columns.txt", atomically: true, encoding: .utf8)
        let target = ConversionTarget(rawValue: engine)!
        var rules: [String] = []
        var expected: Set<Hit> = []
        for (k, v) in Self.values.enumerated() {
            // `list`: the value among texts that match nearly every row if their punctuation is taken as regex syntax
            // (DuckDB joins a column's contained texts into one RE2 alternation).
            for (form, modifier) in [("exact", ""), ("contains", "|contains"), ("list", "|contains"), ("cased", "|cased"), ("re", "|re")] {
                let value = modifier == "|re" ? Self.regexEscaped(v) : Self.sigmaEscaped(v)
                let written = form == "list" ? "[\(JSONString.quoted(value)), 'nomatch|a', '[.]+']" : JSONString.quoted(value)
                let yaml = "title: t\nlogsource: {}\ndetection:\n    sel:\n        Value\(modifier): \(written)\n    condition: sel"
                let c = ConvertFixtures.conversion(yaml, target, columns: ["vigil_event", "Value"])
                let query = try #require(c.query, "\(form) \(v): \(c.refusal ?? "")").replacingOccurrences(
                    of: "SELECT *", with: "SELECT `vigil_event`")
                let id = "\(form)-\(k)"
                rules.append("{\"rule_id\":\(JSONString.quoted(id)),\"query\":\(JSONString.quoted(Self.selectOrigin(query, target)))}")
                expected.insert(Hit(rule: id, event: "row\(k)"))
                // Unanchored forms also find every other row holding the value (ignoring case unless cased or re).
                for (j, w) in Self.values.enumerated() where j != k {
                    if form == "contains" || form == "list", w.lowercased().contains(v.lowercased()) {
                        expected.insert(Hit(rule: id, event: "row\(j)"))
                    } else if form == "re" && w.contains(v) {
                        expected.insert(Hit(rule: id, event: "row\(j)"))
                    }
                }
            }
        }
        try ("{\"rules\":[" + rules.joined(separator: ",") + "]}").write(toFile: folder + "/q.json", atomically: true, encoding: .utf8)
        let (hits, errors) = try Engines.run(
            engine, events: folder + "/events.jsonl", columns: folder + "/columns.txt", queries: folder + "/q.json")
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(
            hits == expected,
            "missing \(expected.subtracting(hits).sorted { $0.description < $1.description }); extra \(hits.subtracting(expected).sorted { $0.description < $1.description })"
        )
    }

    /// Sigma's escaping: a literal *, ? or \ before them is written with a backslash.
    static func sigmaEscaped(_ v: String) -> String {
        var out = ""
        for c in v {
            if c == "*" || c == "?" { out.append("\\") }
            if c == "\\" { out += "\\\\"; continue }
            out.append(c)
        }
        return out
    }

    static func regexEscaped(_ v: String) -> String {
        var out = ""
        for c in v {
            if "\\.^$|?*+()[]{}".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The engines' harness reads the first column as the event; keep the query's quoting per dialect.
    static func selectOrigin(_ query: String, _ target: ConversionTarget) -> String {
        target == .duckdb ? query.replacingOccurrences(of: "SELECT `vigil_event`", with: "SELECT \"vigil_event\"") : query
    }
}

/// `vigil hunt --engine`: the same detections, with the same columns, as `vigil hunt` over the logs.
@Suite(.serialized) struct EngineHuntCLITests {
    /// (rule, event, computer, event id, timestamp) of every detection in hunt's JSON lines.
    static func detections(_ jsonl: String) throws -> Set<[String]> {
        var out: Set<[String]> = []
        for line in jsonl.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let rule = o["rule_id"] as? String else { continue }
            let event = "\(o["file"] as? String ?? ""):\(o["line"] as? Int ?? -1)"
            out.insert([rule, event, o["computer"] as? String ?? "-", o["event_id"] as? String ?? "-", o["timestamp"] as? String ?? "-"])
        }
        return out
    }

    /// `vigil hunt --engine ENGINE --format jsonl` with the case's rules over its exported events (ClickHouse
    /// through a chdb HTTP server started for the run, Spark and DuckDB loading the rows themselves).
    static func hunt(_ engine: String, _ data: EngineCase) throws -> VigilRun {
        var arguments = ["hunt", "--engine", engine, "--format", "jsonl"] + data.rules.flatMap { ["--rules", $0] }
        var server: Process?
        if engine == "clickhouse" {
            let (process, port) = try clickhouse(data.events)
            server = process
            arguments += ["--connect", "http://127.0.0.1:\(port)/"]
        } else {
            arguments += ["--python", try Engines.python.get(), "--load", data.events]
        }
        defer { server.map(stop) }
        return try ProcessRunner.vigil(arguments)
    }

    @Test(arguments: Engines.all) func sameDetectionsAsLocalLogs(_ engine: String) throws {
        let data = try RegressionEngineTests.data.get()
        let run = try Self.hunt(engine, data)
        #expect(run.status == 1, "\(run.stderr.suffix(2000))")
        let expected = try Self.detections(data.localLines)
        let found = try Self.detections(run.stdout)
        #expect(found == expected, "missing \(expected.subtracting(found).prefix(5)); extra \(found.subtracting(expected).prefix(5))")
        // Rules whose logsource nothing maps are refused everywhere (Spark's progress lines may share their line).
        let unmapped = run.stderr.components(separatedBy: "no event source is mapped for logsource").count - 1
        #expect(run.stderr.contains("\(unmapped) refused, 0 without their columns, 0 in failed queries"), "\(run.stderr.suffix(3000))")
    }

    /// DuckDB: a table's batches return (rowid, rule) pairs and the matching rows are fetched once; a view has no
    /// rowid and its batches return the columns. Over a database file holding both, each gives the local hunt's
    /// detections, fields included.
    @Test func duckDBTablesAndViewsGiveTheLocalDetections() throws {
        let data = try RegressionEngineTests.data.get()
        let database = ConvertFixtures.temporaryFolder() + "/events.duckdb"
        let make = try ProcessRunner.run(
            try Engines.python.get(),
            [
                "-c",
                """
                import duckdb, json, sys
                path, db = sys.argv[1], sys.argv[2]
                seen, order = set(), []
                for line in open(path):
                    for k in json.loads(line):
                        if k.lower() not in seen:
                            seen.add(k.lower()); order.append(k)
                spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in order) + "}"
                con = duckdb.connect(db)
                con.execute("CREATE TABLE events AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)" % (path, spec))
                con.execute("CREATE VIEW events_view AS SELECT * FROM events")
                """,
                data.events, database,
            ])
        #expect(make.status == 0, "\(make.stderr)")
        let expected = try Self.detections(data.localLines)
        var outputs: [String] = []
        for table in ["events", "events_view"] {
            let run = try ProcessRunner.vigil(
                [
                    "hunt", "--engine", "duckdb", "--python", try Engines.python.get(), "--connect", database, "--table", table, "--format",
                    "jsonl",
                ]
                    + data.rules.flatMap { ["--rules", $0] })
            #expect(run.status == 1, "\(table): \(run.stderr.suffix(2000))")
            let found = try Self.detections(run.stdout)
            #expect(
                found == expected,
                "\(table): missing \(expected.subtracting(found).prefix(5)); extra \(found.subtracting(expected).prefix(5))")
            outputs.append(run.stdout.split(separator: "\n").sorted().joined(separator: "\n"))
        }
        // The same lines, fields included, whichever way the rows came back.
        #expect(outputs[0] == outputs[1])
    }

    /// A table of EVTX and flat JSON rows (TimeCreated_SystemTime on some, @timestamp on others): each
    /// detection reports the timestamp and fields the local hunt reports for its event. The engine's fields are
    /// the row's non-null columns, so the export's alias columns (Computer for Hostname, …) may come on top.
    @Test func mixedTableGivesLocalTimestampsAndFields() throws {
        let folder = ConvertFixtures.temporaryFolder()
        let logs = try [
            SharedData.path("logs/sysmon-json/aptsimulator_cobaltstrike_2021-06-11T21081492.json.gz"),
            SharedData.path("logs/evtx-attack-samples/Defense Evasion"),
        ]
        let rules = try SharedData.path("rules/sigma/rules/windows/process_creation")
        let events = folder + "/events.jsonl"
        let export = try ProcessRunner.vigil(["export"] + logs + ["-o", events])
        #expect(export.status == 0, "\(export.stderr)")
        let local = try ProcessRunner.vigil(["hunt", "--rules", rules, "--format", "jsonl"] + logs)
        let engine = try ProcessRunner.vigil(
            ["hunt", "--engine", "duckdb", "--python", try Engines.python.get(), "--load", events, "--format", "jsonl", "--rules", rules])
        #expect(engine.status == 1, "\(engine.stderr.suffix(2000))")
        func rows(_ jsonl: String) throws -> [String: [String: Any]] {
            var out: [String: [String: Any]] = [:]
            for line in jsonl.split(separator: "\n") {
                let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                out["\(o["rule_id"] as? String ?? "") \(o["file"] as? String ?? ""):\(o["line"] as? Int ?? -1)"] = o
            }
            return out
        }
        let expected = try rows(local.stdout)
        let found = try rows(engine.stdout)
        #expect(Set(found.keys) == Set(expected.keys))
        #expect(Set(expected.values.compactMap { $0["file"] as? String }.map { $0.hasSuffix(".evtx") }) == [true, false])
        let aliases: Set<String> = ["Computer", "Provider_Name"]
        for (key, want) in expected {
            guard let got = found[key] else { continue }
            for column in ["timestamp", "computer", "channel", "event_id", "record_id"] {
                #expect(got[column] as? String == want[column] as? String, "\(key) \(column)")
            }
            #expect(want["timestamp"] as? String != nil, "\(key): the local hunt has a time")
            let wanted = (want["fields"] as? [String: String] ?? [:]).filter { !$0.value.isEmpty }
            // Empty values on both sides alike: an EVTX element with no text is "" locally and "" or null in a table.
            let gotten = (got["fields"] as? [String: String] ?? [:]).filter { !$0.value.isEmpty }
            #expect(wanted.allSatisfy { gotten[$0.key] == $0.value }, "\(key): fields differ")
            #expect(Set(gotten.keys).subtracting(wanted.keys).subtracting(aliases).isEmpty, "\(key): extra fields")
        }
    }

    @Test func unreachableEngineIsExitTwoWithTheReason() throws {
        let run = try ProcessRunner.vigil(
            [
                "hunt", "--engine", "clickhouse", "--connect", "http://127.0.0.1:1/", "--rules",
                try SharedData.path("rules/sigma/rules/windows/process_creation"),
            ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("not reachable"))
    }

    @Test func rulesWithoutTheirColumnsAreNamedAndTheRestRuns() throws {
        // A table with only Sysmon process-creation columns: registry rules cannot match and are listed.
        let folder = ConvertFixtures.temporaryFolder()
        let events = folder + "/events.jsonl"
        try
            #"{"vigil_event":"x.json:1","Channel":"Microsoft-Windows-Sysmon/Operational","EventID":"1","Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /all","ParentImage":"C:\\Windows\\System32\\cmd.exe"}"#
            .appending("\n").write(toFile: events, atomically: true, encoding: .utf8)
        let rules = try [
            "process_creation/proc_creation_win_whoami_all_execution.yml",
            "registry/registry_set/registry_set_asep_reg_keys_modification_common.yml",
        ]
        .map { try SharedData.path("rules/sigma/rules/windows/" + $0) }
        let run = try ProcessRunner.vigil(
            ["hunt", "--engine", "duckdb", "--python", try Engines.python.get(), "--load", events, "--format", "jsonl"]
                + rules.flatMap { ["--rules", $0] })
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("x.json"))
        #expect(run.stderr.contains("rule skipped: ") && run.stderr.contains("the table has no column"))
    }

    static func stop(_ process: Process) {
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// chdb behind a ClickHouse-style HTTP interface (Tests/Support/chdb_http.py), on a free loopback port.
    static func clickhouse(_ events: String) throws -> (Process, Int) {
        let folder = ConvertFixtures.temporaryFolder()
        let portFile = folder + "/port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Engines.python.get())
        process.arguments = [SharedData.packageRoot() + "/Tests/Support/chdb_http.py", events, portFile]
        // Not the test's own output: a server left behind must not hold the test runner's pipes open.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) { return (process, port) }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        process.terminate()
        throw Engines.Failure(description: "the chdb HTTP server did not start")
    }
}
