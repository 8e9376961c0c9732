// `--where 'Field=value ...'`: conditions on named fields, all of which an event must meet. Shared by
// stack and search so that both read a condition the same way.
import VigilCore

/// Field access for hunting: header names go through `Event`'s accessors, so that `Computer`, `Channel`
/// and `EventID` mean the same on EVTX and on flat exports (where the host may be called `Hostname`).
public enum EventField {
    public static func value(_ event: Event, _ name: String) -> String? {
        switch name.lowercased() {
        case "computer", "host": return event.computer
        case "channel": return event.channel
        case "eventid", "event_id": return event.eventID
        default: return event.value(named: name)
        }
    }
}

public struct FieldFilterError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// `Field=value` (equals, ignoring case; `*` and `?` as wildcards) and `Field!=value`, separated by spaces,
/// all required. A value with spaces goes in double quotes: `Image="C:\Program Files\x.exe"`.
public struct FieldFilter: Sendable {
    public struct Condition: Sendable {
        public var field: String
        /// The value as a case-insensitive glob.
        public var pattern: Glob
        public var negated: Bool
    }

    public var conditions: [Condition]

    public init(parsing text: String) throws(FieldFilterError) {
        var conditions: [Condition] = []
        for token in Self.tokens(text) {
            guard let eq = token.firstIndex(of: "=") else {
                throw FieldFilterError(description: "'\(token)' is not Field=value")
            }
            var field = token[..<eq]
            let negated = field.hasSuffix("!")
            if negated { field = field.dropLast() }
            guard !field.isEmpty else { throw FieldFilterError(description: "'\(token)' has no field name") }
            var value = token[token.index(after: eq)...]
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            conditions.append(Condition(field: String(field), pattern: Glob(value, ignoringCase: true), negated: negated))
        }
        guard !conditions.isEmpty else { throw FieldFilterError(description: "empty condition") }
        self.conditions = conditions
    }

    public func matches(_ event: Event) -> Bool {
        for c in conditions {
            let found = EventField.value(event, c.field).map { c.pattern.matches($0) } ?? false
            if found == c.negated { return false }
        }
        return true
    }

    /// Splits on spaces outside double quotes; quotes stay in the token so that `Field="a b"` survives.
    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        for ch in text {
            if ch == "\"" { quoted.toggle() }
            if ch.isWhitespace && !quoted {
                if !current.isEmpty { out.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
