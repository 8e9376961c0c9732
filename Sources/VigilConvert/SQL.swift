// SQL for Spark, ClickHouse and DuckDB from one printer: the dialects differ in quoting, string-literal
// escaping, case folding and function names, not in what a rule means. Every value goes through `literal`,
// which escapes what the dialect's parser would otherwise interpret: a rule value cannot become SQL.
import VigilCore
import VigilSigma

public enum SQLDialect: String, Sendable, CaseIterable {
    case spark, clickhouse, duckdb

    /// `"`-quoted for DuckDB, backquoted for Spark and ClickHouse; the quote itself doubled.
    public func identifier(_ name: String) -> String {
        switch self {
        case .duckdb: "\"" + (name.utf8.contains(0x22) ? name.replacing("\"", with: "\"\"") : name) + "\""
        case .spark, .clickhouse: "`" + (name.utf8.contains(0x60) ? name.replacing("`", with: "``") : name) + "`"
        }
    }

    /// A string literal. Spark and ClickHouse read backslash escapes inside quotes; DuckDB reads none.
    func literal(_ text: String) -> String {
        switch self {
        case .duckdb: return "'" + (text.utf8.contains(0x27) ? text.replacing("'", with: "''") : text) + "'"
        case .spark, .clickhouse:
            var out = "'"
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "'": out += "\\'"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "'"
        }
    }

    func lower(_ e: String) -> String { self == .clickhouse ? "lowerUTF8(\(e))" : "lower(\(e))" }

    func like(_ e: String, _ pattern: String) -> String {
        self == .duckdb ? "\(e) LIKE \(literal(pattern)) ESCAPE '\\'" : "\(e) LIKE \(literal(pattern))"
    }

    func startsWith(_ a: String, _ b: String) -> String {
        switch self {
        case .spark: "startswith(\(a), \(b))"
        case .clickhouse: "startsWith(\(a), \(b))"
        case .duckdb: "starts_with(\(a), \(b))"
        }
    }

    func endsWith(_ a: String, _ b: String) -> String {
        switch self {
        case .spark: "endswith(\(a), \(b))"
        case .clickhouse: "endsWith(\(a), \(b))"
        case .duckdb: "ends_with(\(a), \(b))"
        }
    }

    func contains(_ a: String, _ b: String) -> String {
        switch self {
        case .spark, .duckdb: "contains(\(a), \(b))"
        case .clickhouse: "position(\(a), \(b)) > 0"
        }
    }

    func regex(_ e: String, _ pattern: String) -> String {
        switch self {
        case .spark: "\(e) RLIKE \(literal(pattern))"
        case .clickhouse: "match(\(e), \(literal(pattern)))"
        case .duckdb: "regexp_matches(\(e), \(literal(pattern)))"
        }
    }

    func number(_ e: String) -> String {
        switch self {
        case .spark, .duckdb: "TRY_CAST(\(e) AS DOUBLE)"
        case .clickhouse: "toFloat64OrNull(\(e))"
        }
    }

    /// A test of a column that may hold a list, written by `vigil export` as its JSON array text (`["SYSCALL","EXECVE"]`):
    /// on a JSON array, `element` (a test of `vigil_element`) for any element, as the local engine tests a list;
    /// on anything else `scalar`. NULL is false.
    func listOrScalar(_ column: String, element: String, scalar: String) -> String {
        let v = SQLPrinter.elementVariable
        switch self {
        case .duckdb:
            return "CASE WHEN starts_with(\(column), '[') AND json_valid(\(column)) THEN coalesce(list_bool_or(list_transform("
                + "CAST(json_extract_string(\(column), '$[*]') AS VARCHAR[]), lambda \(v): \(element))), FALSE) "
                + "ELSE coalesce(\(scalar), FALSE) END"
        case .clickhouse:
            let text = "ifNull(\(column), '')"
            return "if(startsWith(\(text), '[') AND isValidJSON(\(text)), arrayExists(\(v) -> \(element), "
                + "JSONExtract(\(text), 'Array(String)')), ifNull(\(scalar), 0))"
        case .spark:
            let list = "from_json(\(column), 'array<string>')"
            return "CASE WHEN startswith(\(column), '[') AND \(list) IS NOT NULL THEN coalesce(exists(\(list), \(v) -> \(element)), FALSE) "
                + "ELSE coalesce(\(scalar), FALSE) END"
        }
    }

    /// NULL as false, so that `NOT` of a test on an absent field is true, as in the local engine.
    func definite(_ e: String) -> String { self == .clickhouse ? "ifNull(\(e), 0)" : "coalesce(\(e), FALSE)" }

    var trueLiteral: String { self == .clickhouse ? "1" : "TRUE" }
    var falseLiteral: String { self == .clickhouse ? "0" : "FALSE" }
}

/// Why a formula cannot be printed for a target; the rule is refused with this reason.
public struct Unsupported: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Prints formulas as a SQL `WHERE` expression and whole queries.
public struct SQLPrinter: Sendable {
    public var dialect: SQLDialect { didSet { columnIndex = columns.map { ColumnIndex($0, dialect) } } }
    public var layout: FieldLayout
    /// The table's columns, when known: keyword searches need them, and a field with no column is absent.
    public var columns: [String]? { didSet { columnIndex = columns.map { ColumnIndex($0, dialect) } } }
    /// The columns by exact and by normalised name, quoted (`resolve` scanned the list for every field reference:
    /// a fifth of converting the Windows rules for a 312-column export).
    private var columnIndex: ColumnIndex?

    /// When set, lower-cased columns are named here and computed once per row by the caller's subquery.
    var lowering: LoweredColumns?
    /// Value tests read a list-valued column element by element (`listOrScalar`): set for rules on the channels
    /// whose events hold lists (`holdsLists`), so that other rules' queries stay as they are.
    var elementwise = false

    /// The lambda variable of element tests.
    static let elementVariable = "vigil_element"

    /// Events of these channels hold lists: Linux audit events (`type` lists the record types; a key of several
    /// records, such as PATH's `name`, lists their values) and Zeek logs (set and vector columns).
    public static func holdsLists(channel: String) -> Bool {
        let name = channel.lowercased()
        return name == "linux/auditd" || name.hasPrefix("zeek/")
    }

    /// Some channel test in `p` names a channel whose events hold lists.
    static func holdsLists(_ p: Predicate) -> Bool {
        switch p {
        case .and(let xs), .or(let xs): return xs.contains(where: holdsLists)
        case .not(let x): return holdsLists(x)
        case .field(_, .channel(let name)): return holdsLists(channel: name)
        case .field, .constant, .keyword: return false
        }
    }

    public init(dialect: SQLDialect, layout: FieldLayout, columns: [String]? = nil) {
        self.dialect = dialect
        self.layout = layout
        self.columns = columns
        columnIndex = columns.map { ColumnIndex($0, dialect) }
    }

    /// A column folded to lower case: the function call, or the name of the value the subquery computed.
    func lowered(_ column: String) -> String {
        guard let lowering else { return dialect.lower(column) }
        return lowering.alias(dialect.lower(column))
    }

    /// Joins keyword searches' columns: a character no searched text holds (see `containedText`).
    static let keywordSeparator = "\u{1F}"

    /// The columns joined by `keywordSeparator` (NULLs left out or empty), then folded to lower case: one
    /// `lower` per row, not one per column.
    func joinedLowered(_ columns: [String]) -> String {
        let separator = dialect.literal(Self.keywordSeparator)
        let joined = dialect.lower(
            dialect == .clickhouse
                ? "concatWithSeparator(\(separator), " + columns.map { "ifNull(\($0), '')" }.joined(separator: ", ") + ")"
                : "concat_ws(\(separator), " + columns.joined(separator: ", ") + ")")
        return lowering?.alias(joined) ?? joined
    }

    /// The lower-cased text of a case-insensitive `*text*` search whose text is not empty and holds no
    /// separator; nil for any other test.
    static func containedText(_ condition: FieldCondition) -> String? {
        guard case .string(let s, cased: false) = condition, s.parts.count == 3, case .anyRun = s.parts[0], case .anyRun = s.parts[2],
            case .literal(let bytes) = s.parts[1], !bytes.isEmpty, !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0 == "\u{1F}" })
        else { return nil }
        return text.lowercased()
    }

    public func query(_ predicate: Predicate, table: String, select: [String]) throws(Unsupported) -> String {
        let tableName = table.split(separator: ".").map { dialect.identifier(String($0)) }.joined(separator: ".")
        let selected = select.map { $0 == "*" ? "*" : column(path: layout.nested ? $0.split(separator: ".").map(String.init) : [$0]) }
        var printer = self
        printer.elementwise = Self.holdsLists(predicate)
        return "SELECT \(selected.joined(separator: ", ")) FROM \(tableName) WHERE \(try printer.expression(bind(predicate)))"
    }

    /// With a known column list: tests of fields the table lacks become what they are on an absent field, and
    /// the formula is folded again (a rule whose logsource fields are missing becomes FALSE, not an error).
    public func bind(_ p: Predicate) -> Predicate {
        guard columns != nil, !layout.nested else { return p }
        func walk(_ p: Predicate) -> Predicate {
            switch p {
            case .and(let xs): return .and(xs.map(walk))
            case .or(let xs): return .or(xs.map(walk))
            case .not(let x): return .not(walk(x))
            case .constant, .keyword: return p
            case .field(let name, let condition):
                // Logsource tests read the header columns `vigil export` writes, where the table has them.
                switch condition {
                case .channel where resolve(ExportColumns.channel) != nil:
                    return .field(ExportColumns.channel, condition)
                case .eventID where resolve(ExportColumns.eventID) != nil:
                    return .field(ExportColumns.eventID, condition)
                default: break
                }
                if resolve(name) == nil { return .constant(condition.holdsOnAbsentField) }
                if case .fieldref(let other, _, _) = condition, resolve(other) == nil { return .constant(false) }
                return p
            }
        }
        return walk(p).simplified
    }

    /// Several rules in one query, each result row tagged with the rule's position in the batch (`vigil_rule`).
    /// `scope` is the rules' shared logsource test (channel, event IDs), `tests` the rest of each rule.
    /// Every engine evaluates one projection over the rows in scope, each column lower-cased (and the keyword
    /// text joined) once per row in a subquery: a scan per rule (`UNION ALL`) re-reads and re-lowers the columns
    /// for every rule (DuckDB: 71 s for the Windows rules over the 80,939 Sysmon events, keyword rules joining
    /// 312 columns per rule and row), Spark pays a task per union branch, ClickHouse a pipeline per branch.
    /// DuckDB lists the matching rules' positions (`CASE … END`, NULL for the others) and unnests them.
    ///
    /// With `identity` (DuckDB: `rowid`) the query returns that column as `vigil_row` instead of `select`: each
    /// row in scope then reads only the columns its tests need, where a `SELECT *` carried all of a wide table's
    /// columns through the projection (0.76 s instead of 0.01 s for one batch over a million Sysmon rows).
    public func batchQuery(scope: Predicate, tests: [Predicate], table: String, select: [String], identity: String? = nil)
        throws(Unsupported) -> String
    {
        let tableName = table.split(separator: ".").map { dialect.identifier(String($0)) }.joined(separator: ".")
        let selected = select.map { $0 == "*" ? "*" : column(path: layout.nested ? $0.split(separator: ".").map(String.init) : [$0]) }
            .joined(separator: ", ")
        var printer = self
        // Each rule's tests read lists element-wise when its channel (in the scope or, with the export's header
        // columns, among its tests) holds lists.
        let inScope = Self.holdsLists(scope)
        // A hundred rules fold the same columns to lower case again and again; a subquery folds each once per row
        // (Spark: 1.5–3× faster batches on the Sysmon logs).
        printer.lowering = LoweredColumns()
        var flags: [String] = []
        for (k, t) in tests.enumerated() {
            printer.elementwise = inScope || Self.holdsLists(t)
            let test = try printer.expression(t)
            flags.append(dialect == .duckdb ? "CASE WHEN \(test) THEN \(k) END" : "IF(\(test), \(k), -1)")
        }
        let list = flags.joined(separator: ", ")
        // The scope filters the table itself, under the subquery: its columns as they are, not the folded ones.
        var scoped = self
        scoped.elementwise = inScope
        let filter = scope == .constant(true) ? "" : " WHERE \(try scoped.expression(scope))"
        let folded = printer.lowering!.values
        let computed = folded.map { ", \($0.expression) AS \($0.alias)" }.joined()
        if let identity, dialect == .duckdb {
            return "SELECT vigil_row, unnest(list_distinct([\(list)])) AS vigil_rule FROM (SELECT \(identity) AS vigil_row, *\(computed)"
                + " FROM \(tableName)\(filter)) vigil_rows"
        }
        let source = folded.isEmpty ? tableName + filter : "(SELECT *\(computed) FROM \(tableName)\(filter)) vigil_rows"
        switch dialect {
        case .duckdb:
            // `list_distinct` drops the NULLs before `unnest` copies the row's columns for each element.
            return "SELECT \(selected), unnest(list_distinct([\(list)])) AS vigil_rule FROM \(source)"
        case .spark, .clickhouse:
            let rules =
                dialect == .spark
                ? "explode(array_remove(array(\(list)), -1))" : "arrayJoin(arrayFilter(x -> x >= 0, [\(list)]))"
            return "SELECT \(selected), \(rules) AS vigil_rule FROM \(source)"
        }
    }

    /// The logsource part of a rule's formula (its channel and event-ID tests) and the rest. A rule of several
    /// sources (an OR of scoped branches, e.g. Sysmon 3 or Security 5156) has their OR as its scope and keeps its
    /// whole formula as the rest, so that its batch still reads only the rows of those sources.
    public static func splitScope(_ p: Predicate) -> (scope: Predicate, rest: Predicate) {
        switch p {
        case .and(let parts):
            // By the test as well as the field's name: bound to a flat export, the channel and event-ID tests read
            // `vigil_channel` and `vigil_event_id`.
            let isScope: (Predicate) -> Bool = { part in
                switch part {
                case .field(_, .channel), .field(_, .eventID): return true
                case .field(let name, _): return name == "Channel" || name == "EventID"
                default: return false
                }
            }
            let scope = parts.filter(isScope)
            let rest = parts.filter { !isScope($0) }
            return (Predicate.and(scope).simplified, Predicate.and(rest).simplified)
        case .or(let branches):
            let scopes = branches.map { splitScope($0).scope }
            guard !scopes.contains(.constant(true)) else { return (.constant(true), p) }
            return (Predicate.or(scopes).simplified, p)
        default:
            return (.constant(true), p)
        }
    }

    public func expression(_ p: Predicate) throws(Unsupported) -> String {
        switch p {
        case .constant(let b): return b ? dialect.trueLiteral : dialect.falseLiteral
        case .and(let xs): return try group(xs, "AND")
        case .or(let xs): return try group(xs, "OR")
        case .not(let x): return "NOT \(dialect.definite(try expression(x)))"
        case .field(let name, let condition):
            guard let column = resolve(name) else { return try absent(condition) }
            switch condition {
            case .string, .regex, .compare, .cidr:
                guard elementwise else { fallthrough }
                var inner = self
                inner.lowering = nil
                inner.elementwise = false
                let element = try inner.test(Self.elementVariable, condition)
                return dialect.listOrScalar(column, element: element, scalar: try test(column, condition))
            default: return try test(column, condition)
            }
        case .keyword(let condition):
            guard let columns else {
                throw Unsupported("a keyword search needs the table's column list (give --columns FILE)")
            }
            let searched = columns.filter { $0 != ExportColumns.origin && $0 != ExportColumns.time }
            if !searched.isEmpty, let text = Self.containedText(condition) {
                // A text inside any column is a text inside all of them joined by a character it does not hold:
                // one test instead of one per column (a wide table has hundreds).
                return dialect.contains(joinedLowered(searched.map { column(path: [$0]) }), dialect.literal(text))
            }
            let tests = try searched.map { (c) throws(Unsupported) -> String in try test(column(path: [c]), condition) }
            return tests.isEmpty ? dialect.falseLiteral : "(" + tests.joined(separator: " OR ") + ")"
        }
    }

    private func group(_ xs: [Predicate], _ op: String) throws(Unsupported) -> String {
        var parts: [String] = []
        var xs = xs
        if op == "OR", dialect == .duckdb, !elementwise { parts = containsAlternations(&xs) }
        for x in xs {
            let e = try expression(x)
            if case .and = x, op == "OR" {
                parts.append("(\(e))")
            } else if case .or = x, op == "AND" {
                parts.append("(\(e))")
            } else {
                parts.append(e)
            }
        }
        return parts.joined(separator: " \(op) ")
    }

    /// DuckDB: the case-insensitive `*text*` tests of one column among `xs` (two or more) as one RE2 alternation
    /// of the texts, `regexp_matches(lower(c), 'a|b|…')`, taken out of `xs`: one pass over a long value (a
    /// PowerShell payload) instead of one per text; SigmaHQ's module-logging rules list over a thousand texts.
    private func containsAlternations(_ xs: inout [Predicate]) -> [String] {
        func contained(_ x: Predicate) -> (column: String, text: String)? {
            guard case .field(let name, let condition) = x, case .string(_, cased: false) = condition, let column = resolve(name),
                let text = Self.containedText(condition)
            else { return nil }
            return (column, text)
        }
        var texts: [String: [String]] = [:]
        var order: [String] = []
        for case let (column, text)? in xs.map(contained) {
            if texts[column] == nil { order.append(column) }
            texts[column, default: []].append(text)
        }
        // A column with a single text keeps its test as it is.
        xs.removeAll { x in contained(x).map { texts[$0.column]!.count > 1 } ?? false }
        return order.compactMap { column in
            let list = texts[column]!
            return list.count > 1 ? dialect.regex(lowered(column), list.map(Self.re2Literal).joined(separator: "|")) : nil
        }
    }

    /// `text` as an RE2 pattern matching exactly it: punctuation escaped, control characters as `\x{…}`.
    static func re2Literal(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x{" + String(scalar.value, radix: 16) + "}"
            } else if scalar.isASCII,
                !(("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == " ")
            {
                out += "\\"
                out.unicodeScalars.append(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The column of a field, or nil when the table is known not to have it.
    public func resolve(_ field: String) -> String? {
        let path = layout.column(field)
        if let columnIndex, !layout.nested {
            // As in the local engine, names match ignoring ASCII case and spaces (`Source Name` is `SourceName`).
            return columnIndex.exact[path[0]] ?? columnIndex.normalised[Self.normalised(path[0])]
        }
        return column(path: path)
    }

    public static func normalised(_ name: String) -> String { String(name.lowercased().filter { $0 != " " }) }

    func column(path: [String]) -> String { path.map(dialect.identifier).joined(separator: ".") }

    /// A test of a field the table does not have: the local engine sees it as absent.
    func absent(_ condition: FieldCondition) throws(Unsupported) -> String {
        condition.holdsOnAbsentField ? dialect.trueLiteral : dialect.falseLiteral
    }

    func test(_ column: String, _ condition: FieldCondition) throws(Unsupported) -> String {
        switch condition {
        case .isNull: return "\(column) IS NULL"
        case .exists(let yes): return yes ? "\(column) IS NOT NULL" : "\(column) IS NULL"
        case .eventID(let ids):
            return "\(column) IN (" + ids.map { dialect.literal(String($0)) }.joined(separator: ", ") + ")"
        case .string(let s, let cased):
            return try string(column, s, cased: cased)
        case .channel(let name):
            return try string(column, FieldCondition.channelText(name), cased: false)
        case .regex(let pattern, let i, let m, let s):
            if dialect != .spark, let feature = RegexDialect.unsupportedInRE2(pattern) {
                throw Unsupported("the regular expression uses \(feature), which \(dialect.rawValue)'s RE2 engine does not support")
            }
            let flags = (i ? "i" : "") + (m ? "m" : "") + (s ? "s" : "")
            return dialect.regex(column, flags.isEmpty ? pattern : "(?\(flags))" + pattern)
        case .compare(let op, let n, let part):
            if let part { throw Unsupported("the |\(part.rawValue) timestamp-part comparison is not converted") }
            return "\(dialect.number(column)) \(op.symbol(equals: "=")) \(Self.number(n))"
        case .cidr(let network):
            return try cidr(column, network)
        case .fieldref(let other, let mode, let cased):
            guard let otherColumn = resolve(other) else { return dialect.falseLiteral }
            let a = cased ? column : lowered(column)
            let b = cased ? otherColumn : lowered(otherColumn)
            switch mode {
            case .equals: return "\(a) = \(b)"
            case .startsWith: return dialect.startsWith(a, b)
            case .endsWith: return dialect.endsWith(a, b)
            case .contains: return dialect.contains(a, b)
            }
        }
    }

    func string(_ column: String, _ s: SigmaString, cased: Bool) throws(Unsupported) -> String {
        for case .literal(let bytes) in s.parts where bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil {
            throw Unsupported("a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)")
        }
        let e = cased ? column : lowered(column)
        func text(_ bytes: [UInt8]) -> String {
            let t = String(decoding: bytes, as: UTF8.self)
            return cased ? t : t.lowercased()
        }
        let parts = s.parts
        switch (parts.first, parts.last, parts.count) {
        case (nil, _, _): return "\(e) = ''"
        case (.literal(let b)?, _, 1): return "\(e) = \(dialect.literal(text(b)))"
        case (.literal(let b)?, .anyRun?, 2): return dialect.startsWith(e, dialect.literal(text(b)))
        case (.anyRun?, .literal(let b)?, 2): return dialect.endsWith(e, dialect.literal(text(b)))
        case (.anyRun?, .anyRun?, 3):
            if case .literal(let b) = parts[1] { return dialect.contains(e, dialect.literal(text(b))) }
        case (.anyRun?, _, 1): return "\(column) IS NOT NULL"
        default: break
        }
        var pattern = ""
        for part in parts {
            switch part {
            case .anyRun: pattern += "%"
            case .anyOne: pattern += "_"
            case .literal(let b):
                for c in text(b) {
                    if c == "%" || c == "_" || c == "\\" { pattern.append("\\") }
                    pattern.append(c)
                }
            }
        }
        return dialect.like(e, pattern)
    }

    /// A network as regular expressions over the lower-cased address text that accept exactly the texts the
    /// local engine reads as an address inside it (see AddressPatterns).
    func cidr(_ column: String, _ network: CIDRNetwork) throws(Unsupported) -> String {
        let text = lowered(column)
        if network.isIPv4 { return dialect.regex(text, AddressPatterns.ipv4(network)) }
        let (prefixed, exact) = AddressPatterns.ipv6(network)
        var parts: [String] = []
        if !exact.isEmpty { parts.append(dialect.regex(text, exact.joined(separator: "|"))) }
        if let prefixed {
            parts.append("(\(dialect.regex(text, prefixed)) AND \(dialect.regex(text, AddressPatterns.validIPv6)))")
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
    }

    static func number(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }
}

/// A table's columns quoted, by exact name and by `SQLPrinter.normalised` name, the first of each kept.
final class ColumnIndex: Sendable {
    let exact: [String: String]
    let normalised: [String: String]

    init(_ columns: [String], _ dialect: SQLDialect) {
        var exact: [String: String] = [:]
        var normalised: [String: String] = [:]
        for name in columns {
            let quoted = dialect.identifier(name)
            if exact[name] == nil { exact[name] = quoted }
            let key = SQLPrinter.normalised(name)
            if normalised[key] == nil { normalised[key] = quoted }
        }
        self.exact = exact
        self.normalised = normalised
    }
}

/// The values one batch query computes once per row (lower-cased columns, joined keyword text), each named once
/// (`vigil_l0`, …) in first-use order.
final class LoweredColumns: @unchecked Sendable {
    private(set) var values: [(expression: String, alias: String)] = []
    private var aliases: [String: String] = [:]

    func alias(_ expression: String) -> String {
        if let a = aliases[expression] { return a }
        let a = "vigil_l\(values.count)"
        aliases[expression] = a
        values.append((expression, a))
        return a
    }
}

extension ComparisonOperator {
    /// The comparison as an operator; `equals` is the language's equality (`=` in SQL, `==` in eval).
    func symbol(equals: String) -> String {
        switch self {
        case .lt: "<"
        case .lte: "<="
        case .gt: ">"
        case .gte: ">="
        case .eq: equals
        }
    }
}

enum RegexDialect {
    /// The first construct of `pattern` that RE2 rejects: look-around and back-references.
    static func unsupportedInRE2(_ pattern: String) -> String? {
        let u = Array(pattern.utf8)
        var i = 0
        var inClass = false
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: "\\") {
                if i + 1 < u.count, !inClass, u[i + 1] >= UInt8(ascii: "1") && u[i + 1] <= UInt8(ascii: "9") { return "a back-reference" }
                i += 2
                continue
            }
            if c == UInt8(ascii: "[") { inClass = true }
            if c == UInt8(ascii: "]") { inClass = false }
            if !inClass, c == UInt8(ascii: "("), i + 2 < u.count, u[i + 1] == UInt8(ascii: "?") {
                let next = u[i + 2]
                if next == UInt8(ascii: "=") || next == UInt8(ascii: "!") { return "a look-ahead" }
                if next == UInt8(ascii: "<"), i + 3 < u.count, u[i + 3] == UInt8(ascii: "=") || u[i + 3] == UInt8(ascii: "!") {
                    return "a look-behind"
                }
                if next == UInt8(ascii: ">") { return "an atomic group" }
            }
            if !inClass, (c == UInt8(ascii: "+") || c == UInt8(ascii: "*") || c == UInt8(ascii: "?") || c == UInt8(ascii: "}")),
                i + 1 < u.count, u[i + 1] == UInt8(ascii: "+")
            {
                return "a possessive quantifier"
            }
            i += 1
        }
        return nil
    }
}
