// `vigil ioc`: sweep event logs for indicators from text, CSV, JSON or STIX 2.1 files; every hit
// labelled with its Pyramid-of-Pain level.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs

#if canImport(Glibc)
    import Glibc
#endif

struct IOCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ioc", abstract: "Sweep event logs for indicators of compromise.",
        discussion: Help.reflow(
            """
            Indicator files (--file, repeatable):
              text   one per line, # comments; the type is inferred (32/40/64
                     hex digits MD5/SHA1/SHA256, addresses, CIDR blocks, URLs,
                     paths, file names, domains) or written as type:value
                     (imphash:…, domain:…, filename:…); defanged values
                     (hxxp://, evil[.]com) are refanged
              CSV    a header naming the value column (value, indicator, ioc)
                     and optionally type, comment/description, uuid (MISP, OTX)
              JSON   a list of strings or of {type, value} objects; a MISP event
              STIX   2.1 bundles: indicator patterns (= and IN, OR-ed) on
                     hashes, addresses, domains, URLs, file names and paths,
                     and ipv4-addr, ipv6-addr, domain-name, url, file objects

            Where indicators are looked for:
              hashes    every run of 32/40/64/128 hex digits in any field,
                        Sysmon's Hashes (MD5=…,SHA256=…,IMPHASH=…) included
              IPs       any field that is an address; address fields (SourceIp,
                        DestinationIp, IpAddress, QueryResults …) also as lists
                        and with ports; command-line tokens; URL hosts; CIDR
                        blocks, IPv4 and IPv6 (::ffff:a.b.c.d is a.b.c.d)
              domains   QueryName, DestinationHostname …, and the host of every
                        URL in any field; sub-domains match (evil.com matches
                        a.evil.com)
              paths     Image, TargetFilename, ImageLoaded, TargetObject …
                        whole or by a tail after a separator; CommandLine
                        tokens; a bare file name matches the last component
            Matching ignores case. An event is reported once per indicator
            entry, for the first field that shows it.

            Every hit carries the indicator's Pyramid-of-Pain level: hash
            values, IP addresses, domain names, or host artifacts. A summary
            (hits by level and by indicator, events read, bad input) ends the
            run: on standard output for table, on standard error otherwise.

            Examples:
              vigil ioc --file iocs.txt logs/
              vigil ioc --file feed.csv --file bundle.json Security.evtx \\
                --format jsonl > hits.jsonl

            Exit status: 0 no hits, 1 hits, 2 no readable indicators or logs.
            """))

    @Option(name: .customLong("file"), help: "Indicator file (text, CSV, JSON or STIX 2.1); repeat for more.")
    var files: [String] = []

    @Argument(help: "Log files or folders (EVTX, JSON, NDJSON; .gz allowed).")
    var logs: [String]

    @Option(help: "Output format: table, json, jsonl or csv.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    @Option(help: "Threads parsing and matching events.")
    var threads: Int = 2

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json, .jsonl, .csv])
        guard !files.isEmpty else {
            Output.error("give at least one indicator file with --file")
            throw ExitCode.badInput
        }
        let set = IndicatorSet.load(files)
        for d in set.diagnostics.prefix(50) { printError(d.description) }
        if set.diagnostics.count > 50 { printError("… \(set.diagnostics.count - 50) more indicator problems") }
        let levels = set.byLevel
        let byLevel: [String] = PyramidLevel.allCases.compactMap { level in levels[level].map { "\($0) \(level.key)" } }
        printError(
            "indicators: \(set.indicators.count) from \(set.entries) entries in \(counted(files.count, "file")) ("
                + byLevel.joined(separator: ", ") + "); \(set.skipped) skipped, \(counted(set.duplicates, "duplicate"))")
        guard !set.isEmpty else {
            Output.error("no usable indicators")
            throw ExitCode.badInput
        }
        let logFiles = try Output.logFiles(logs)
        let matcher = IndicatorMatcher(set)
        let terminal = isatty(2) != 0
        let index = Dictionary(logFiles.enumerated().map { ($1, $0 + 1) }, uniquingKeysWith: { a, _ in a })
        var summary = IndicatorSweepSummary()
        var report = EventStreamReport()
        let started = Clock.now
        var output = Output.records(format, keys: Self.keys, table: Self.table)
        output.begin()
        matcher.sweep(logFiles, threads: threads, report: &report) { hits, file in
            if terminal, !hits.isEmpty { printError("\u{1B}[2K\r", newline: false) }
            for hit in hits {
                summary.count(hit, in: set)
                output.write(Self.values(hit, set.indicators[hit.indicator]))
            }
            if terminal, let file {
                printError("\u{1B}[2K\r[\(index[file] ?? 0)/\(logFiles.count)] \(file)  \(counted(summary.hits, "hit"))", newline: false)
            }
        }
        output.end()
        if terminal { printError("\u{1B}[2K\r", newline: false) }
        Output.report(Array(report.diagnostics.prefix(50)))
        let text = Self.summary(summary, set, report, seconds: Clock.seconds(since: started))
        if format == .table { print(text) } else { printError(text) }
        if report.read.files == 0 { throw ExitCode.badInput }
        if summary.hits > 0 { throw ExitCode.findings }
    }

    static let keys =
        EventLocation.keys + [
            "field", "value", "indicator", "indicator_type", "pyramid_level", "indicator_name", "indicator_id", "indicator_source",
        ]

    static let table =
        EventLocation.tableColumns + [
            TableColumn("LEVEL", key: "pyramid_level", width: 8),
            TableColumn("INDICATOR", width: 36, limit: 36) { $0["indicator_type"] + ":" + $0["indicator"] },
            TableColumn("FIELD=VALUE", limit: 120) { $0["field"] + "=" + $0["value"] },
        ]

    static func values(_ hit: IndicatorHit, _ indicator: Indicator) -> [RecordValue] {
        hit.location.values + [
            .text(hit.field), .text(hit.value), .text(indicator.value), .text(indicator.type.rawValue), .text(indicator.level.key),
            .text(indicator.name), .text(indicator.id), .text(indicator.source.description),
        ]
    }

    static func summary(_ s: IndicatorSweepSummary, _ set: IndicatorSet, _ report: EventStreamReport, seconds: Double) -> String {
        var lines = ["", "== summary =="]
        let rate = seconds > 0 ? Int(Double(report.events) / seconds) : 0
        lines.append(
            "events: \(report.events) in \(counted(report.read.files, "file")), \(report.bad) unreadable, \(format3(seconds)) s (\(rate) events/s)"
        )
        lines.append(
            "indicators: \(set.indicators.count) (\(set.skipped) entries skipped, \(counted(set.diagnostics.count, "indicator problem")) reported)"
        )
        lines.append("hits: \(s.hits) in \(counted(s.events, "event"))")
        if s.hits > 0 {
            lines.append("by Pyramid level:")
            for level in PyramidLevel.allCases where s.byLevel[level] != nil {
                lines.append("  \(pad(level.title, 24)) \(s.byLevel[level]!)")
            }
            lines.append("by indicator (top 15):")
            for (i, n) in s.topIndicators.prefix(15) {
                let indicator = set.indicators[i]
                var line = "  \(pad(String(n), 7)) \(pad(indicator.type.rawValue, 8)) \(indicator.value)"
                if let name = indicator.name { line += "  (\(name.count > 60 ? String(name.prefix(60)) + "…" : name))" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
