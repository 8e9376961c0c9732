// `vigil timeline`: detections (and chosen plain events) from many logs and hosts in one time order.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs
import VigilSigma

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "Sort Sigma detections and chosen events by time across files and hosts.",
        discussion: Help.reflow(
            """
            Runs Sigma rules over logs (EVTX; JSON; Zeek TSV; Linux audit;
            syslog; CSV; plain or gzip: see `vigil hunt --help`) and puts every
            detection on one timeline, sorted by time across all files and hosts,
            with the rule's level and its ATT&CK tactics and techniques.

            --events adds every event of the channels named, with all or some of
            their event IDs, as entries of their own (kind "event"), whether or
            not a rule fired on them:
              --events Security:4624,4625 --events Microsoft-Windows-Sysmon/Operational:1
              --events Security             (every Security event)
            With --events, --rules may be left out.

            Times are shown in UTC (ISO 8601, microseconds, Z). EVTX SystemTime,
            Sysmon UtcTime and offsets (+02:00) are read; entries whose event has
            no readable time come last.

            Formats:
              table       one line per entry, then summaries by host and tactic
              csv         one row per entry (header first)
              jsonl       one JSON object per entry
              timesketch  CSV for Timesketch's importer: message, datetime,
                          timestamp_desc, timestamp (microseconds), then the
                          other columns; entries without a time are left out
            Summaries go to standard output for table, to standard error for the
            others, so that standard output stays one format.

            Examples:
              vigil timeline logs/ --rules sigma/rules/windows --min-level high
              vigil timeline logs/ --rules rules/ --events Security:4624,4625 \\
                --format timesketch > timeline.csv

            Exit status: 0 no entries, 1 entries, 2 bad arguments, no runnable
            rules or no readable logs.
            """))

    @Argument(help: "Log files or folders (EVTX, JSON, NDJSON; .gz allowed).")
    var logs: [String]

    @Option(
        name: .customLong("rules"),
        help: "A Sigma rule file or folder; repeat for more. Default: the rules `vigil rules update` installed.")
    var rules: [String] = []

    @Option(help: "Plain events to add: Channel or Channel:ID,ID …; repeat for more channels.")
    var events: [String] = []

    @Option(help: "Output format: table, json, jsonl, csv or timesketch.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    @Option(help: "Lowest rule level to run: informational, low, medium, high, critical.")
    var minLevel: String = "informational"

    @OptionGroup var sigmaInputs: SigmaInputs

    @OptionGroup var threat: ThreatOptions

    @Option(help: "Threads parsing and matching events.")
    var threads: Int = 2

    @Flag(help: "Print only the summaries.")
    var summaryOnly = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json, .jsonl, .csv, .timesketch])
        let started = Clock.now
        guard let minimum = Severity(lenient: minLevel) else {
            Output.error("unknown level '\(minLevel)'")
            throw ExitCode.badInput
        }
        var selectors: [EventSelector] = []
        for text in events {
            do { selectors.append(try EventSelector(parsing: text)) } catch {
                Output.error("--events: \(error)")
                throw ExitCode.badInput
            }
        }
        // No --rules: the installed rules, unless --events asks for plain events alone.
        let rules = self.rules.isEmpty && selectors.isEmpty ? InstalledRules.orDefault([]) : self.rules
        guard !rules.isEmpty || !selectors.isEmpty else {
            Output.error("give --rules, --events or both (or install SigmaHQ's release rules with `vigil rules update`)")
            throw ExitCode.badInput
        }
        let ruleSet = try rules.isEmpty ? nil : loadRules(minimum, rules)
        let files = try Output.logFiles(logs)
        var report = EventStreamReport()
        var progress = ProgressLine()
        let timeline = Timeline.build(
            files, ruleSet: ruleSet, events: selectors, threads: threads, sources: try sigmaInputs.eventSources(), report: &report,
            onProgress: { progress.update($0) })
        progress.clear()
        Output.report(Array(report.diagnostics.prefix(50)))
        if !summaryOnly { write(timeline, format) }
        let summary = summaryText(timeline, report: report, seconds: Clock.seconds(since: started))
        if format == .table { print(summary, terminator: "") } else { printError(summary, newline: false) }
        if report.read.files == 0 { throw ExitCode.badInput }
        if !timeline.entries.isEmpty { throw ExitCode.findings }
    }

    /// The rules at or above `minimum`, compiled; rejected rules are reported, none runnable is bad input.
    private func loadRules(_ minimum: Severity, _ rules: [String]) throws -> RuleSet {
        let (values, logsources) = try sigmaInputs.load()
        let collection = RuleLoader.load(rules, placeholders: values)
        let leveled = collection.rules.filter { ($0.level ?? .medium) >= minimum }
        var (selected, selection) = try threat.selects ? threat.choose(leveled, kb: try threat.attack.load()) : (leveled, nil)
        let ruleSet = RuleSet(rules: selected, filters: collection.filters, correlations: collection.correlations, mapping: logsources)
        if selection != nil { ThreatOptions.report(&selection!, ruleSet: ruleSet) }
        let rejected = collection.diagnostics.filter { $0.severity == .error } + ruleSet.diagnostics.filter { $0.severity == .error }
        for d in rejected.prefix(20) { printError("rule rejected: \(d.location): \(d.message) [\(d.code)]") }
        if rejected.count > 20 { printError("… \(rejected.count - 20) more rejected rules (see `vigil rules check`)") }
        guard !ruleSet.activeRules.isEmpty else {
            Output.error("no runnable rules")
            throw ExitCode.badInput
        }
        return ruleSet
    }

    /// The keys of csv, json and jsonl, in order; `values` gives one entry's. `timestamp` is the time in
    /// microseconds since 1970.
    static let columnNames = [
        "datetime", "timestamp", "host", "channel", "event_id", "record_id", "kind", "level", "rule_title", "rule_id", "tactics",
        "techniques", "message", "file", "line",
    ]

    private static func values(_ t: Timeline, _ e: TimelineEntry) -> [RecordValue] {
        let rule = t.rule(of: e)
        let kind: String
        switch e.source {
        case .rule: kind = "rule"
        case .correlation: kind = "correlation"
        case .event: kind = "event"
        }
        return [
            .text(e.hasTime ? TimelineTime.iso(e.time) : nil), e.hasTime ? .number(Int(e.time)) : .text(nil), .text(t.host(e)),
            .text(t.channel(e)), .text(t.eventID(e)), .text(e.recordID >= 0 ? String(e.recordID) : nil), .text(kind),
            .text(rule.level?.rawValue), .text(e.source == .event ? nil : rule.title), .text(rule.id), .list(rule.tactics),
            .list(rule.techniques), .text(e.message), .text(t.file(e)), e.file >= 0 ? .number(e.line) : .text(nil),
        ]
    }

    private func write(_ t: Timeline, _ format: OutputFormat) {
        guard format == .timesketch else {
            let colour = isatty(1) != 0
            var output = Output.records(
                format, keys: Self.columnNames,
                table: [
                    TableColumn("TIME (UTC)", key: "datetime", width: 27),
                    TableColumn(
                        "LEVEL", width: 13,
                        style: { cell, value in
                            guard colour, let level = Severity(rawValue: value) else { return cell }
                            return DetectionWriter.paint(level) + cell + "\u{1B}[0m"
                        }, cell: { $0.text("level", or: "event") }),
                    TableColumn("HOST", key: "host", width: 20), TableColumn("EVENT", key: "event_id", width: 6),
                    TableColumn("WHAT", limit: 200) { row in
                        var what = row["kind"] == "event" ? row.text("channel", or: "-") : row["rule_title"]
                        if !row["tactics"].isEmpty { what += " [\(row["tactics"].replacingOccurrences(of: ", ", with: ","))]" }
                        let message = row["message"]
                        return message.isEmpty ? what : what + "  " + String(message.prefix(100))
                    },
                ])
            output.begin()
            for e in t.entries { output.write(Self.values(t, e)) }
            output.end()
            return
        }
        // Timesketch's importer needs message, datetime (ISO 8601) and timestamp_desc; timestamp in
        // microseconds since 1970 is read when present; every other column becomes an attribute.
        let others = Self.columnNames.indices.filter { !["datetime", "timestamp", "message"].contains(Self.columnNames[$0]) }
        var output = Output.records(
            .csv, keys: ["message", "datetime", "timestamp_desc", "timestamp"] + others.map { Self.columnNames[$0] }, table: [])
        output.begin()
        var untimed = 0
        for e in t.entries {
            guard e.hasTime else {
                untimed += 1
                continue
            }
            let values = Self.values(t, e)
            let rule = t.rule(of: e)
            let headline =
                e.source == .event
                ? "\(t.channel(e) ?? "-") \(t.eventID(e) ?? "-")" : "[\(rule.level?.rawValue ?? "")] \(rule.title)"
            let message = e.message.isEmpty ? headline : headline + ": " + e.message
            output.write(
                [.text(message), .text(TimelineTime.iso(e.time)), .text("Event Recorded"), .number(Int(e.time))] + others.map { values[$0] }
            )
        }
        if untimed > 0 { printError("\(untimed) entr\(untimed == 1 ? "y" : "ies") without a time left out (Timesketch needs one)") }
    }

    private func summaryText(_ t: Timeline, report: EventStreamReport, seconds: Double) -> String {
        let summary = t.summary()
        let detections = t.detections
        func time(_ v: Int64?) -> String { v.map(TimelineTime.iso) ?? "-" }
        func rows(_ rows: [TimelineSummaryRow]) -> [[String]] {
            rows.map {
                [
                    String($0.entries), String($0.detections), time($0.first), time($0.last), $0.key,
                    $0.topRules.map { "\($0.title) (\($0.count))" }.joined(separator: "; "),
                ]
            }
        }
        var out = "\n== timeline ==\n"
        out +=
            "entries: \(t.entries.count) (\(detections) detections, \(t.entries.count - detections) events) from "
            + "\(report.events) events in \(counted(report.read.files, "file")), \(report.bad) unreadable, \(format3(seconds)) s\n"
        if let ruleSet = t.ruleSet {
            let idle = LogsourceReport.lines(unmapped: ruleSet.unmappedLogsources, withoutEvents: t.logsourcesWithoutEvents)
            out += idle.map { $0 + "\n" }.joined()
        }
        out += "\nby host (\(summary.hosts.count))\n"
        out += Output.table(["ENTRIES", "DETECTIONS", "FIRST", "LAST", "HOST", "TOP RULES"], rows(summary.hosts))
        if !summary.tactics.isEmpty {
            out += "\nby tactic (\(summary.tactics.count))\n"
            out += Output.table(["ENTRIES", "DETECTIONS", "FIRST", "LAST", "TACTIC", "TOP RULES"], rows(summary.tactics))
        }
        return out
    }
}
