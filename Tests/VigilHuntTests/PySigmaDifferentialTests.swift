// The independent check of the Sigma engine: every SigmaHQ Windows rule run by `vigil hunt` and by pySigma (the
// SQLite backend with Zircolite's pipelines, Tests/Support/pysigma_pairs.py) over the same shared logs; the two
// sets of (rule, event) pairs must agree except for the reviewed differences in Tests/Fixtures/pysigma-differences.yaml.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// One detection: a rule on an event, the event named as `vigil hunt` names it (file relative to shared/, then
/// `:line` for JSON or the record's position for EVTX).
struct RuleEvent: Hashable, Comparable, CustomStringConvertible {
    var rule: String
    var event: String
    var description: String { "\(rule) @ \(event)" }
    static func < (a: RuleEvent, b: RuleEvent) -> Bool { (a.rule, a.event) < (b.rule, b.event) }
}

/// The reviewed file: groups of differences, each with its cause, status and pairs.
struct ReviewedDifferences {
    struct Group {
        var cause = ""
        var status = ""
        var count = 0
        var why = ""
        var pairs: [(side: String, pair: RuleEvent)] = []
    }
    var groups: [Group] = []

    /// Reads the strict YAML subset pysigma_diff.py writes (`- cause:` starts a group; `- [side, rule, "event"]` a pair).
    init(text: String) throws {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line == "groups:" || line == "pairs:" { continue }
            if line.hasPrefix("- cause:") {
                groups.append(Group(cause: Self.scalar(line.dropFirst(8))))
            } else if line.hasPrefix("- [") {
                // The event is the quoted last item; a comment may follow the closing bracket.
                guard let end = line.range(of: "\"]"), !groups.isEmpty else { throw Bad(line: line) }
                let inner = line[line.index(line.startIndex, offsetBy: 3)...end.lowerBound]
                let parts = inner.split(separator: ",", maxSplits: 2).map { Self.scalar($0) }
                guard parts.count == 3 else { throw Bad(line: line) }
                groups[groups.count - 1].pairs.append((parts[0], RuleEvent(rule: parts[1], event: parts[2])))
            } else if let colon = line.firstIndex(of: ":"), !groups.isEmpty {
                let value = Self.scalar(line[line.index(after: colon)...])
                switch line[..<colon] {
                case "status": groups[groups.count - 1].status = value
                case "count": groups[groups.count - 1].count = Int(value) ?? -1
                case "why": groups[groups.count - 1].why = value
                default: throw Bad(line: line)
                }
            } else {
                throw Bad(line: line)
            }
        }
    }

    struct Bad: Error, CustomStringConvertible {
        var line: String
        var description: String { "pysigma-differences.yaml: cannot read line: \(line)" }
    }

    static func scalar(_ s: Substring) -> String {
        var v = s.trimmingCharacters(in: .whitespaces)
        if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 {
            v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\\", with: "\\")
        }
        return v
    }
}

/// pySigma and its pipelines in `.build/pysigma-venv`, made with pip on first use (versions pinned together: the
/// pipelines require pySigma < 2), or $VIGIL_PYSIGMA_PYTHON.
enum PySigma {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static let requirements = [
        "pySigma==1.5.1", "pySigma-backend-sqlite==2.0.0", "pySigma-pipeline-sysmon==2.0.0",
        "pySigma-pipeline-windows==2.0.1", "evtx==0.14.0",
    ]

    static let python: Result<String, Failure> = {
        if let given = ProcessInfo.processInfo.environment["VIGIL_PYSIGMA_PYTHON"], !given.isEmpty { return .success(given) }
        let venv = SharedData.packageRoot() + "/.build/pysigma-venv"
        let python = venv + "/bin/python"
        let check = ["-c", "import sigma.backends.sqlite, sigma.pipelines.sysmon, sigma.pipelines.windows, evtx"]
        do {
            if (try? ProcessRunner.run(python, check))?.status == 0 { return .success(python) }
            let made = try ProcessRunner.run("/usr/bin/env", ["python3", "-m", "venv", venv])
            guard made.status == 0 else { return .failure(Failure(description: "python3 -m venv \(venv) failed: \(made.stderr)")) }
            let installed = try ProcessRunner.run(venv + "/bin/pip", ["install", "-q"] + requirements)
            guard installed.status == 0 else {
                return .failure(
                    Failure(
                        description: "pip install \(requirements.joined(separator: " ")) failed (PyPI unreachable?): "
                            + String(installed.stderr.suffix(1200))))
            }
            return .success(python)
        } catch {
            return .failure(Failure(description: "cannot run python3: \(error)"))
        }
    }()
}

@Suite struct PySigmaDifferentialTests {
    static let logs = ["logs/evtx-attack-samples", "logs/sysmon-json", "logs/sigma-regression"]
    static let rules = "rules/sigma/rules/windows"
    static var reviewed: String { SharedData.packageRoot() + "/Tests/Fixtures/pysigma-differences.yaml" }

    @Test func vigilAgreesWithPySigmaExceptTheReviewedDifferences() throws {
        let shared = SharedData.root()
        let logs = try Self.logs.map { try SharedData.path($0) }
        let rules = try SharedData.path(Self.rules)
        let python = try PySigma.python.get()
        let folder = NSTemporaryDirectory() + "vigil-pysigma-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = SharedData.packageRoot() + "/Tests/Support/pysigma_pairs.py"

        // The two sides are independent processes: run them at once on the two cores.
        nonisolated(unsafe) var peerRun: Result<VigilRun, Error>!
        nonisolated(unsafe) var vigilRun: Result<VigilRun, Error>!
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            peerRun = Result {
                try ProcessRunner.run(
                    python,
                    [script, "--shared", shared, "--rules", rules, "--pairs", folder + "/peer.tsv", "--report", folder + "/peer.json"]
                        + logs)
            }
        }
        DispatchQueue.global().async(group: group) {
            // The logs go before --rules: `--rules R LOGS` would read LOGS as more rules.
            vigilRun = Result { try ProcessRunner.vigil(["hunt"] + logs + ["--rules", rules, "--format", "jsonl", "--no-fields"]) }
        }
        group.wait()
        let peer = try peerRun.get()
        try #require(peer.status == 0, "pysigma_pairs.py failed: \(peer.stderr.suffix(3000))")
        let hunt = try vigilRun.get()
        try #require(hunt.status == 1, "vigil hunt exited \(hunt.status): \(hunt.stderr.suffix(2000))")
        try hunt.stdout.write(toFile: folder + "/vigil.jsonl", atomically: true, encoding: .utf8)

        // The peer's pairs, its figures and each rule's title.
        var peerPairs: [RuleEvent: String] = [:]
        for line in try String(contentsOfFile: folder + "/peer.tsv", encoding: .utf8).split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            peerPairs[RuleEvent(rule: c[0], event: c[1])] = "\(c[2]) \(c[3])"
        }
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/peer.json"))) as? [String: Any])
        let meta = report["rules_meta"] as? [String: [String: Any]] ?? [:]

        // Vigil's pairs, named the same way.
        var vigilPairs: [RuleEvent: String] = [:]
        for line in hunt.stdout.split(separator: "\n") {
            let d = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let rule = d["rule_id"] as? String, var file = d["file"] as? String, let n = d["line"] as? Int else { continue }
            if file.hasPrefix(shared + "/") { file.removeFirst(shared.count + 1) }
            vigilPairs[RuleEvent(rule: rule, event: "\(file):\(n)")] =
                "\(d["channel"] as? String ?? "") \(d["event_id"] as? String ?? "")"
        }

        let vigilOnly = Set(vigilPairs.keys).subtracting(peerPairs.keys)
        let peerOnly = Set(peerPairs.keys).subtracting(vigilPairs.keys)
        let agreed = Set(vigilPairs.keys).intersection(peerPairs.keys).count
        let reviewed = try ReviewedDifferences(text: String(contentsOfFile: Self.reviewed, encoding: .utf8))
        var listed: [String: Set<RuleEvent>] = ["vigil-only": [], "peer-only": []]
        var byCause: [String] = []
        for g in reviewed.groups {
            for (side, pair) in g.pairs { listed[side, default: []].insert(pair) }
            let present = g.pairs.filter { ($0.side == "vigil-only" ? vigilOnly : peerOnly).contains($0.pair) }.count
            byCause.append("\(g.cause) [\(g.status)] \(present)/\(g.count)")
            #expect(g.count == g.pairs.count, "\(g.cause): count \(g.count) but \(g.pairs.count) pairs listed")
            #expect(!g.why.isEmpty && !g.status.isEmpty, "\(g.cause): status and why are required")
        }
        let unexpected =
            vigilOnly.subtracting(listed["vigil-only"]!).map { ("vigil-only", $0, vigilPairs[$0]!) }
            + peerOnly.subtracting(listed["peer-only"]!).map { ("peer-only", $0, peerPairs[$0]!) }
        let stale =
            listed["vigil-only"]!.subtracting(vigilOnly).map { ("vigil-only", $0) }
            + listed["peer-only"]!.subtracting(peerOnly).map { ("peer-only", $0) }

        let figures = """
            pySigma differential: \(report["events"] ?? "?") events in \(report["files"] ?? "?") files; \
            rules \(report["rules"] ?? "?"), converted by the peer \(report["converted"] ?? "?"), failed \(report["failed"] ?? "?"); \
            pairs agreed \(agreed), vigil-only \(vigilOnly.count), peer-only \(peerOnly.count)
            by cause: \(byCause.joined(separator: "; "))
            inputs kept in \(folder) (draft a new file: python3 Tests/Support/pysigma_diff.py --peer \(folder)/peer.tsv \
            --report \(folder)/peer.json --vigil \(folder)/vigil.jsonl --shared \(shared))
            """
        print(figures)
        func title(_ rule: String) -> String { meta[rule]?["title"] as? String ?? "?" }
        let shown = unexpected.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(40)
            .map { "  \($0.0) \($0.1.rule) \(title($0.1.rule)) @ \($0.1.event) (\($0.2))" }
        #expect(
            unexpected.isEmpty,
            "\(unexpected.count) differences not in pysigma-differences.yaml (first 40):\n\(shown.joined(separator: "\n"))\n\(figures)")
        let shownStale = stale.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(40)
            .map { "  \($0.0) \($0.1.rule) \(title($0.1.rule)) @ \($0.1.event)" }
        #expect(
            stale.isEmpty,
            "\(stale.count) listed differences no longer differ (remove them; first 40):\n\(shownStale.joined(separator: "\n"))")
        #expect(report["events"] as? Int ?? 0 > 80_000)
        #expect(agreed > 2000)
    }
}
