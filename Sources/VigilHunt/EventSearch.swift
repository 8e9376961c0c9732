// `vigil search`: which events contain a text (any field value, ignoring case), match a regular expression,
// or meet field conditions. Matching works on the parsed tape; only hits are turned into Strings.
import VigilCore

/// What to look for.
public enum SearchQuery {
    /// A substring of any field value, ignoring case.
    case text(String)
    /// A regular expression (Swift Regex syntax; `(?i)` for case-insensitive) found in any field value.
    case regex(Regex<AnyRegexOutput>)
    /// `--where` conditions, all of which must hold.
    case fields(FieldFilter)
}

/// A query as given, which each worker compiles for itself: a compiled `Regex` is not `Sendable`.
public enum SearchSpec: Sendable {
    case text(String)
    case regex(String)
    case fields(FieldFilter)

    public func compile() throws -> SearchQuery {
        switch self {
        case .text(let text): .text(text)
        case .regex(let pattern): .regex(try Regex(pattern))
        case .fields(let filter): .fields(filter)
        }
    }
}

/// The hits of one batch, folded on one worker and handed to the caller afterwards.
public struct SearchBatch: @unchecked Sendable {
    // Unchecked because of the Regex inside `search`: a batch is used by one thread at a time, first the
    // worker that fills it, then the caller that prints it.
    public let search: EventSearch
    public let collectFields: Bool
    public var hits: [SearchHit] = []

    public init(_ search: EventSearch, collectFields: Bool) {
        self.search = search
        self.collectFields = collectFields
    }

    public mutating func add(_ event: Event, _ origin: EventOrigin) {
        if let hit = search.hit(event, at: origin, collectFields: collectFields) { hits.append(hit) }
    }
}

/// One matching event, with what a hunter needs to find it again and the field that matched.
public struct SearchHit: Sendable {
    public var file: String
    public var line: Int
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: String?
    /// The first field whose value matched (for `--where`, the first condition's field).
    public var matchedField: String
    public var matchedValue: String
    /// Every field of the event, in document order.
    public var fields: [(name: String, value: String)]
}

public struct EventSearch {
    public let query: SearchQuery
    /// The needle lowercased, as UTF-8; ASCII needles are compared byte by byte without building Strings.
    private let needle: [UInt8]
    private let asciiNeedle: Bool

    public init(_ query: SearchQuery) {
        self.query = query
        if case .text(let text) = query {
            needle = Array(text.lowercased().utf8)
            asciiNeedle = needle.allSatisfy { $0 < 0x80 }
        } else {
            needle = []
            asciiNeedle = true
        }
    }

    /// The hit for `event`, or nil when it does not match.
    public func hit(_ event: Event, at origin: EventOrigin, collectFields: Bool = true) -> SearchHit? {
        guard let (field, value) = firstMatch(event) else { return nil }
        return SearchHit(
            file: origin.file, line: origin.line, timestamp: event.timestamp, computer: event.computer, channel: event.channel,
            eventID: event.eventID, recordID: event.recordID, matchedField: field, matchedValue: value,
            fields: collectFields ? event.fields() : [])
    }

    /// The name and value of the first field that matches, or nil.
    public func firstMatch(_ event: Event) -> (field: String, value: String)? {
        switch query {
        case .fields(let filter):
            guard filter.matches(event) else { return nil }
            let field = filter.conditions[0].field
            return (field, EventField.value(event, field) ?? "")
        case .text, .regex:
            var found: (String, String)?
            event.forEachField { name, v in
                guard found == nil, let leaf = firstLeaf(event.view, v) else { return }
                found = (JSONString.unescape(name), leaf)
            }
            return found
        }
    }

    /// The text of the first scalar at or under node `i` that matches (arrays and nested objects included).
    private func firstLeaf(_ view: JSONView, _ i: Int) -> String? {
        switch view.kind(i) {
        case .string, .number, .bool:
            return leafMatches(view, i) ? (view.kind(i) == .string ? view.string(i)! : String(decoding: view.raw(i), as: UTF8.self)) : nil
        case .null: return nil
        case .array:
            var out: String?
            view.forEachElement(i) { e in if out == nil { out = firstLeaf(view, e) } }
            return out
        case .object:
            var out: String?
            view.forEachMember(i) { _, v in if out == nil { out = firstLeaf(view, v) } }
            return out
        }
    }

    private func leafMatches(_ view: JSONView, _ i: Int) -> Bool {
        switch query {
        case .text:
            let escaped = view.kind(i) == .string && view.tape[i].flag
            if asciiNeedle && !escaped { return Self.containsFolded(view.raw(i), needle) }
            let text = view.kind(i) == .string ? view.string(i)! : String(decoding: view.raw(i), as: UTF8.self)
            if asciiNeedle { return Self.containsFolded(Array(text.utf8), needle) }
            return text.lowercased().contains(String(decoding: needle, as: UTF8.self))
        case .regex(let regex):
            let text = view.kind(i) == .string ? view.string(i)! : String(decoding: view.raw(i), as: UTF8.self)
            return text.contains(regex)
        case .fields: return false
        }
    }

    /// Substring search folding ASCII letters; `needle` is already lowercase ASCII.
    static func containsFolded<C: Collection>(_ hay: C, _ needle: [UInt8]) -> Bool where C.Element == UInt8, C.Index == Int {
        guard !needle.isEmpty else { return true }
        guard hay.count >= needle.count else { return false }
        let first = needle[0]
        let start = hay.startIndex
        for s in start...(hay.endIndex - needle.count) {
            var b = hay[s]
            if b &- 0x41 < 26 { b |= 0x20 }
            guard b == first else { continue }
            var k = 1
            while k < needle.count {
                var c = hay[s + k]
                if c &- 0x41 < 26 { c |= 0x20 }
                if c != needle[k] { break }
                k += 1
            }
            if k == needle.count { return true }
        }
        return false
    }
}
