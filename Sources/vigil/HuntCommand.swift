// `vigil hunt`: run Sigma rules over event logs and print detections and a summary.
import ArgumentParser
import VigilAttack
import VigilConvert
import VigilCore
import VigilCoverage
import VigilEngines
import VigilHunt
import VigilLogs
import VigilSigma
import VigilStore

#if canImport(Glibc)
    import Glibc
#endif

struct HuntCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hunt", abstract: "Run Sigma rules over event logs (EVTX, JSON, Zeek, Linux audit, syslog, CSV; plain or gzip).",
        discussion: Help.reflow(
            """
            Each detection names the rule (id, title, level, status, ATT&CK techniques and tactics) and the event
            (timestamp, computer, channel, event id, record id, fields). A summary by level, tactic and technique ends the run,
            with the rules that did not run, once per logsource: logsources nothing maps, and logsources with no event in these logs.
            Formats, told by content (a .csv or .tsv name: CSV):
              EVTX; JSON (NDJSON, arrays, evtx_dump output, flat exports, AWS CloudTrail with or without {"Records": [...]},
                Sentinel/Log Analytics rows: SecurityEvent, Event, AuditLogs, SigninLogs, OfficeActivity, Syslog, Defender);
              Zeek TSV (#fields headers) and JSON; Linux audit text (records joined by audit id); syslog (RFC 3164/5424);
              Sysmon for Linux XML inside syslog; CSV with a header row.
            A rule runs only on the events of its logsource: Windows channels and event IDs, and for other sources the
            channels Vigil's readers give (linux/auditd, linux/syslog, Linux-Sysmon/Operational, zeek/<log>,
            aws/cloudtrail, azure/auditlogs, azure/signinlogs, m365/audit, …); --mapping adds logsources and event-sources.
            With --engine the rules run where the logs are, converted to SQL for the table's
            columns (see `vigil convert`), in batches:
              --engine clickhouse --connect http://host:8123/ --table db.events
              --engine spark --connect local[4]|spark://host:7077|yarn|sc://host:15002 --table events
              --engine duckdb --connect file.duckdb --table events
            Spark and DuckDB are driven through their Python clients (pip install pyspark
            or duckdb; --python chooses the interpreter); --load FILE first loads `vigil
            export` JSON lines as the table. Rules the target cannot express, and rules whose
            every branch needs a column the table lacks, are listed and skipped.
            `vigil hunt plan` (see its --help) writes the checklist for hunting a technique, tactic or actor.
            Exit status: 0 no detections, 1 detections, 2 error.
            """),
        subcommands: [HuntPlanCommand.self])

    @Option(
        name: .customLong("rules"),
        help: "A Sigma rule file or folder; repeat for more. Default: the rules `vigil rules update` installed.")
    var rules: [String] = []

    @Argument(help: "Log files or folders (none with --engine).")
    var logs: [String] = []

    @Option(help: "Run on an engine instead of local logs: clickhouse, spark or duckdb.")
    var engine: String?

    @Option(help: "Engine table holding the events (flat layout, as `vigil export` writes).")
    var table: String = "events"

    @Option(help: "Engine address: ClickHouse HTTP URL, Spark master or sc:// URL, DuckDB database file.")
    var connect: String?

    @Option(help: "Spark/DuckDB: load this JSON-lines file (vigil export) as the table first.")
    var load: String?

    @Option(help: "Spark/DuckDB: the Python interpreter with pyspark or duckdb installed.")
    var python: String = "python3"

    @Option(help: "Engine: rules per query.")
    var batch: Int = 100

    @Option(help: "Lowest rule level to run: informational, low, medium, high, critical.")
    var minLevel: String = "informational"

    @Option(help: "A rule status to run (default: all); repeat for more.")
    var status: [String] = []

    @Option(help: "Run only rules whose id or title matches this pattern (* and ? allowed); repeat for more.")
    var include: [String] = []

    @Option(help: "Skip rules whose id or title matches this pattern; repeat for more.")
    var exclude: [String] = []

    @Option(help: "Output format: table, json, jsonl or csv (the summary goes to standard error for all but table).")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    @OptionGroup var sigmaInputs: SigmaInputs

    @OptionGroup var threat: ThreatOptions

    @Option(
        help: ArgumentHelp(
            "Write the techniques the detections map to as an ATT&CK Navigator 4.5 layer (score = detections; hosts, times, rules), with the closest known groups.",
            valueName: "file"))
    var layer: String?

    @Option(help: "Matching threads.")
    var threads: Int = 2

    @Flag(
        help:
            "Record the hunt in the history store: its rules, inputs, detections with their events, observed techniques (see `vigil serve`)."
    )
    var save = false

    @Option(help: "Label for the saved hunt.") var label: String?

    @OptionGroup var store: StoreOptions

    @Flag(help: "Omit the event fields from each detection.")
    var noFields = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json, .jsonl, .csv])
        guard let minimum = Severity(lenient: minLevel) else {
            printError("unknown level '\(minLevel)'")
            throw ExitCode(2)
        }
        let (values, logsources) = try sigmaInputs.load()
        let started = Clock.now
        let collection = RuleLoader.load(try InstalledRules.required(rules), placeholders: values)
        let statuses = Set(status.map { $0.lowercased() })
        let filtered = collection.rules.filter { rule in
            (rule.level ?? .medium) >= minimum
                && (statuses.isEmpty || statuses.contains(rule.status?.rawValue ?? ""))
                && (include.isEmpty || include.contains { Self.glob($0, rule) })
                && !exclude.contains { Self.glob($0, rule) }
        }
        // ATT&CK is loaded only when the hunt speaks it: a selection by technique, tactic or actor, or a layer.
        let kb = threat.selects || layer != nil || save ? try threat.attack.load() : nil
        var (selected, selection) = try kb.map { try threat.choose(filtered, kb: $0) } ?? (filtered, nil)
        if let engine {
            try runOnEngine(engine, selected, collection, logsources, format: format)
            return
        }
        let ruleSet = RuleSet(rules: selected, filters: collection.filters, correlations: collection.correlations, mapping: logsources)
        let compileSeconds = Clock.seconds(since: started)
        let rejected = collection.diagnostics.filter { $0.severity == .error } + ruleSet.diagnostics.filter { $0.severity == .error }
        for d in rejected.prefix(20) { printError("rule rejected: \(d.location): \(d.message) [\(d.code)]") }
        if rejected.count > 20 { printError("… \(rejected.count - 20) more rejected rules (see `vigil rules check`)") }
        if selection != nil { ThreatOptions.report(&selection!, ruleSet: ruleSet) }
        if ruleSet.activeRules.isEmpty {
            printError("no runnable rules")
            throw ExitCode(2)
        }
        // What the detections map to in ATT&CK, for --layer: each rule's tags resolved once.
        var observed = ObservedTechniques()
        var ruleTechniques: [[String]] = []
        if let kb, layer != nil || save {
            let crosswalk = try threat.attack.loadCrosswalk()
            var resolver = selection ?? AttackRuleSelection(techniques: [], tactics: [], actors: [], kb: kb, crosswalk: crosswalk)
            ruleTechniques = ruleSet.rules.map { resolver.techniques(of: $0) }
        }
        let (files, missing) = LogReader.logFiles(logs)
        for d in missing { printError("\(d)") }
        if files.isEmpty {
            printError("no log files found")
            throw ExitCode(2)
        }
        var report = EventStreamReport()
        var progress = ProgressLine()
        var output = DetectionWriter(format: format, ruleSet: ruleSet, quiet: quiet)
        output.begin()
        let huntStart = Clock.now
        let cpuStart = Clock.cpuSeconds
        let sources = try sigmaInputs.eventSources()
        /// The hunt itself; `record`, when saving, stores each detection as it is found.
        func hunt(_ record: ((Detection) throws -> Void)?) throws -> HuntResult {
            var failure: Error?
            let result = Hunt.run(
                files, ruleSet: ruleSet, threads: threads, collectFields: record != nil || (!noFields && format != .table),
                sources: sources, report: &report, onProgress: { progress.update($0) }
            ) { found in
                // Detections go to stdout, which may be the same terminal: erase the progress line before them.
                if !quiet { progress.clear() }
                output.write(found)
                for d in found where !ruleTechniques.isEmpty {
                    observed.add(
                        techniques: ruleTechniques[d.rule], rule: ruleSet.rules[d.rule].title, host: d.location.computer,
                        time: d.location.timestamp)
                }
                guard let record, failure == nil else { return }
                do { for d in found { try record(d) } } catch { failure = error }
            }
            if let failure { throw failure }
            return result
        }
        let result: HuntResult
        if save, let kb {
            result = try saveHunt(kb: kb, ruleSet: ruleSet, techniques: ruleTechniques, files: files) { record in
                let result = try hunt(record)
                return (result, report.events, observed)
            }
        } else {
            result = try hunt(nil)
        }
        output.write(correlations: result.correlationHits, result.correlator)
        output.end()
        progress.clear()
        let seconds = Clock.seconds(since: huntStart)
        let cpuSeconds = Clock.cpuSeconds - cpuStart
        for d in report.diagnostics.prefix(50) { printError("\(d)") }
        output.summary(
            hitsPerRule: result.hitsPerRule, report: report, seconds: seconds, cpuSeconds: cpuSeconds, compileSeconds: compileSeconds,
            rulesLoaded: collection.rules.count,
            rulesRunning: ruleSet.activeRules.count, rejected: rejected.count,
            idle: LogsourceReport.lines(unmapped: ruleSet.unmappedLogsources, withoutEvents: result.logsourcesWithoutEvents))
        if let kb, let layer { try writeLayer(observed, kb: kb, to: layer, format: format) }
        if report.read.files == 0 && !files.isEmpty { throw ExitCode(2) }
        if output.count > 0 { throw ExitCode(1) }
    }

    /// The groups to compare the observed techniques with: --actor's, or all ATT&CK groups.
    func groupCandidates(_ kb: KnowledgeBase) -> [Int]? {
        guard !threat.actors.isEmpty else { return nil }
        return threat.actors.compactMap { kb.lookup($0).index }.filter { [.group, .campaign, .software].contains(kb.objects[$0].kind) }
    }

    /// Runs `hunt` inside the store's transaction that records it: each detection is written as it is found.
    func saveHunt(
        kb: KnowledgeBase, ruleSet: RuleSet, techniques: [[String]], files: [String],
        _ hunt: (@escaping (Detection) throws -> Void) throws -> (HuntResult, Int, ObservedTechniques)
    ) throws -> HuntResult {
        let history = try store.open()
        let rules = ruleSet.rules.enumerated().map { i, rule in
            HuntRule(
                id: rule.id, title: rule.title, level: (rule.level ?? .medium).rawValue,
                techniques: i < techniques.count ? techniques[i] : [],
                tactics: rule.tactics)
        }
        var inputs = [
            "rules": (try? InstalledRules.required(self.rules).joined(separator: " ")) ?? "", "logs": logs.joined(separator: " "),
        ]
        let selectors =
            threat.techniques.map { "technique \($0)" } + threat.tactics.map { "tactic \($0)" } + threat.actors.map { "actor \($0)" }
        if !selectors.isEmpty { inputs["selection"] = selectors.joined(separator: ", ") }
        var result: HuntResult?
        do {
            let saved = try history.recordHunt(label: label, inputs: inputs, rules: rules) { recorder in
                let (huntResult, events, observed) = try hunt { d in
                    try recorder.add(
                        StoredDetection(
                            rule: d.rule, level: rules[d.rule].level, timestamp: d.location.timestamp, computer: d.location.computer,
                            channel: d.location.channel, eventID: d.location.eventID, recordID: d.location.recordID, file: d.location.file,
                            line: d.location.line, fields: d.fields.map { [$0.name, $0.value] }))
                }
                result = huntResult
                return (events, observed.techniques(kb: kb), observed.closestGroups(kb: kb, candidates: groupCandidates(kb)))
            }
            printError("saved \(saved.name) (\(counted(saved.detections, "detection"))) to \(store.path)")
        } catch let error as StoreError {
            Output.error("cannot save the hunt: \(error)")
            throw ExitCode.badInput
        }
        return result!
    }

    /// The observed techniques as a layer, and the closest known groups (among --actor's when given) in the summary.
    func writeLayer(_ observed: ObservedTechniques, kb: KnowledgeBase, to path: String, format: OutputFormat) throws {
        let groups = observed.closestGroups(kb: kb, candidates: groupCandidates(kb))
        var lines = ["", "observed techniques: \(observed.techniques(kb: kb).count), written to \(path)"]
        if !groups.isEmpty {
            lines.append("closest known groups (Jaccard similarity of techniques, parents for sub-techniques; a lead, not attribution):")
            for g in groups.prefix(5) {
                lines.append(
                    "  \(g.id) \(g.name): \(g.similarity) — shares \(g.shared.count) of \(g.shared.count + g.lacks.count) observed (\(g.shared.prefix(6).joined(separator: ", "))\(g.shared.count > 6 ? ", …" : "")), uses \(g.groupTechniques)"
                )
            }
        }
        let text = lines.joined(separator: "\n")
        if format == .table { print(text) } else { printError(text) }
        do {
            try CoverageRun.write(observed.layer(kb: kb, name: "Vigil hunt — observed techniques", groups: groups), to: path)
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
    }

    /// `--engine`: convert, run in batches on the engine, print the detections as for local logs.
    func runOnEngine(
        _ name: String, _ rules: [SigmaRule], _ collection: RuleCollection, _ mapping: LogsourceMapping, format: OutputFormat
    ) throws {
        guard let target = ConversionTarget(rawValue: name.lowercased()), target.sqlDialect != nil else {
            printError("unknown engine '\(name)' (clickhouse, spark or duckdb)")
            throw ExitCode(2)
        }
        if !logs.isEmpty { printError("note: log arguments are ignored with --engine (the events are in the table)") }
        let started = Clock.now
        let report: EngineHuntReport
        do throws(EngineError) {
            let session: QueryEngine =
                target == .clickhouse
                ? try ClickHouseHTTP(url: connect ?? "http://localhost:8123/")
                : try PythonEngine(engine: target.rawValue, python: python, connect: connect, table: table, load: load)
            defer { session.close() }
            report = try EngineHunt.run(
                rules, engine: session, target: target, table: table, mapping: mapping, filters: collection.filters,
                correlations: collection.correlations, batchSize: batch, collectFields: !noFields && format != .table)
        } catch {
            printError("\(target.rawValue): \(error.message)")
            throw ExitCode(2)
        }
        for (rule, reason) in report.refused { printError("rule refused: \(rules[rule].location): \(rules[rule].title): \(reason)") }
        for (c, reason) in report.correlationsSkipped {
            let correlation = collection.correlations[c]
            printError("correlation skipped: \(correlation.location): \(correlation.title): \(reason)")
        }
        for (rule, missing) in report.unmatchable {
            printError("rule skipped: \(rules[rule].title): the table has no column \(missing.joined(separator: ", "))")
        }
        for (batch, message) in report.failed {
            printError(
                "query failed for \(counted(batch.count, "rule")) (\(batch.prefix(3).map { rules[$0].title }.joined(separator: "; "))…): \(message)"
            )
        }
        let ruleSet = RuleSet(rules: rules, mapping: mapping)
        var output = DetectionWriter(format: format, ruleSet: ruleSet, quiet: quiet)
        output.begin()
        output.write(report.detections)
        output.write(correlations: report.correlationHits, Correlator(correlations: collection.correlations, rules: rules))
        output.end()
        let lines = [
            "", "== summary ==",
            "engine: \(target.rawValue), table \(table): \(counted(report.rulesRun, "rule")) in \(report.queries) quer\(report.queries == 1 ? "y" : "ies"), \(format3(Clock.seconds(since: started))) s",
            "rules: \(rules.count) selected, \(report.refused.count) refused, \(report.unmatchable.count) without their columns, \(report.failed.reduce(0) { $0 + $1.rules.count }) in failed queries"
                + (collection.correlations.isEmpty
                    ? "" : "; correlations: \(report.correlationsRun) run, \(report.correlationsSkipped.count) skipped"),
            "detections: \(output.count)",
        ]
        let text = lines.joined(separator: "\n")
        if format == .table { print(text) } else { printError(text) }
        if report.rulesRun > 0 && report.failed.count == report.queries && report.queries > 0 { throw ExitCode(2) }
        if output.count > 0 { throw ExitCode(1) }
    }

    static func glob(_ pattern: String, _ rule: SigmaRule) -> Bool {
        Glob.matches(pattern, rule.id ?? "") || Glob.matches(pattern.lowercased(), rule.title.lowercased())
    }
}

/// Writes to standard error, unprefixed (the hunt and rules commands report progress here).
func printError(_ text: String, newline: Bool = true) { _ = WriteAll.text(newline ? text + "\n" : text, to: 2) }

/// Hunt's detections through the one record writer: the same keys in every format; the table shows a few.
struct DetectionWriter {
    static let keys = [
        "kind", "timestamp", "computer", "channel", "event_id", "record_id", "level", "status", "rule_id", "rule_title", "techniques",
        "tactics", "file", "line", "fields",
    ]

    let format: OutputFormat
    let ruleSet: RuleSet
    let quiet: Bool
    private var records: RecordWriter
    private(set) var count = 0
    var byLevel: [Severity: Int] = [:]
    var byTactic: [String: Int] = [:]
    var byTechnique: [String: Int] = [:]

    init(format: OutputFormat, ruleSet: RuleSet, quiet: Bool) {
        self.format = format
        self.ruleSet = ruleSet
        self.quiet = quiet
        let colour = isatty(1) != 0
        records = RecordWriter(
            format: format.records, keys: Self.keys,
            table: [
                TableColumn("TIMESTAMP", key: "timestamp", width: 27),
                TableColumn(
                    "LEVEL", key: "level", width: 13,
                    style: { cell, value in
                        guard colour, let level = Severity(rawValue: value) else { return cell }
                        return DetectionWriter.paint(level) + cell + "\u{1B}[0m"
                    }),
                TableColumn("COMPUTER", key: "computer", width: 20), TableColumn("EVENT", key: "event_id", width: 6),
                TableColumn("RULE") { $0["rule_title"] },
            ], emit: { print($0, terminator: "") })
    }

    mutating func begin() { if !quiet { records.begin() } }
    mutating func end() { if !quiet { records.end() } }

    mutating func write(_ detections: [Detection]) {
        for d in detections {
            let rule = ruleSet.rules[d.rule]
            count += 1
            let level = rule.level ?? .medium
            byLevel[level, default: 0] += 1
            for t in rule.tactics { byTactic[t, default: 0] += 1 }
            for t in rule.techniques { byTechnique[t.description, default: 0] += 1 }
            guard !quiet else { continue }
            let at = d.location
            records.write([
                .text("rule"), .text(at.timestamp), .text(at.computer), .text(at.channel), .text(at.eventID), .text(at.recordID),
                .text(level.rawValue), .text(rule.status?.rawValue), .text(rule.id), .text(rule.title),
                .list(rule.techniques.map(\.description)), .list(rule.tactics), .text(at.file), .number(at.line), .pairs(d.fields),
            ])
        }
    }

    /// Correlation firings as rows of kind "correlation": the rule columns name the correlation, the computer
    /// column holds the group, and the fields its type, window and value.
    mutating func write(correlations hits: [CorrelationHit], _ correlator: Correlator) {
        for hit in hits {
            let c = correlator.correlations[hit.correlation]
            let level = c.level ?? .medium
            count += 1
            byLevel[level, default: 0] += 1
            guard !quiet else { continue }
            let first = Timestamp.iso(hit.firstTimestamp)
            let last = Timestamp.iso(hit.lastTimestamp)
            let group = hit.group.joined(separator: ",")
            records.write([
                .text("correlation"), .text(last), .text(group), .text(nil), .text(nil), .text(nil), .text(level.rawValue),
                .text(c.status?.rawValue), .text(c.id), .text(c.title), .list([]), .list([]), .text(nil), .text(nil),
                .pairs([("type", c.type.rawValue), ("first", first), ("last", last), ("group", group), ("value", String(hit.value))]),
            ])
        }
    }

    func summary(
        hitsPerRule: [Int], report: EventStreamReport, seconds: Double, cpuSeconds: Double, compileSeconds: Double, rulesLoaded: Int,
        rulesRunning: Int, rejected: Int, idle: [String] = []
    ) {
        var lines: [String] = []
        lines.append("")
        lines.append("== summary ==")
        let rate = seconds > 0 ? Int(Double(report.events) / seconds) : 0
        lines.append(
            "rules: \(rulesLoaded) loaded, \(rulesRunning) running, \(rejected) rejected (compiled in \(format3(compileSeconds)) s)")
        let perCPU = cpuSeconds > 0 ? Int(Double(report.events) / cpuSeconds) : 0
        lines.append(
            "events: \(report.events) in \(counted(report.read.files, "file")), \(report.bad) bad, \(format3(seconds)) s (\(rate) events/s; \(format3(cpuSeconds)) CPU s, \(perCPU) events per CPU second)"
        )
        lines += idle
        lines.append("detections: \(count)")
        for level in Severity.allCases.reversed() where byLevel[level] != nil {
            lines.append("  \(pad(level.rawValue, 14)) \(byLevel[level]!)")
        }
        if !byTactic.isEmpty {
            lines.append("by tactic:")
            for (t, n) in byTactic.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                lines.append("  \(pad(t, 22)) \(n)")
            }
        }
        if !byTechnique.isEmpty {
            lines.append("by technique (top 15):")
            for (t, n) in byTechnique.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(15) {
                lines.append("  \(pad(t, 12)) \(n)")
            }
        }
        let top = hitsPerRule.enumerated().filter { $0.element > 0 }.sorted {
            $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset
        }.prefix(15)
        if !top.isEmpty {
            lines.append("by rule (top 15):")
            for (i, n) in top { lines.append("  \(pad(String(n), 7)) \(ruleSet.rules[i].title)") }
        }
        // The summary goes to stderr for machine formats so stdout stays parseable.
        let text = lines.joined(separator: "\n")
        if format == .table { print(text) } else { printError(text) }
    }

    static func paint(_ level: Severity) -> String {
        switch level {
        case .critical: "\u{1B}[1;31m"
        case .high: "\u{1B}[31m"
        case .medium: "\u{1B}[33m"
        case .low: "\u{1B}[32m"
        case .informational: "\u{1B}[2m"
        }
    }

}

func q(_ s: String?) -> String { s.map(JSONString.quoted) ?? "null" }

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
