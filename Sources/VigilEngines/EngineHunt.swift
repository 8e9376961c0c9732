// A hunt on an engine: the rule set converted for the table's real columns, run in batches, and the rows
// turned back into the detections `vigil hunt` prints for local logs.
import VigilConvert
import VigilCore
import VigilLogs
import VigilSigma

public struct EngineHuntReport: Sendable {
    public var detections: [Detection] = []
    /// Rules the target cannot express, with the reason.
    public var refused: [(rule: Int, reason: String)] = []
    /// Rules that cannot match on this table: every branch needs a column it lacks.
    public var unmatchable: [(rule: Int, missing: [String])] = []
    /// Batches the engine rejected: their rules and the engine's message.
    public var failed: [(rules: [Int], message: String)] = []
    public var queries = 0
    public var rulesRun = 0
    /// Correlation firings, chosen from the windows the engine returned as the local engine chooses them.
    public var correlationHits: [CorrelationHit] = []
    /// Correlations not run, with the reason (refused by the conversion or rejected by the engine).
    public var correlationsSkipped: [(correlation: Int, reason: String)] = []
    public var correlationsRun = 0
}

public enum EngineHunt {
    /// Columns reported for each detection, in order of preference: the header `Event` reads for local logs
    /// (EVTX's System values flattened, else the flat exports' names, in `Event`'s order).
    static let header: [(key: String, names: [String])] = [
        ("origin", [ExportColumns.origin]),
        ("time", ["TimeCreated_SystemTime", "@timestamp", "TimeCreated", "UtcTime", "timestamp"]),
        ("computer", ["Computer", "Hostname", "computer_name", "host"]),
        ("channel", ["Channel"]),
        ("eventID", ["EventID"]),
        ("recordID", ["EventRecordID"]),
    ]

    /// Runs `rules` on `engine`'s `table` (flat layout). `columns`: the table's columns, asked of the engine when nil.
    /// `collectFields` also fetches every column of a matching row, and reports its non-null values (Vigil's own
    /// `vigil_` columns left out) as the detection's fields, as `vigil hunt` does for local logs.
    public static func run(
        _ rules: [SigmaRule], engine: QueryEngine, target: ConversionTarget, table: String, mapping: LogsourceMapping = .builtin,
        filters: [SigmaFilter] = [], correlations: [SigmaCorrelation] = [], columns given: [String]? = nil, batchSize: Int = 100,
        collectFields: Bool = false
    ) throws(EngineError) -> EngineHuntReport {
        guard let dialect = target.sqlDialect else { throw EngineError("\(target.rawValue) is not an engine Vigil can run") }
        let quotedTable = table.split(separator: ".").map { dialect.identifier(String($0)) }.joined(separator: ".")
        let columns: [String]
        if let given { columns = given } else { columns = try engine.columns(table: quotedTable) }
        let layout = FieldLayout.named("flat")!
        // Every candidate column the table has, so that each row reports the first one it fills (a table of
        // EVTX and flat JSON rows has both TimeCreated_SystemTime and @timestamp, each null on the other's rows).
        var select: [String] = []
        var positions: [String: [Int]] = [:]
        for (key, names) in header {
            for name in names {
                guard let found = columns.first(where: { SQLPrinter.normalised($0) == SQLPrinter.normalised(name) }) else { continue }
                positions[key, default: []].append(select.count)
                select.append(found)
            }
        }
        let fieldsFrom = select.count
        if collectFields { select += columns.filter { !$0.hasPrefix("vigil_") } }
        let fieldNames = Array(select[fieldsFrom...])
        let converter = Converter(
            target: target, layout: layout, columns: columns, table: table, select: select.isEmpty ? [columns.first ?? "*"] : select,
            mapping: mapping, filters: filters)
        let printer = SQLPrinter(dialect: dialect, layout: layout, columns: columns)
        var report = EngineHuntReport()
        var runnable: [Conversion] = []
        let conversions = converter.convert(rules)
        // As locally: rules named only by correlations that do not `generate` them report no detections of their own.
        let correlator = Correlator(correlations: correlations, rules: rules, mapping: mapping)
        let suppressed = correlator.suppressed
        for c in conversions {
            guard c.query != nil, let predicate = c.predicate else {
                report.refused.append((c.rule, c.refusal ?? "not converted"))
                continue
            }
            if printer.bind(predicate) == .constant(false) {
                report.unmatchable.append((c.rule, predicate.fields.filter { printer.resolve($0) == nil }.sorted()))
                continue
            }
            runnable.append(c)
        }
        report.rulesRun = runnable.count
        // DuckDB tables name their rows (`rowid`): the batches return (row, rule) pairs and one query then fetches
        // the selected columns of the rows that matched. Views (over Parquet, say) have no rowid: one query per
        // batch returns the columns, as for the other engines.
        let identity: String? =
            target == .duckdb && (try? engine.rows("SELECT rowid FROM \(quotedTable) LIMIT 0")) != nil ? "rowid" : nil
        let batches: [QueryBatch]
        do throws(Unsupported) { batches = try converter.batches(runnable, size: batchSize, identity: identity) } catch {
            throw EngineError(error.reason)
        }
        /// The detection of `rule` on a row of the `select` columns.
        func detection(rule: Int, row: [String?]) -> Detection {
            func value(_ key: String) -> String? { positions[key]?.lazy.compactMap { $0 < row.count ? row[$0] : nil }.first }
            var file = table
            var line = 0
            if let origin = value("origin"), let colon = origin.lastIndex(of: ":"), let n = Int(origin[origin.index(after: colon)...]) {
                file = String(origin[..<colon])
                line = n
            } else if let record = value("recordID"), let n = Int(record) {
                line = n
            }
            var fields: [(name: String, value: String)] = []
            for (i, name) in fieldNames.enumerated() where fieldsFrom + i < row.count {
                if let v = row[fieldsFrom + i] { fields.append((name, v)) }
            }
            return Detection(
                rule: rule,
                location: EventLocation(
                    file: file, line: line, timestamp: value("time"), computer: value("computer"), channel: value("channel"),
                    eventID: value("eventID"), recordID: value("recordID")), fields: fields)
        }
        var hits: [(row: Int, rule: Int)] = []
        for batch in batches {
            report.queries += 1
            let rows: [[String?]]
            do throws(EngineError) { rows = try engine.rows(batch.query) } catch {
                report.failed.append((batch.rules, error.message))
                continue
            }
            for row in rows {
                guard let tag = row.last ?? nil, let k = Int(tag), k >= 0, k < batch.rules.count, !suppressed.contains(batch.rules[k])
                else { continue }
                if identity != nil {
                    if let id = row.first ?? nil, let n = Int(id) { hits.append((n, batch.rules[k])) }
                } else {
                    report.detections.append(detection(rule: batch.rules[k], row: Array(row.dropLast())))
                }
            }
        }
        if let identity, !hits.isEmpty {
            let selected = select.isEmpty ? [columns.first ?? "*"] : select
            let list = selected.map { $0 == "*" ? "*" : dialect.identifier($0) }.joined(separator: ", ")
            let ids = Array(Set(hits.map(\.row))).sorted()
            var byRow: [Int: [String?]] = [:]
            // Up to 20,000 rows per query: one scan of the table each.
            for start in stride(from: 0, to: ids.count, by: 20_000) {
                let chunk = ids[start..<min(ids.count, start + 20_000)].map(String.init).joined(separator: ", ")
                report.queries += 1
                do throws(EngineError) {
                    let rows = try engine.rows(
                        "SELECT \(identity), \(list) FROM \(quotedTable) WHERE \(identity) IN (SELECT unnest([\(chunk)]))")
                    for row in rows { if let id = row.first ?? nil, let n = Int(id) { byRow[n] = Array(row.dropFirst()) } }
                } catch {
                    report.failed.append((Array(Set(hits.map(\.rule))).sorted(), error.message))
                }
            }
            for hit in hits { if let row = byRow[hit.row] { report.detections.append(detection(rule: hit.rule, row: row)) } }
        }
        report.detections.sort { ($0.file, $0.line, $0.rule) < ($1.file, $1.line, $1.rule) }
        // Correlations of correlations: the engine finds the events, Vigil's correlator windows them and feeds the
        // inner firings to the outer correlations, as for local logs.
        let chained = correlator.chains
        if !chained.isEmpty {
            runChained(correlator, rules: rules, conversions: conversions, engine: engine, printer: printer, table: table, into: &report)
        }
        for c in converter.convert(correlations: correlations, rules: rules, conversions: conversions)
        where !chained.contains(c.correlation) {
            guard let query = c.query else {
                report.correlationsSkipped.append((c.correlation, c.refusal ?? "not converted"))
                continue
            }
            report.queries += 1
            let rows: [[String?]]
            do throws(EngineError) { rows = try engine.rows(query) } catch {
                report.correlationsSkipped.append((c.correlation, error.message))
                continue
            }
            report.correlationsRun += 1
            let groups = correlations[c.correlation].groupBy.count
            var windows: [CorrelationWindows.Window] = []
            for row in rows where row.count == groups + 3 {
                guard let first = row[groups].flatMap(Double.init), let last = row[groups + 1].flatMap(Double.init),
                    let value = row[groups + 2].flatMap(Double.init)
                else { continue }
                windows.append(.init(group: row[..<groups].map { $0 ?? "" }, first: first, last: last, value: value))
            }
            report.correlationHits += CorrelationWindows.firings(
                windows, correlation: c.correlation, timespan: correlations[c.correlation].timespan)
        }
        return report
    }

    /// Chained correlations: their rules' events from the engine, windowed and chained by the local correlator.
    static func runChained(
        _ correlator: Correlator, rules: [SigmaRule], conversions: [Conversion], engine: QueryEngine, printer: SQLPrinter,
        table: String, into report: inout EngineHuntReport
    ) {
        let family = correlator.chains
        var skipped: [(Int, String)] = []
        for c in family.sorted() {
            let correlation = correlator.correlations[c]
            var inputs: [(position: Int, name: String?, predicate: Predicate)] = []
            var refusal: String?
            for (k, rule) in correlator.ruleInputs(of: c) {
                guard conversions[rule].query != nil, let predicate = conversions[rule].predicate else {
                    refusal = "its rule '\(correlation.rules[k])' is not converted: \(conversions[rule].refusal ?? "")"
                    break
                }
                inputs.append((k, rules[rule].name, predicate))
            }
            if let refusal {
                skipped.append((c, refusal))
                continue
            }
            guard !inputs.isEmpty else { continue }
            let rows: [[String?]]
            do throws(EngineError) {
                let query: String
                do throws(Unsupported) { query = try printer.correlationMatches(correlation, inputs: inputs, table: table) } catch {
                    skipped.append((c, error.reason))
                    continue
                }
                report.queries += 1
                rows = try engine.rows(query)
            } catch {
                skipped.append((c, error.message))
                continue
            }
            let groups = correlation.groupBy.count
            let hasValue = correlation.field != nil
            for row in rows where row.count == 2 + groups + (hasValue ? 1 : 0) {
                guard let time = row[0].flatMap(Double.init), let reference = row[row.count - 1].flatMap(Int.init) else { continue }
                correlator.observe(
                    correlation: c, reference: reference, time: time, group: row[1..<(1 + groups)].map { $0 ?? "" },
                    value: hasValue ? row[1 + groups] : nil)
            }
        }
        // A correlation whose events could not be fetched spoils the correlations built on it.
        let spoiled = Set(skipped.map(\.0))
        let downstream = correlator.fed(by: spoiled).subtracting(spoiled)
        report.correlationsSkipped += skipped.map { (correlation: $0.0, reason: $0.1) }
        for c in downstream.sorted() { report.correlationsSkipped.append((c, "a correlation it builds on could not run")) }
        report.correlationsRun += family.subtracting(spoiled).subtracting(downstream).count
        report.correlationHits += correlator.evaluate().filter {
            family.contains($0.correlation) && !spoiled.contains($0.correlation) && !downstream.contains($0.correlation)
        }
    }
}
