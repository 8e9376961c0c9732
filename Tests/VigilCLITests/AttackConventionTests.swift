// Every `vigil attack` subcommand keeps the CLI's conventions: `--json` is `--format json` (same bytes, valid JSON),
// exit 0 success or nothing found, 1 findings, 2 bad input or usage; help that ArgumentParser wraps; counts whose
// nouns agree.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct AttackConventionTests {
    /// Runs the command with `--json` and with `--format json`: the same status (`status`), the same output, and
    /// that output parses as JSON. Returns it parsed.
    @discardableResult
    static func sameJSON(_ arguments: [String], status: Int32, environment: [String: String] = [:]) throws -> Any {
        let a = try VigilProcess.run(arguments + ["--json"], environment: environment)
        let b = try VigilProcess.run(arguments + ["--format", "json"], environment: environment)
        #expect(a.status == status, "\(arguments) --json: \(a.stderr)")
        #expect(b.status == status, "\(arguments) --format json: \(b.stderr)")
        #expect(a.stdout == b.stdout, "\(arguments): --json and --format json differ")
        return try #require(a.json, "\(arguments) --json printed \(a.stdout.prefix(300))")
    }

    /// Usage errors every subcommand shares: a format it does not write, and two formats at once.
    static func expectFormatUsageErrors(_ arguments: [String], environment: [String: String] = [:]) throws {
        let csv = try VigilProcess.run(arguments + ["--format", "csv"], environment: environment)
        #expect(csv.status == 2, "\(arguments) --format csv")
        #expect(csv.stderr.contains("--format table, json"), "\(csv.stderr)")
        #expect(try VigilProcess.run(arguments + ["--json", "--format", "table"], environment: environment).status == 2)
        #expect(try VigilProcess.run(arguments + ["--format", "yaml"], environment: environment).status == 2)
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "vigil-conventions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func info() throws {
        let json = try #require(try Self.sameJSON(["attack", "info"], status: 0) as? [String: Any])
        #expect((json["info"] as? [String: Any])?["version"] as? String == "18.1")
        let table = try VigilProcess.run(["attack", "info", "--format", "table"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("techniques             216 (+ 475 sub-techniques)"), "\(table.stdout)")
        try Self.expectFormatUsageErrors(["attack", "info"])
        #expect(try VigilProcess.run(["attack", "info", "--attack", "/no/such/bundle.json", "--json"]).status == 2)
        #expect(try VigilProcess.run(["attack", "info", "--domain", "mars"]).status == 2)
    }

    @Test func show() throws {
        let found = try #require(try Self.sameJSON(["attack", "show", "T1059.001"], status: 0) as? [String: Any])
        #expect((found["object"] as? [String: Any])?["name"] as? String == "PowerShell")
        // An ID that names nothing is bad input, in JSON too.
        let missing = try #require(try Self.sameJSON(["attack", "show", "T9999"], status: 2) as? [String: Any])
        #expect(missing["query"] as? String == "T9999")
        #expect(try VigilProcess.run(["attack", "show", "T1059.001", "--format", "table"]).status == 0)
        try Self.expectFormatUsageErrors(["attack", "show", "T1059.001"])
    }

    @Test func search() throws {
        let hits = try #require(try Self.sameJSON(["attack", "search", "mimikatz"], status: 0) as? [[String: Any]])
        #expect((hits.first?["ref"] as? [String: Any])?["id"] as? String == "S0002")
        // Nothing found is not a finding: exit 0, an empty list.
        let none = try #require(try Self.sameJSON(["attack", "search", "qqqzzzxxx"], status: 0) as? [Any])
        #expect(none.isEmpty)
        let table = try VigilProcess.run(["attack", "search", "qqqzzzxxx"])
        #expect(table.status == 0)
        #expect(table.stdout == "no matches\n")
        try Self.expectFormatUsageErrors(["attack", "search", "mimikatz"])
        #expect(try VigilProcess.run(["attack", "search", "x", "--kind", "planet"]).status == 2)
        // A limit below 1 is a usage error (a negative one crashed).
        #expect(try VigilProcess.run(["attack", "search", "x", "--limit", "0"]).status == 2)
        #expect(try VigilProcess.run(["attack", "search", "x", "--limit=-1"]).status == 2)
    }

    @Test func diff() throws {
        let same = try #require(try Self.sameJSON(["attack", "diff", "embedded", "embedded"], status: 0) as? [String: Any])
        #expect((same["added"] as? [Any])?.isEmpty == true)
        let old = try SharedData.path("attack/enterprise-attack-17.1.stix20.json.gz")
        let changed = try #require(try Self.sameJSON(["attack", "diff", old, "embedded"], status: 1) as? [String: Any])
        #expect((changed["added"] as? [Any])?.isEmpty == false)
        #expect(try VigilProcess.run(["attack", "diff", old, "embedded", "--format", "table"]).status == 1)
        // `embedded` takes the other bundle's domain: MITRE's ICS 18.1 against the index built from it.
        let ics = try SharedData.path("attack/ics-attack-18.1.json.gz")
        #expect(try VigilProcess.run(["attack", "diff", ics, "embedded"]).status == 0)
        #expect(try VigilProcess.run(["attack", "diff", ics, "embedded", "--domain", "enterprise"]).status == 2)
        #expect(try VigilProcess.run(["attack", "diff", ics, try SharedData.path("attack/mobile-attack-18.1.json.gz")]).status == 2)
        #expect(try VigilProcess.run(["attack", "diff", "/no/such.json", "embedded"]).status == 2)
        #expect(try VigilProcess.run(["attack", "diff", "embedded", "embedded", "--domain", "mars"]).status == 2)
        try Self.expectFormatUsageErrors(["attack", "diff", "embedded", "embedded"])
    }

    @Test func crosswalk() throws {
        let resolved = try #require(try Self.sameJSON(["attack", "crosswalk", "T1685"], status: 0) as? [[String: Any]])
        #expect(resolved.first?["resolved"] as? String == "T1562.001")
        // An ID that resolves nowhere is a finding.
        let unresolved = try #require(try Self.sameJSON(["attack", "crosswalk", "T1687"], status: 1) as? [[String: Any]])
        #expect(unresolved.first?["outcome"] as? String == "unknown")
        // Without IDs: the built-in crosswalk, as YAML or as JSON with the YAML's keys.
        let built = try #require(try Self.sameJSON(["attack", "crosswalk"], status: 0) as? [String: Any])
        let entries = try #require(built["crosswalks"] as? [[String: Any]])
        #expect(built["format"] as? Int == 1)
        #expect((entries.first?["revoked"] as? [String: String])?["T1562.001"] == "T1685")
        #expect(entries.first?["from"] as? String == "18.1")
        let yaml = try VigilProcess.run(["attack", "crosswalk"])
        #expect(yaml.status == 0 && yaml.stdout.contains("T1562.001: T1685"))
        #expect(try VigilProcess.run(["attack", "crosswalk", "T1685", "--crosswalk", "/no/such.yaml"]).status == 2)
        try Self.expectFormatUsageErrors(["attack", "crosswalk", "T1685"])
    }

    @Test func importCommand() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["XDG_DATA_HOME": home]
        let ics = try SharedData.path("attack/ics-attack-18.1.json.gz")
        let rows = try #require(try Self.sameJSON(["attack", "import", ics], status: 0, environment: env) as? [[String: Any]])
        #expect(rows.first?["installed"] as? String == home + "/vigil/attack/ics-attack-18.1.json.gz")
        #expect(rows.first?["techniques"] as? Int == 83)
        #expect(rows.first?["inUse"] as? Bool == true)
        let broken = home + "/broken.json"
        try Data("{\"type\": \"bundle\", \"objects\": [".utf8).write(to: URL(fileURLWithPath: broken))
        // One good and one broken bundle: the good one installs, the run exits 2.
        let mixed = try #require(try Self.sameJSON(["attack", "import", ics, broken], status: 2, environment: env) as? [[String: Any]])
        #expect(mixed.count == 2 && mixed[0]["error"] == nil && mixed[1]["error"] != nil)
        #expect(try VigilProcess.run(["attack", "import", "/no/such.json"], environment: env).status == 2)
        try Self.expectFormatUsageErrors(["attack", "import", ics], environment: env)
    }

    @Test func update() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/mirror/ics-attack", withIntermediateDirectories: true)
        let ics = try FileBytes.readInflating(try SharedData.path("attack/ics-attack-18.1.json.gz"))
        try Data(ics).write(to: URL(fileURLWithPath: home + "/mirror/ics-attack/ics-attack.json"))
        let mirror = try Mirror(serving: home + "/mirror")
        defer { mirror.stop() }
        let env = ["XDG_DATA_HOME": home + "/data"]
        let report = try #require(
            try Self.sameJSON(["attack", "update", "--base-url", mirror.url, "--domain", "ics"], status: 0, environment: env)
                as? [String: Any])
        let installed = try #require(report["installed"] as? [[String: Any]])
        #expect(installed.first?["installed"] as? String == home + "/data/vigil/attack/ics-attack-18.1.json")
        #expect(installed.first?["bytes"] as? Int == ics.count)
        // The mirror has no Mobile bundle (404): ICS still installs, the run exits 2 and names the failure.
        let partial = try #require(
            try Self.sameJSON(
                ["attack", "update", "--base-url", mirror.url, "--domain", "ics", "--domain", "mobile"], status: 2, environment: env)
                as? [String: Any])
        #expect((partial["installed"] as? [Any])?.count == 1)
        #expect((partial["failures"] as? [[String: Any]])?.first?["code"] as? String == "attack-download")
        let table = try VigilProcess.run(["attack", "update", "--base-url", mirror.url, "--domain", "ics"], environment: env)
        #expect(table.status == 0)
        #expect(table.stdout.contains("installed ATT&CK ICS 18.1 (\(ics.count) bytes) → \(home)/data/vigil/attack/ics-attack-18.1.json"))
        // Port 9 (discard) on loopback has no listener.
        #expect(
            try VigilProcess.run(["attack", "update", "--base-url", "http://127.0.0.1:9", "--domain", "ics"], environment: env).status == 2)
        #expect(try VigilProcess.run(["attack", "update", "--domain", "mars"], environment: env).status == 2)
        #expect(try VigilProcess.run(["attack", "update", "--timeout", "0"], environment: env).status == 2)
        try Self.expectFormatUsageErrors(["attack", "update", "--base-url", mirror.url, "--domain", "ics"], environment: env)
    }

    @Test func buildIndex() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let ics = try SharedData.path("attack/ics-attack-18.1.json.gz")
        let indexed = try #require(try Self.sameJSON(["attack", "build-index", ics], status: 0) as? [[String: Any]])
        #expect(indexed.first?["domain"] as? String == "ics-attack")
        #expect(indexed.first?["version"] as? String == "18.1")
        let text = home + "/ics.index"
        #expect(try VigilProcess.run(["attack", "build-index", ics, "--text", text]).status == 0)
        #expect(FileBytes.exists(text))
        #expect(try VigilProcess.run(["attack", "build-index", "/no/such.json"]).status == 2)
        #expect(try VigilProcess.run(["attack", "build-index", ics, "--text", "/proc/no/such/folder/x"]).status == 2)
        try Self.expectFormatUsageErrors(["attack", "build-index", ics])
    }

    /// A bundle with one tactic, one technique, one sub-technique and one relationship: no "1 techniques".
    @Test func countsAgreeWithTheirNouns() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let bundle = home + "/enterprise-attack-1.0.json"
        try Data(Self.oneOfEach.utf8).write(to: URL(fileURLWithPath: bundle))
        let env = ["XDG_DATA_HOME": home + "/data"]
        let imported = try VigilProcess.run(["attack", "import", bundle], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("installed ATT&CK Enterprise 1.0 (1 technique) → "), "\(imported.stdout)")
        let info = try VigilProcess.run(["attack", "info"], environment: env)
        #expect(info.stdout.contains("techniques             1 (+ 1 sub-technique)\n"), "\(info.stdout)")
        let indexed = try VigilProcess.run(["attack", "build-index", bundle])
        #expect(indexed.stdout == "indexed ATT&CK Enterprise 1.0: 3 objects, 1 relationship\n", "\(indexed.stdout)")
    }

    static let oneOfEach = """
        {"type": "bundle", "id": "bundle--1", "objects": [
          {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "spec_version": "2.1", "name": "Enterprise ATT&CK",
           "x_mitre_version": "1.0", "modified": "2026-01-01T00:00:00.000Z"},
          {"type": "x-mitre-tactic", "id": "x-mitre-tactic--1", "spec_version": "2.1", "name": "Execution",
           "x_mitre_shortname": "execution", "x_mitre_domains": ["enterprise-attack"],
           "external_references": [{"source_name": "mitre-attack", "external_id": "TA0002"}]},
          {"type": "attack-pattern", "id": "attack-pattern--1", "spec_version": "2.1", "name": "Only Technique",
           "x_mitre_domains": ["enterprise-attack"], "x_mitre_is_subtechnique": false,
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
           "external_references": [{"source_name": "mitre-attack", "external_id": "T0001"}]},
          {"type": "attack-pattern", "id": "attack-pattern--2", "spec_version": "2.1", "name": "Only Sub-technique",
           "x_mitre_domains": ["enterprise-attack"], "x_mitre_is_subtechnique": true,
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
           "external_references": [{"source_name": "mitre-attack", "external_id": "T0001.001"}]},
          {"type": "relationship", "id": "relationship--1", "spec_version": "2.1", "relationship_type": "subtechnique-of",
           "source_ref": "attack-pattern--2", "target_ref": "attack-pattern--1"}
        ]}
        """

    /// The console example in README.md's `vigil attack` section, run: each command's output as shown (up to a
    /// line "..."), and its status as a trailing `# exit N` or a following `echo $?` gives it.
    @Test func theReadmeExamplesPrintWhatTheReadmeShows() throws {
        let readme = try String(contentsOfFile: SharedData.packageRoot() + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "## `vigil attack`"))
        let section = readme[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        let block = try #require(
            section[..<end].components(separatedBy: "```console\n").dropFirst().first?.components(separatedBy: "```").first)
        var steps: [(command: String, shown: [String])] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("$ ") {
                steps.append((String(line.dropFirst(2)), []))
            } else if !steps.isEmpty {
                steps[steps.count - 1].shown.append(line)
            }
        }
        #expect(steps.count >= 3)
        var last: VigilRun?
        for step in steps {
            if step.command == "echo $?" {
                #expect(last.map { "\($0.status)" } == step.shown.first, "README: \(step.shown)")
                continue
            }
            // "vigil … # exit 0": the command, and the status the README gives it.
            let parts = step.command.components(separatedBy: " # ")
            let arguments = parts[0].split(separator: " ").map(String.init)
            #expect(arguments.first == "vigil")
            let r = try VigilProcess.run(Array(arguments.dropFirst()))
            if parts.count > 1, let code = parts[1].split(separator: " ").dropFirst().first {
                #expect("\(r.status)" == code.trimmingCharacters(in: .punctuationCharacters), "\(step.command)")
            }
            let shown = step.shown.filter { !$0.isEmpty }
            let printed = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let cut = shown.firstIndex(of: "...") {
                #expect(Array(printed.prefix(cut)) == Array(shown.prefix(cut)), "\(step.command)")
            } else {
                #expect(printed.filter { !$0.isEmpty } == shown, "\(step.command)")
            }
            last = r
        }
    }

    static let subcommands = ["", "info", "show", "search", "diff", "crosswalk", "import", "update", "build-index"]

    /// Help text is ArgumentParser's to wrap: at 80 and at 200 columns, a line breaks only where the next word
    /// would not have fitted on it (a break written into the text shows up at 200 columns).
    @Test(arguments: subcommands) func helpIsWrappedByArgumentParserOnly(_ subcommand: String) throws {
        for width in [80, 200] {
            let arguments = ["attack"] + (subcommand.isEmpty ? [] : [subcommand]) + ["--help"]
            let r = try VigilProcess.run(arguments, environment: ["COLUMNS": "\(width)"])
            #expect(r.status == 0)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (first, next) in zip(lines, lines.dropFirst()) where !first.isEmpty && !next.isEmpty {
                let indent = next.prefix { $0 == " " }.count
                let body = next.dropFirst(indent)
                // A new option, argument or subcommand entry, or a section heading, starts a line of its own.
                if indent == 2 || (indent == 0 && body.hasSuffix(":")) || first.hasPrefix("USAGE:") { continue }
                let word = body.prefix { $0 != " " }
                #expect(
                    first.count + 1 + word.count >= width,
                    "\(arguments.joined(separator: " ")) at \(width) columns breaks before \"\(word)\" with room left:\n\(first)\n\(next)")
            }
        }
    }
}
