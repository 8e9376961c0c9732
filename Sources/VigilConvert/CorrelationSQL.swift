// Correlation rules as SQL window queries. The rows a correlation looks at (every event a referenced rule
// matches, with its time, group-by values and measured field) are a UNION ALL of the rules' filters; a window
// `[t, t + timespan]` per group, starting at each event's time, measures the count, distinct values, rules
// seen (in order) or aggregate, and the query returns every window that meets the condition.
//
// The local engine (Correlator) fires on the first such window of a group and then looks again only past
// that window's span. That choice depends on the previous firing, which SQL window functions cannot express;
// `CorrelationWindows.firings` makes it from the rows the query returns, so `vigil hunt --engine` reports
// exactly the local firings, and a team running the SQL itself sees each firing with the overlapping
// windows of the same burst after it.
import VigilCore
import VigilSigma

/// One correlation's query, or why there is none.
public struct CorrelationConversion: Sendable {
    public var correlation: Int
    public var query: String?
    public var refusal: String?
}

/// Column names of a correlation query's result: the group-by values, then these.
public enum CorrelationColumns {
    public static func group(_ k: Int) -> String { "vigil_g\(k)" }
    public static let first = "vigil_first"
    public static let last = "vigil_last"
    public static let value = "vigil_value"
}

extension Converter {
    /// Queries for `correlations` over the events of `rules` (whose conversions are `conversions`, by rule index).
    public func convert(correlations: [SigmaCorrelation], rules: [SigmaRule], conversions: [Conversion]) -> [CorrelationConversion] {
        var byName: [String: Int] = [:]
        for (i, r) in rules.enumerated() {
            if let id = r.id { byName[id] = i }
            if let name = r.name { byName[name] = i }
        }
        let correlationNames = Set(correlations.flatMap { [$0.id, $0.name].compactMap { $0 } })
        let converted = Dictionary(conversions.map { ($0.rule, $0) }, uniquingKeysWith: { a, _ in a })
        return correlations.enumerated().map { index, correlation in
            func refuse(_ reason: String) -> CorrelationConversion {
                CorrelationConversion(correlation: index, query: nil, refusal: reason)
            }
            guard let dialect = target.sqlDialect else {
                return refuse(
                    "correlations are converted for the SQL targets only (spark, clickhouse, duckdb): \(target.rawValue) has no window "
                        + "starting at each event that Vigil's correlations use (its time buckets or trailing windows would fire on other events)"
                )
            }
            var inputs: [(name: String?, predicate: Predicate)] = []
            for reference in correlation.rules {
                if let rule = byName[reference] {
                    guard let c = converted[rule], c.query != nil, let predicate = c.predicate else {
                        return refuse("its rule '\(reference)' is not converted: \(converted[rule]?.refusal ?? "not selected")")
                    }
                    inputs.append((rules[rule].name, predicate))
                } else if correlationNames.contains(reference) {
                    return refuse("it correlates the firings of correlation '\(reference)', which a single query does not express")
                } else {
                    return refuse("it refers to unknown rule '\(reference)'")
                }
            }
            let printer = SQLPrinter(dialect: dialect, layout: layout, columns: columns)
            do throws(Unsupported) {
                return CorrelationConversion(
                    correlation: index, query: try printer.correlationQuery(correlation, inputs: inputs, table: table), refusal: nil)
            } catch {
                return refuse(error.reason)
            }
        }
    }
}

extension SQLPrinter {
    /// The windows of `correlation` that meet its condition: `vigil_g0…, vigil_first, vigil_last, vigil_value`,
    /// ordered by group and start. `inputs`: each referenced rule's name (for aliases) and formula, in order.
    public func correlationQuery(
        _ correlation: SigmaCorrelation, inputs: [(name: String?, predicate: Predicate)], table: String
    ) throws(Unsupported) -> String {
        let numeric = [.valueSum, .valueAvg, .valuePercentile].contains(correlation.type)
        let groups = correlation.groupBy.indices.map(CorrelationColumns.group)
        let branches = try matches(
            correlation, inputs: inputs.enumerated().map { ($0.offset, $0.element.name, $0.element.predicate) }, table: table,
            numeric: numeric)
        let measure = try measure(correlation)
        var window = groups.isEmpty ? "" : "PARTITION BY \(groups.joined(separator: ", ")) "
        window += "ORDER BY vigil_t RANGE BETWEEN CURRENT ROW AND \(correlation.timespan) FOLLOWING"
        var inner =
            groups + [
                "vigil_t AS \(CorrelationColumns.first)", "max(vigil_t) OVER w AS \(CorrelationColumns.last)",
                "\(measure) AS \(CorrelationColumns.value)",
            ]
        var conditions = correlation.condition.map { op, n in "\(CorrelationColumns.value) \(op.symbol(equals: "=")) \(Self.number(n))" }
        if numeric {
            // A window without a number in the field has no value: it never fires (as in the local engine).
            inner.append("count(vigil_v) OVER w AS vigil_n")
            conditions.insert("vigil_n > 0", at: 0)
        }
        let outer = groups + [CorrelationColumns.first, CorrelationColumns.last, CorrelationColumns.value]
        return "WITH vigil_matches AS (\(branches)) SELECT DISTINCT \(outer.joined(separator: ", ")) "
            + "FROM (SELECT \(inner.joined(separator: ", ")) FROM vigil_matches WINDOW w AS (\(window))) vigil_windows"
            + (conditions.isEmpty ? "" : " WHERE \(conditions.joined(separator: " AND "))")
            + " ORDER BY \((groups + [CorrelationColumns.first]).joined(separator: ", "))"
    }

    /// The events a correlation looks at, one row each: `vigil_t, vigil_g0…, [vigil_v,] vigil_ref` (the field's
    /// text as it is), for a caller that windows them itself. `inputs`: referenced rules with their position in
    /// the correlation's `rules`, name and formula.
    public func correlationMatches(
        _ correlation: SigmaCorrelation, inputs: [(position: Int, name: String?, predicate: Predicate)], table: String
    ) throws(Unsupported) -> String {
        try matches(correlation, inputs: inputs, table: table, numeric: false)
    }

    /// One filtered scan per referenced rule, tagged with the rule's position, `UNION ALL`-ed.
    func matches(
        _ correlation: SigmaCorrelation, inputs: [(position: Int, name: String?, predicate: Predicate)], table: String, numeric: Bool
    ) throws(Unsupported) -> String {
        guard let timeField = layout.time else {
            throw Unsupported("layout \(layout.name) names no time column (seconds since 1970) to window the events by")
        }
        let timeColumn: String
        if let columns, !layout.nested {
            guard let name = columns.first(where: { Self.normalised($0) == Self.normalised(timeField) }) else {
                throw Unsupported("the table has no time column \(timeField) (`vigil export` writes it)")
            }
            timeColumn = dialect.identifier(name)
        } else {
            timeColumn = column(path: layout.nested ? timeField.split(separator: ".").map(String.init) : [timeField])
        }
        let tableName = table.split(separator: ".").map { dialect.identifier(String($0)) }.joined(separator: ".")
        var branches: [String] = []
        for input in inputs {
            var items = ["coalesce(\(dialect.number(timeColumn)), 0) AS vigil_t"]
            for (g, field) in correlation.groupBy.enumerated() {
                let actual = correlation.aliases[field].flatMap { aliases in input.name.flatMap { aliases[$0] } } ?? field
                items.append("coalesce(\(resolve(actual) ?? "NULL"), '') AS \(CorrelationColumns.group(g))")
            }
            if let field = correlation.field {
                let column = resolve(field)
                items.append("\(column.map { numeric ? dialect.number($0) : $0 } ?? "NULL") AS vigil_v")
            }
            items.append(dialect == .clickhouse ? "toInt64(\(input.position)) AS vigil_ref" : "\(input.position) AS vigil_ref")
            branches.append("SELECT \(items.joined(separator: ", ")) FROM \(tableName) WHERE \(try expression(bind(input.predicate)))")
        }
        return branches.joined(separator: " UNION ALL ")
    }

    /// The quantity compared in each window, as a window expression over `w`.
    func measure(_ correlation: SigmaCorrelation) throws(Unsupported) -> String {
        func distinct(_ e: String) -> String {
            switch dialect {
            case .duckdb: "len(list_distinct(list(\(e)) OVER w))"
            case .spark: "size(collect_set(\(e)) OVER w)"
            case .clickhouse: "uniqExact(\(e)) OVER w"
            }
        }
        switch correlation.type {
        case .eventCount: return "count(*) OVER w"
        case .valueCount:
            guard correlation.field != nil else { throw Unsupported("value_count needs a field") }
            return distinct("vigil_v")
        case .temporal: return distinct("vigil_ref")
        case .temporalOrdered:
            // The rules' positions in time order (ties by position, as locally), folded into the length of the
            // longest prefix of the rule list seen in sequence.
            switch dialect {
            case .duckdb:
                return
                    "list_reduce(list_prepend(0, list_transform(list_sort(list({'t': vigil_t, 'r': vigil_ref}) OVER w), lambda s: s.r)), "
                    + "lambda acc, r: CASE WHEN r = acc THEN acc + 1 ELSE acc END)"
            case .spark:
                return "aggregate(transform(array_sort(collect_list(struct(vigil_t, vigil_ref)) OVER w), s -> s.vigil_ref), 0, "
                    + "(acc, r) -> IF(r = acc, acc + 1, acc))"
            case .clickhouse:
                return
                    "arrayFold((acc, r) -> if(r = acc, acc + 1, acc), arrayMap(s -> s.2, arraySort(groupArray((vigil_t, vigil_ref)) OVER w)), "
                    + "toInt64(0))"
            }
        case .valueSum, .valueAvg, .valuePercentile:
            guard correlation.field != nil else { throw Unsupported("\(correlation.type.rawValue) needs a field") }
            if correlation.type == .valueSum { return "sum(vigil_v) OVER w" }
            if correlation.type == .valueAvg { return "avg(vigil_v) OVER w" }
            // Nearest rank, rounded half up, of the numbers in the window: the local engine's percentile.
            let p = Self.number(min(max(correlation.percentile ?? 50, 0), 100))
            let rank = "floor(\(p) / 100.0 * ((count(vigil_v) OVER w) - 1) + 0.5)"
            switch dialect {
            case .duckdb:
                return "list_sort(list_filter(list(vigil_v) OVER w, lambda x: x IS NOT NULL))[CAST(\(rank) AS BIGINT) + 1]"
            case .spark:
                return
                    "CASE WHEN count(vigil_v) OVER w > 0 THEN element_at(array_sort(collect_list(vigil_v) OVER w), CAST(\(rank) AS INT) + 1) END"
            case .clickhouse:
                return "arrayElement(arraySort(groupArray(vigil_v) OVER w), toInt64(\(rank)) + 1)"
            }
        }
    }
}

/// The local engine's firings from the windows a correlation query returns.
public enum CorrelationWindows {
    /// One window: its group, start and end times, and measured value.
    public struct Window: Sendable {
        public var group: [String]
        public var first: Double
        public var last: Double
        public var value: Double

        public init(group: [String], first: Double, last: Double, value: Double) {
            self.group = group
            self.first = first
            self.last = last
            self.value = value
        }
    }

    /// Per group, the first window, then the first one starting more than `timespan` after the last firing's
    /// start (the local engine resumes after the events of the window that fired), in group order.
    public static func firings(_ windows: [Window], correlation: Int, timespan: Int) -> [CorrelationHit] {
        var byGroup: [[String]: [Window]] = [:]
        for w in windows { byGroup[w.group, default: []].append(w) }
        var hits: [CorrelationHit] = []
        for (group, list) in byGroup.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var last: Double?
            for w in list.sorted(by: { $0.first < $1.first }) {
                if let last, !(w.first - last > Double(timespan)) { continue }
                hits.append(
                    CorrelationHit(correlation: correlation, group: group, firstTimestamp: w.first, lastTimestamp: w.last, value: w.value))
                last = w.first
            }
        }
        return hits
    }
}
