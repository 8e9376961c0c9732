// Diagnostics: what went wrong with an input, where, and a stable code for `--json` output.
// Bad input never crashes and never vanishes: readers return these and keep going.

/// Where in an input a problem was found. Line and column are 1-based; offset is a byte offset.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var offset: Int?
    /// A location inside a structured input that has no useful line, e.g. a STIX object id or an EVTX chunk.
    public var item: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, offset: Int? = nil, item: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
        self.item = item
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        } else if let offset {
            text += ":@\(offset)"
        }
        if let item { text += " [\(item)]" }
        return text
    }
}

public enum DiagnosticSeverity: String, Sendable, Codable, Comparable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One problem with one input: a reason a person understands, a code a program can match on.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var location: SourceLocation
    public var severity: DiagnosticSeverity
    /// Stable, kebab-case identifier of the kind of problem (e.g. `json-syntax`, `stix-missing-field`).
    public var code: String
    public var message: String

    public init(_ location: SourceLocation, _ severity: DiagnosticSeverity = .error, code: String, _ message: String) {
        self.location = location
        self.severity = severity
        self.code = code
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message) [\(code)]" }
}

/// Collects diagnostics during a run and counts them by code.
public struct DiagnosticLog: Sendable {
    public private(set) var items: [Diagnostic] = []
    public init() {}

    public mutating func add(_ diagnostic: Diagnostic) { items.append(diagnostic) }
    public mutating func add(contentsOf other: [Diagnostic]) { items.append(contentsOf: other) }

    public var errorCount: Int { items.count(where: { $0.severity == .error }) }
    public var warningCount: Int { items.count(where: { $0.severity == .warning }) }
    public var isEmpty: Bool { items.isEmpty }

    public var countsByCode: [(code: String, count: Int)] {
        var counts: [String: Int] = [:]
        for item in items { counts[item.code, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
