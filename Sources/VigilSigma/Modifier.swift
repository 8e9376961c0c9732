// Value modifiers (`Field|contains|all`): the names the specification defines, applied in order.

public enum Modifier: String, Sendable, Hashable, CaseIterable {
    case contains, startswith, endswith, all, exists, cased, neq, windash
    case re, i, m, s
    case base64, base64offset, utf16le, utf16be, utf16, wide
    case lt, lte, gt, gte
    case minute, hour, day, week, month, year
    case cidr, expand, fieldref

    /// Regular-expression flags are sub-modifiers: they only make sense after `re`.
    var isRegexFlag: Bool { self == .i || self == .m || self == .s }

    var timePart: TimePart? {
        switch self {
        case .minute: .minute
        case .hour: .hour
        case .day: .day
        case .week: .week
        case .month: .month
        case .year: .year
        default: nil
        }
    }

    var comparison: ComparisonOperator? {
        switch self {
        case .lt: .lt
        case .lte: .lte
        case .gt: .gt
        case .gte: .gte
        default: nil
        }
    }
}

public enum ComparisonOperator: String, Sendable, Hashable {
    case lt, lte, gt, gte, eq

    func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .lt: a < b
        case .lte: a <= b
        case .gt: a > b
        case .gte: a >= b
        case .eq: a == b
        }
    }
}

/// Parts of a timestamp the `minute`…`year` modifiers compare.
public enum TimePart: String, Sendable, Hashable {
    case minute, hour, day, week, month, year
}

/// How a `fieldref` value compares the two fields.
public enum FieldRefMode: Sendable, Hashable {
    case equals, startsWith, endsWith, contains
}
