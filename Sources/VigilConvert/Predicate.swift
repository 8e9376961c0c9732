// What a rule means as one boolean formula over named fields: the detection, its condition and its
// logsource (channel and event IDs from the same mapping the local engine uses), with the source's field
// renames and value maps applied. Every back end prints this one model, so a rule means the same everywhere.
import VigilCore
import VigilSigma

/// A two-valued formula over an event's fields. A test on an absent field is false (except `isNull` and
/// `exists(false)`), as in the local engine; printers must keep that under `not` (SQL's NULL is not false).
public indirect enum Predicate: Sendable, Hashable {
    case and([Predicate])
    case or([Predicate])
    case not(Predicate)
    case constant(Bool)
    /// A test of one field, named by its Sigma name after the source's renames.
    case field(String, FieldCondition)
    /// A keyword: the condition holds for any field of the event.
    case keyword(FieldCondition)

    /// Folds constants and flattens nested and/or so that printed queries stay small.
    public var simplified: Predicate {
        switch self {
        case .and(let xs):
            var out: [Predicate] = []
            for x in xs.map(\.simplified) {
                switch x {
                case .constant(true): continue
                case .constant(false): return .constant(false)
                case .and(let inner): out += inner
                default: out.append(x)
                }
            }
            return out.isEmpty ? .constant(true) : out.count == 1 ? out[0] : .and(out)
        case .or(let xs):
            var out: [Predicate] = []
            for x in xs.map(\.simplified) {
                switch x {
                case .constant(false): continue
                case .constant(true): return .constant(true)
                case .or(let inner): out += inner
                default: out.append(x)
                }
            }
            return out.isEmpty ? .constant(false) : out.count == 1 ? out[0] : .or(out)
        case .not(let x):
            switch x.simplified {
            case .constant(let b): return .constant(!b)
            case .not(let inner): return inner
            case let y: return .not(y)
            }
        default:
            return self
        }
    }

    /// Every field name the formula reads (keywords read all of them and are not listed).
    public var fields: Set<String> {
        switch self {
        case .and(let xs), .or(let xs): return xs.reduce(into: []) { $0.formUnion($1.fields) }
        case .not(let x): return x.fields
        case .constant, .keyword: return []
        case .field(let name, let condition):
            if case .fieldref(let other, _, _) = condition { return [name, other] }
            return [name]
        }
    }

    public var hasKeywords: Bool {
        switch self {
        case .and(let xs), .or(let xs): xs.contains(where: \.hasKeywords)
        case .not(let x): x.hasKeywords
        case .keyword: true
        case .constant, .field: false
        }
    }
}

/// One test of a field's value.
public enum FieldCondition: Sendable, Hashable {
    /// Text with `*`/`?` wildcards; case-insensitive unless `cased`.
    case string(SigmaString, cased: Bool)
    case regex(String, ignoreCase: Bool, multiline: Bool, dotAll: Bool)
    case compare(ComparisonOperator, Double, part: TimePart?)
    case cidr(CIDRNetwork)
    /// The field is absent or null.
    case isNull
    case exists(Bool)
    /// Compares with another field of the same event.
    case fieldref(String, FieldRefMode, cased: Bool)
    /// The event ID, a decimal number, is one of these (logsource conditions).
    case eventID([Int])
    /// The event was written to this channel, ignoring case (logsource conditions). On a table that keeps the
    /// header apart (`vigil export`'s `vigil_channel`), it reads that column, never a data field named Channel.
    case channel(String)

    /// The channel test as the text test it prints as where the table has one Channel column.
    public static func channelText(_ name: String) -> SigmaString { SigmaString(plain: Array(name.utf8)) }

    /// The test's value on an event without the field: only `null` and `exists: false` hold.
    public var holdsOnAbsentField: Bool {
        switch self {
        case .isNull, .exists(false): true
        default: false
        }
    }
}

/// The formula of one rule, or why it has none.
public struct RuleQuery: Sendable {
    public var rule: Int
    public var predicate: Predicate?
    public var refusal: String?
}

/// Builds rule formulas with the local engine's logsource mapping.
public struct PredicateBuilder: Sendable {
    public var mapping: LogsourceMapping
    /// Rule ids and names the correlations and filters refer to, resolved by the caller.
    public var filters: [SigmaFilter]

    public init(mapping: LogsourceMapping = .builtin, filters: [SigmaFilter] = []) {
        self.mapping = mapping
        self.filters = filters
    }

    /// The formula of `rule` (index `index` in its collection): OR over the sources its logsource maps to.
    public func query(_ rule: SigmaRule, index: Int) -> RuleQuery {
        let applicable = filters.filter { f in f.rules.contains { $0 == rule.id || ($0 == rule.name && rule.name != nil) } }
        var branches: [Predicate] = []
        switch mapping.resolve(rule.logsource) {
        case .unmapped:
            return RuleQuery(rule: index, predicate: nil, refusal: "no event source is mapped for logsource \(rule.logsource)")
        case .anyEvent:
            let scope: Predicate = rule.logsource.product == "windows" ? .field("Channel", .exists(true)) : .constant(true)
            branches.append(.and([scope, detection(rule.detection, nil, applicable)]))
        case .nonWindowsEvents:
            branches.append(.and([.field("Channel", .exists(false)), detection(rule.detection, nil, applicable)]))
        case .sources(let sources):
            for source in sources {
                var scope: [Predicate] = []
                if let channel = source.channel {
                    scope.append(.field("Channel", .channel(channel)))
                    if !source.eventIDs.isEmpty { scope.append(.field("EventID", .eventID(source.eventIDs))) }
                } else {
                    scope.append(.field("Channel", .exists(true)))
                }
                branches.append(.and(scope + [detection(rule.detection, source, applicable)]))
            }
        }
        return RuleQuery(rule: index, predicate: Predicate.or(branches).simplified, refusal: nil)
    }

    func detection(_ detection: SigmaDetection, _ source: EventSource?, _ filters: [SigmaFilter]) -> Predicate {
        var parts = [Predicate.or(detection.conditions.map { condition($0, detection, source) })]
        for filter in filters {
            parts.append(.or(filter.detection.conditions.map { condition($0, filter.detection, source) }))
        }
        return .and(parts)
    }

    func condition(_ expr: ConditionExpr, _ detection: SigmaDetection, _ source: EventSource?) -> Predicate {
        let names = detection.identifiers.map(\.name)
        switch expr {
        case .and(let xs): return .and(xs.map { condition($0, detection, source) })
        case .or(let xs): return .or(xs.map { condition($0, detection, source) })
        case .not(let x): return .not(condition(x, detection, source))
        case .identifier(let name):
            guard let node = detection.identifier(name) else { return .constant(false) }
            return self.node(node, source)
        case .oneOf(let pattern):
            return .or(ConditionExpr.resolve(pattern, in: names).compactMap { detection.identifier($0).map { node($0, source) } })
        case .allOf(let pattern):
            let matched = ConditionExpr.resolve(pattern, in: names)
            if matched.isEmpty { return .constant(false) }
            return .and(matched.compactMap { detection.identifier($0).map { node($0, source) } })
        }
    }

    func node(_ node: DetectionNode, _ source: EventSource?) -> Predicate {
        switch node {
        case .allOf(let xs): return .and(xs.map { self.node($0, source) })
        case .anyOf(let xs): return .or(xs.map { self.node($0, source) })
        case .item(let item): return self.item(item, source)
        }
    }

    func item(_ item: FieldItem, _ source: EventSource?) -> Predicate {
        // A field the source does not record is absent on its events: each test is what it is on an absent field
        // (a field reference to one is false), as in the local engine.
        let unrecorded = item.field.map { name in source.map { $0.recordedName(name) == nil } ?? false } ?? false
        let field = item.field.map { source?.renames[$0] ?? $0 }
        let valueMap = item.field.flatMap { source?.valueMaps[$0] }
        let tests: [Predicate] = (source?.values(of: item) ?? item.values).map { value in
            var value = value
            if let valueMap, case .string(let s, let cased) = value, let plain = s.plainBytes,
                let mapped = valueMap[String(decoding: plain, as: UTF8.self).lowercased()]
            {
                value = .string(SigmaString(plain: Array(mapped.utf8)), cased: cased)
            }
            let condition = Self.condition(value, source)
            if unrecorded { return .constant(condition.holdsOnAbsentField) }
            if case .fieldref(let other, _, _) = value, let source, source.recordedName(other) == nil { return .constant(false) }
            guard let field else { return .keyword(Self.keywordCondition(condition)) }
            return .field(field, condition)
        }
        let combined: Predicate = item.all ? .and(tests) : .or(tests)
        return item.negated ? .not(combined) : combined
    }

    static func condition(_ value: SigmaValue, _ source: EventSource?) -> FieldCondition {
        switch value {
        case .string(let s, let cased): .string(s, cased: cased)
        case .regex(let p, let i, let m, let s): .regex(p, ignoreCase: i, multiline: m, dotAll: s)
        case .compare(let op, let n, let part): .compare(op, n, part: part)
        case .cidr(let net): .cidr(net)
        case .null: .isNull
        case .exists(let b): .exists(b)
        case .fieldref(let other, let mode, let cased): .fieldref(source?.renames[other] ?? other, mode, cased: cased)
        }
    }

    /// A plain keyword is searched within values, as the local engine does.
    static func keywordCondition(_ condition: FieldCondition) -> FieldCondition {
        guard case .string(let s, let cased) = condition, !s.hasWildcards else { return condition }
        return .string(s.prepending(.anyRun).appending(.anyRun), cased: cased)
    }
}
