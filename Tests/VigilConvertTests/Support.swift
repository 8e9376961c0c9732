// Shared by the conversion tests: rules from YAML text, the `vigil` binary, and real engines (DuckDB, chdb
// for ClickHouse, pyspark for Spark) in a Python virtual environment made on first use.
import Foundation
import Testing
import VigilConvert
import VigilCore
import VigilSigma
import VigilTestSupport

enum ConvertFixtures {
    /// The rules of a YAML text (one or more documents).
    static func rules(_ yaml: String) -> [SigmaRule] {
        let (documents, diagnostics) = RuleParser().parse(bytes: Array(yaml.utf8), file: "test.yml")
        precondition(diagnostics.filter { $0.severity == .error }.isEmpty, "rule did not load: \(diagnostics)")
        var out: [SigmaRule] = []
        for case .rule(let r) in documents { out.append(r) }
        return out
    }

    /// A rule with no logsource (it applies to every event) around `detection` (YAML, indented 4).
    static func rule(_ detection: String) -> String {
        "title: t\nid: 11111111-2222-3333-4444-555555555555\nlogsource: {}\ndetection:\n" + detection
    }

    static func conversion(_ yaml: String, _ target: ConversionTarget, columns: [String]? = nil, layout: String = "flat") -> Conversion {
        let converter = Converter(target: target, layout: FieldLayout.named(layout)!, columns: columns)
        return converter.convert(rules(yaml)[0], index: 0)
    }

    /// The WHERE expression of a rule's SQL (the query with its `SELECT * FROM events WHERE ` removed).
    static func sqlWhere(_ yaml: String, _ target: ConversionTarget, columns: [String]? = nil) -> String {
        let c = conversion(yaml, target, columns: columns)
        guard let query = c.query else { return "refused: \(c.refusal ?? "")" }
        guard let range = query.range(of: " WHERE ") else { return query }
        return String(query[range.upperBound...])
    }

    static func temporaryFolder() -> String {
        let folder = NSTemporaryDirectory() + "vigil-convert-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A detection: which rule fired on which event (`file:line`, as `vigil hunt` and `vigil export` name it).
struct Hit: Hashable, CustomStringConvertible {
    var rule: String
    var event: String
    var description: String { "\(rule) @ \(event)" }
}

/// The engines the conversions are checked on, run by Tests/Support/engines.py.
enum Engines {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static let all = ["duckdb", "clickhouse", "spark"]

    /// Python with duckdb, chdb and pyspark: $VIGIL_ENGINES_PYTHON, else `.build/engines-venv` (made with pip on first use).
    static let python: Result<String, Failure> = {
        if let given = ProcessInfo.processInfo.environment["VIGIL_ENGINES_PYTHON"], !given.isEmpty { return .success(given) }
        let venv = SharedData.packageRoot() + "/.build/engines-venv"
        let python = venv + "/bin/python"
        do {
            if (try? ProcessRunner.run(python, ["-c", "import duckdb, chdb, pyspark"]))?.status == 0 { return .success(python) }
            let made = try ProcessRunner.run("/usr/bin/env", ["python3", "-m", "venv", venv])
            guard made.status == 0 else { return .failure(Failure(description: "python3 -m venv failed: \(made.stderr)")) }
            let installed = try ProcessRunner.run(venv + "/bin/pip", ["install", "-q", "duckdb", "chdb", "pyspark"])
            guard installed.status == 0 else {
                return .failure(
                    Failure(description: "pip install duckdb chdb pyspark failed (PyPI unreachable?): \(installed.stderr.suffix(800))"))
            }
            return .success(python)
        } catch {
            return .failure(Failure(description: "cannot run python3: \(error)"))
        }
    }()

    static var script: String { SharedData.packageRoot() + "/Tests/Support/engines.py" }

    /// Runs the queries of `queries` (a `vigil convert --format json` document) on `engine` over `events`.
    static func run(_ engine: String, events: String, columns: String, queries: String) throws -> (hits: Set<Hit>, errors: [String]) {
        let python = try python.get()
        let run = try ProcessRunner.run(python, [script, engine, events, columns, queries])
        guard run.status == 0 else { throw Failure(description: "\(engine) failed: \(run.stderr.suffix(2000))") }
        var hits: Set<Hit> = []
        var errors: [String] = []
        for line in run.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let error = object["error"] as? String {
                errors.append("\(object["rule_ids"] ?? ""): \(error)")
            } else if let rule = object["rule_id"] as? String, let event = object["event"] as? String {
                hits.insert(Hit(rule: rule, event: event))
            }
        }
        return (hits, errors)
    }

    /// What `vigil hunt` finds: (rule id, file:line) for every detection in its JSON lines.
    static func local(_ jsonl: String) throws -> Set<Hit> {
        var hits: Set<Hit> = []
        for line in jsonl.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let rule = object["rule_id"] as? String, let file = object["file"] as? String, let n = object["line"] as? Int else {
                continue
            }
            hits.insert(Hit(rule: rule, event: "\(file):\(n)"))
        }
        return hits
    }
}
