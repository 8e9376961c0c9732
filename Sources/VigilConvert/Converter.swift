// Rules → queries for one target: each rule's formula printed in the target's language, or refused with
// the reason when the target cannot say what the rule means.
import VigilCore
import VigilSigma

public enum ConversionTarget: String, Sendable, CaseIterable {
    case spark, clickhouse, duckdb, esql, lucene, splunk, kql

    public var sqlDialect: SQLDialect? { SQLDialect(rawValue: rawValue) }
}

/// One rule's query, or why there is none.
public struct Conversion: Sendable {
    public var rule: Int
    public var query: String?
    public var refusal: String?
    /// The formula the query was printed from (nil when refused before printing).
    public var predicate: Predicate?
}

public struct Converter: Sendable {
    public var target: ConversionTarget
    public var layout: FieldLayout
    /// The table's columns when known (keywords need them; absent fields become false).
    public var columns: [String]?
    public var table: String
    /// Columns the SQL queries return (default: all).
    public var select: [String]
    public var builder: PredicateBuilder

    public init(
        target: ConversionTarget, layout: FieldLayout, columns: [String]? = nil, table: String = "events", select: [String] = ["*"],
        mapping: LogsourceMapping = .builtin, filters: [SigmaFilter] = []
    ) {
        self.target = target
        self.layout = layout
        self.columns = columns
        self.table = table
        self.select = select
        self.builder = PredicateBuilder(mapping: mapping, filters: filters)
    }

    public func convert(_ rules: [SigmaRule]) -> [Conversion] {
        // One SQL printer for all: it indexes the table's columns.
        let printer = sqlPrinter
        return rules.enumerated().map { index, rule in convert(rule, index: index, printer: printer) }
    }

    public func convert(_ rule: SigmaRule, index: Int) -> Conversion { convert(rule, index: index, printer: sqlPrinter) }

    func convert(_ rule: SigmaRule, index: Int, printer: SQLPrinter?) -> Conversion {
        let q = builder.query(rule, index: index)
        guard let predicate = q.predicate else { return Conversion(rule: index, query: nil, refusal: q.refusal, predicate: nil) }
        do throws(Unsupported) {
            return Conversion(rule: index, query: try print(predicate, printer: printer), refusal: nil, predicate: predicate)
        } catch {
            return Conversion(rule: index, query: nil, refusal: error.reason, predicate: predicate)
        }
    }

    /// The SQL printer of the target's dialect over the table's columns; nil for other targets.
    var sqlPrinter: SQLPrinter? { target.sqlDialect.map { SQLPrinter(dialect: $0, layout: layout, columns: columns) } }

    /// The whole query for one formula.
    public func print(_ predicate: Predicate) throws(Unsupported) -> String { try print(predicate, printer: sqlPrinter) }

    func print(_ predicate: Predicate, printer: SQLPrinter?) throws(Unsupported) -> String {
        if let printer {
            return try printer.query(predicate, table: table, select: select)
        }
        switch target {
        case .splunk: return try SplunkPrinter(layout: layout, columns: columns).query(predicate)
        case .lucene: return try LucenePrinter(layout: layout, columns: columns).query(predicate)
        case .kql: return try KQLPrinter(layout: layout, columns: columns).query(predicate, table: table)
        case .esql: return try ESQLPrinter(layout: layout, columns: columns).query(predicate, index: table)
        case .spark, .clickhouse, .duckdb: throw Unsupported("target \(target.rawValue) has no SQL dialect")
        }
    }
}

/// Several rules in one query: one scan of the table answers all of them. Engines with a fixed cost per
/// query (Spark schedules a job for each) run a rule set in a few batches instead of thousands of queries.
public struct QueryBatch: Sendable {
    /// Rule indices; the result's `vigil_rule` column is a position in this list.
    public var rules: [Int]
    /// `SELECT <select>, 0 AS vigil_rule FROM table WHERE <rule 0> UNION ALL …`.
    public var query: String
}

extension Converter {
    /// Batches of at most `size` converted rules sharing a logsource scope and, where possible, at most
    /// `maxBytes` of SQL (ClickHouse refuses queries over 256 KiB by default; a single larger rule still gets
    /// a batch of its own). Only SQL targets batch.
    /// `identity`: a column naming each row (DuckDB's `rowid`); the batches then return only it and `vigil_rule`,
    /// and the caller fetches the selected columns of the matching rows once (see `SQLPrinter.batchQuery`).
    public func batches(_ conversions: [Conversion], size: Int, maxBytes: Int = 200_000, identity: String? = nil) throws(Unsupported)
        -> [QueryBatch]
    {
        guard let dialect = target.sqlDialect else { throw Unsupported("only SQL targets run rules in batches") }
        let printer = SQLPrinter(dialect: dialect, layout: layout, columns: columns)
        // DuckDB has no query size limit, and each batch scans its rows once.
        let maxBytes = dialect == .duckdb ? Int.max : maxBytes
        var groups: [Predicate: [(rule: Int, rest: Predicate, bytes: Int)]] = [:]
        var order: [Predicate] = []
        for c in conversions {
            guard c.query != nil, let predicate = c.predicate else { continue }
            let (scope, rest) = SQLPrinter.splitScope(printer.bind(predicate))
            if groups[scope] == nil { order.append(scope) }
            groups[scope, default: []].append((c.rule, rest, try printer.expression(rest).utf8.count))
        }
        var out: [QueryBatch] = []
        for scope in order {
            var chunk: [(rule: Int, rest: Predicate, bytes: Int)] = []
            var bytes = 0
            func flush() throws(Unsupported) {
                guard !chunk.isEmpty else { return }
                let query = try printer.batchQuery(scope: scope, tests: chunk.map(\.rest), table: table, select: select, identity: identity)
                out.append(QueryBatch(rules: chunk.map(\.rule), query: query))
                chunk = []
                bytes = 0
            }
            for entry in groups[scope]! {
                if !chunk.isEmpty && (chunk.count >= max(1, size) || bytes + entry.bytes > maxBytes) { try flush() }
                chunk.append(entry)
                bytes += entry.bytes + 40
            }
            try flush()
        }
        return out
    }
}
