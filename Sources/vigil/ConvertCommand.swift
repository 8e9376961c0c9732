// `vigil convert`: Sigma rules → queries for a SQL engine or a SIEM, each rule refused with a reason when the
// target cannot express it.
import ArgumentParser
import Foundation
import VigilConvert
import VigilCore
import VigilSigma

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert Sigma rules to Spark, ClickHouse, DuckDB, ES|QL, Lucene, Splunk or KQL queries.",
        discussion: Help.reflow(
            """
            A converted rule means what it means to `vigil hunt`: the same logsource
            mapping (channel and event IDs), field renames, case-insensitive matching
            and modifiers. What a target cannot express is refused per rule with the
            reason, never converted to a weaker query.

            Layouts say where a field lives in the table:
              flat   one column per Sigma field name (`vigil export` writes this)
              evtx   evtx_dump JSON as nested records (Event.System, Event.EventData)
              ecs    Winlogbeat/ECS documents (winlog.event_data.*, winlog.channel)
            --layout-file adds layouts (see `vigil convert --list-layouts`).

            Keyword searches (values without a field) test every column, so SQL
            targets need the table's columns: --columns FILE, one name per line
            (`vigil export --columns FILE` writes it). With --columns, a field the
            table lacks is treated as absent, as the local engine would.

            Correlation rules (SQL targets, a layout with a time column: flat's
            vigil_time) become window queries: the events of the rules they name,
            per group-by value, in windows [t, t + timespan] starting at each event's
            time; each row is a window that meets the condition (vigil_g0…,
            vigil_first, vigil_last, vigil_value). `vigil hunt` fires on a group's
            first such window and looks again only after its span; `vigil hunt
            --engine` picks the same firings from these rows. A correlation of
            correlations is refused here (`vigil hunt --engine` runs it).

            Exit status: 0 all converted, 1 some rules refused, 2 none converted or
            bad input.
            """))

    @Option(help: "Target: \(ConversionTarget.allCases.map(\.rawValue).joined(separator: ", ")).")
    var target: String

    @Argument(help: "Sigma rule files or folders.")
    var rules: [String] = []

    @Option(help: "Column layout of the table: flat, evtx, ecs, or one from --layout-file.")
    var layout: String = "flat"

    @Option(help: "YAML file with more layouts.")
    var layoutFile: String?

    @Option(help: "File with the table's column names, one per line.")
    var columns: String?

    @Option(help: "Table (SQL) or index pattern (ES|QL) to query.")
    var table: String = "events"

    @Option(help: "Columns the SQL queries return, comma-separated (default *).")
    var select: String = "*"

    @Option(help: "Output format: text (the queries) or json.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    @OptionGroup var sigmaInputs: SigmaInputs

    @Option(help: "SQL targets: put up to N rules in each query (UNION ALL, rows tagged with vigil_rule).")
    var batch: Int?

    @Flag(help: "List the layouts and exit.")
    var listLayouts = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.text, .json], fallback: .text)
        let extra = try ConvertInputs.layouts(layoutFile)
        if listLayouts {
            for l in extra + FieldLayout.builtin { print("\(l.name): \(l.description)") }
            return
        }
        guard let target = ConversionTarget(rawValue: target.lowercased()) else {
            Output.error("unknown target '\(self.target)' (one of \(ConversionTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            throw ExitCode.badInput
        }
        guard let chosen = FieldLayout.named(layout, extra: extra) else {
            Output.error("unknown layout '\(layout)' (see --list-layouts)")
            throw ExitCode.badInput
        }
        guard !rules.isEmpty else {
            Output.error("give Sigma rule files or folders")
            throw ExitCode.badInput
        }
        let columnList = try columns.map(ConvertInputs.columns)
        let (values, logsources) = try sigmaInputs.load()
        let collection = RuleLoader.load(rules, placeholders: values)
        let rejected = collection.diagnostics.filter { $0.severity == .error }
        for d in rejected { printError("rule rejected: \(d)") }
        let converter = Converter(
            target: target, layout: chosen, columns: columnList, table: table,
            select: select.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }, mapping: logsources,
            filters: collection.filters)
        let conversions = converter.convert(collection.rules)
        let refused = conversions.filter { $0.query == nil }
        for c in refused {
            let rule = collection.rules[c.rule]
            printError("rule refused: \(rule.location): \(rule.title): \(c.refusal ?? "")")
        }
        let correlations = converter.convert(correlations: collection.correlations, rules: collection.rules, conversions: conversions)
        let refusedCorrelations = correlations.filter { $0.query == nil }
        for c in refusedCorrelations {
            let correlation = collection.correlations[c.correlation]
            printError("correlation refused: \(correlation.location): \(correlation.title): \(c.refusal ?? "")")
        }
        var batches: [QueryBatch] = []
        if let batch {
            do throws(Unsupported) { batches = try converter.batches(conversions, size: batch) } catch {
                Output.error(error.reason)
                throw ExitCode.badInput
            }
        }
        switch format {
        case _ where format != .json && batch != nil:
            for b in batches {
                print(
                    "-- "
                        + b.rules.enumerated().map { "vigil_rule \($0.offset) = \(collection.rules[$0.element].id ?? "-")" }.joined(
                            separator: ", "))
                print(b.query + ";")
            }
        case _ where format != .json:
            let comment = target.sqlDialect != nil ? "--" : target == .splunk ? "```" : "//"
            for c in conversions {
                guard let query = c.query else { continue }
                let rule = collection.rules[c.rule]
                let close = target == .splunk ? " ```" : ""
                print("\(comment) \(rule.id ?? "-") \(rule.title)\(close)")
                print(query + (target.sqlDialect != nil ? ";" : ""))
            }
            for c in correlations {
                guard let query = c.query else { continue }
                let correlation = collection.correlations[c.correlation]
                print("-- correlation \(correlation.id ?? "-") \(correlation.title): windows meeting the condition, by group and start")
                print(query + ";")
            }
        default:
            var out = "{\"target\":\(q(target.rawValue)),\"layout\":\(q(chosen.name)),"
            out += "\"converted\":\(conversions.count - refused.count),\"refused\":\(refused.count),\"rules\":["
            for (k, c) in conversions.enumerated() {
                let rule = collection.rules[c.rule]
                if k > 0 { out += ",\n" }
                out += "{\"rule_id\":\(q(rule.id)),\"title\":\(q(rule.title)),\"file\":\(q(rule.location.file)),"
                out += "\"level\":\(q(rule.level?.rawValue)),\"query\":\(q(c.query)),\"refusal\":\(q(c.refusal))}"
            }
            out += "],\"correlations\":["
            for (k, c) in correlations.enumerated() {
                let correlation = collection.correlations[c.correlation]
                if k > 0 { out += ",\n" }
                out +=
                    "{\"correlation_id\":\(q(correlation.id)),\"title\":\(q(correlation.title)),\"type\":\(q(correlation.type.rawValue)),"
                out += "\"group_by\":[\(correlation.groupBy.map { q($0) }.joined(separator: ","))],\"timespan\":\(correlation.timespan),"
                out += "\"query\":\(q(c.query)),\"refusal\":\(q(c.refusal))}"
            }
            out += "]"
            if batch != nil {
                out += ",\"batches\":["
                for (k, b) in batches.enumerated() {
                    if k > 0 { out += ",\n" }
                    out +=
                        "{\"rule_ids\":[" + b.rules.map { q(collection.rules[$0].id) }.joined(separator: ",") + "],\"query\":\(q(b.query))}"
                }
                out += "]"
            }
            out += "}"
            print(out)
        }
        printError(
            "\(counted(conversions.count - refused.count, "rule")) converted to \(target.rawValue), \(refused.count) refused, \(rejected.count) rejected by the parser"
                + (correlations.isEmpty
                    ? ""
                    : "; \(counted(correlations.count - refusedCorrelations.count, "correlation")) converted, \(refusedCorrelations.count) refused")
        )
        if conversions.count == refused.count { throw ExitCode.badInput }
        if !refused.isEmpty || !rejected.isEmpty || !refusedCorrelations.isEmpty { throw ExitCode.findings }
    }
}

/// Files `vigil convert` and `vigil export` share: extra layouts and column lists.
enum ConvertInputs {
    static func layouts(_ file: String?) throws -> [FieldLayout] {
        guard let file else { return [] }
        do {
            let bytes = try FileBytes.read(file)
            return try FieldLayout.load(yaml: String(decoding: bytes, as: UTF8.self), file: file)
        } catch {
            printError("\(error)")
            throw ExitCode.badInput
        }
    }

    /// Column names, one per line (blank lines and `#` comments skipped).
    static func columns(_ file: String) throws -> [String] {
        do {
            let text = String(decoding: try FileBytes.read(file), as: UTF8.self)
            return text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        } catch {
            printError("\(file): \(error)")
            throw ExitCode.badInput
        }
    }
}
