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
        rules.enumerated().map { index, rule in convert(rule, index: index) }
    }

    public func convert(_ rule: SigmaRule, index: Int) -> Conversion {
        let q = builder.query(rule, index: index)
        guard let predicate = q.predicate else { return Conversion(rule: index, query: nil, refusal: q.refusal, predicate: nil) }
        do throws(Unsupported) {
            return Conversion(rule: index, query: try print(predicate), refusal: nil, predicate: predicate)
        } catch {
            return Conversion(rule: index, query: nil, refusal: error.reason, predicate: predicate)
        }
    }

    /// The whole query for one formula.
    public func print(_ predicate: Predicate) throws(Unsupported) -> String {
        if let dialect = target.sqlDialect {
            let printer = SQLPrinter(dialect: dialect, layout: layout, columns: columns)
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
