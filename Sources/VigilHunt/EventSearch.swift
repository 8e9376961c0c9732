// `vigil search`: which events contain a text (any field value, ignoring case), match a regular expression,
// or meet field conditions. Matching works on the parsed tape; only hits are turned into Strings.
import VigilCore
import VigilLogs

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
@dynamicMemberLookup
public struct SearchHit: Sendable {
    public var location: EventLocation
    /// The first field whose value matched (for `--where`, the first condition's field).
    public var matchedField: String
    public var matchedValue: String
    /// Every field of the event, in document order.
    public var fields: [(name: String, value: String)]

    public subscript<T>(dynamicMember path: KeyPath<EventLocation, T>) -> T { location[keyPath: path] }
}

public struct EventSearch {
    public let query: SearchQuery
    /// The needle lowercased, as UTF-8; ASCII needles are compared byte by byte without building Strings.
    private let needle: [UInt8]
    private let asciiNeedle: Bool
    private let shifts: [Int]
    /// Decoded escaped values for the ASCII comparison, reused from value to value: escaped values (Sysmon's
    /// multi-line `Message` in every flat event) were decoded into a new String and Array each time. Shared by
    /// copies, so an `EventSearch` is used by one thread at a time (each batch of the fold compiles its own).
    private let scratch = Scratch()

    private final class Scratch {
        var bytes: [UInt8] = []
    }

    public init(_ query: SearchQuery) {
        self.query = query
        if case .text(let text) = query {
            needle = Array(text.lowercased().utf8)
            asciiNeedle = needle.allSatisfy { $0 < 0x80 }
        } else {
            needle = []
            asciiNeedle = true
        }
        shifts = Self.shifts(needle)
    }

    /// The hit for `event`, or nil when it does not match.
    public func hit(_ event: Event, at origin: EventOrigin, collectFields: Bool = true) -> SearchHit? {
        guard let (field, value) = firstMatch(event) else { return nil }
        return SearchHit(
            location: EventLocation(event, origin), matchedField: field, matchedValue: value, fields: collectFields ? event.fields() : [])
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
            if asciiNeedle && !escaped { return Self.containsFolded(view.raw(i), needle, shifts) }
            if asciiNeedle {
                scratch.bytes.removeAll(keepingCapacity: true)
                JSONString.unescape(view.raw(i), into: &scratch.bytes)
                return scratch.bytes.withUnsafeBytes { Self.containsFolded($0, needle, shifts) }
            }
            let text = view.kind(i) == .string ? view.string(i)! : String(decoding: view.raw(i), as: UTF8.self)
            return text.lowercased().contains(String(decoding: needle, as: UTF8.self))
        case .regex(let regex):
            let text = view.kind(i) == .string ? view.string(i)! : String(decoding: view.raw(i), as: UTF8.self)
            return text.contains(regex)
        case .fields: return false
        }
    }

    /// Substring search folding ASCII letters (Horspool: the window moves by `shifts` of its last byte, so
    /// most bytes of a long value are never read); `needle` is already lowercase ASCII.
    static func containsFolded(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8], _ shifts: [Int]) -> Bool {
        let m = needle.count
        guard m > 0 else { return true }
        guard hay.count >= m else { return false }
        return needle.withUnsafeBufferPointer { nd in
            shifts.withUnsafeBufferPointer { shift in
                let last = m - 1
                var s = 0
                while s <= hay.count - m {
                    var c = hay[s + last]
                    if c &- 0x41 < 26 { c |= 0x20 }
                    if c == nd[last] {
                        var k = last - 1
                        while k >= 0 {
                            var b = hay[s + k]
                            if b &- 0x41 < 26 { b |= 0x20 }
                            if b != nd[k] { break }
                            k -= 1
                        }
                        if k < 0 { return true }
                    }
                    s += shift[Int(c)]
                }
                return false
            }
        }
    }

    /// Horspool's table for a lowercase needle: for each (folded) byte, how far a window ending on it may move.
    static func shifts(_ needle: [UInt8]) -> [Int] {
        var table = [Int](repeating: max(1, needle.count), count: 256)
        for (i, b) in needle.enumerated().dropLast() {
            table[Int(b)] = needle.count - 1 - i
            // Upper-case bytes are folded before the lookup, so only the lower-case entry is read.
        }
        return table
    }
}
