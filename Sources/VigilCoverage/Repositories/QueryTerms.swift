// Field names and literal values a query keys on (EQL, Kibana KQL, ES|QL, Lucene, Kusto), for the Pyramid of
// Pain. A one-pass scan, not a parser: a name counts as a field when a comparison follows it.

struct QueryTerms {
    var fields: [String] = []
    var values: [String] = []
    /// Windows event IDs compared in the query (`EventID == 1`, `event.code : "4688"`), for log-source needs.
    var eventIDs: [Int] = []

    /// Words that compare a field with a value in one of the dialects (checked case-insensitively).
    private static let wordOperators: Set<String> = [
        "in", "in~", "like", "like~", "rlike", "regex", "regex~", "contains", "contains_cs", "has", "has_cs",
        "has_any", "has_all", "startswith", "startswith_cs", "endswith", "endswith_cs", "matches", "hasprefix",
        "hassuffix", "between", "not", "!contains", "!in", "!has", "!startswith", "!endswith",
    ]
    private static let eventIDFields: Set<String> = ["eventid", "event.code", "winlog.event_id", "event_id", "eventcode"]

    init(_ query: String, bareValuesAfterColon: Bool = false, sqlEquals: Bool = false) {
        let b = Array(query.utf8)
        var i = 0
        var pendingField: String?
        while i < b.count {
            let c = b[i]
            // Comments: `//` (Kusto, ES|QL), `/* */`.
            if c == UInt8(ascii: "/"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "/") {
                while i < b.count, b[i] != 0x0A { i += 1 }
                continue
            }
            if c == UInt8(ascii: "/"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < b.count, !(b[i] == UInt8(ascii: "*") && b[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                let (text, end) = Self.quoted(b, from: i)
                i = end
                if !text.isEmpty {
                    values.appendIfAbsent(text)
                    noteEventID(field: pendingField, text)
                }
                continue
            }
            if c == UInt8(ascii: "`") {
                // ES|QL quoted identifier.
                var j = i + 1
                while j < b.count, b[j] != UInt8(ascii: "`") { j += 1 }
                let name = String(decoding: b[(i + 1)..<min(j, b.count)], as: UTF8.self)
                i = j + 1
                if let op = Self.operatorAfter(b, i, sqlEquals: sqlEquals) {
                    fields.appendIfAbsent(name)
                    pendingField = name
                    i = op
                }
                continue
            }
            if Self.isIdentifierStart(c) {
                var j = i + 1
                while j < b.count, Self.isIdentifier(b[j]) { j += 1 }
                let name = String(decoding: b[i..<j], as: UTF8.self)
                i = j
                guard let afterOperator = Self.operatorAfter(b, j, sqlEquals: sqlEquals) else {
                    pendingField = nil
                    continue
                }
                fields.appendIfAbsent(name)
                pendingField = name
                i = afterOperator
                if bareValuesAfterColon, b[j..<afterOperator].contains(UInt8(ascii: ":")) {
                    // Kibana KQL: `event.category:process`, `destination.ip:10.0.0.0/8`.
                    var k = afterOperator
                    while k < b.count, b[k] == 0x20 { k += 1 }
                    let start = k
                    while k < b.count, !Self.endsBareValue(b[k]) { k += 1 }
                    if k > start {
                        let text = String(decoding: b[start..<k], as: UTF8.self)
                        if text != "*" && !["and", "or", "not"].contains(text.lowercased()) {
                            values.appendIfAbsent(text)
                            noteEventID(field: name, text)
                        }
                        i = k
                    }
                }
                continue
            }
            if c >= 0x30 && c <= 0x39 {
                var j = i
                while j < b.count, b[j] >= 0x30 && b[j] <= 0x39 { j += 1 }
                if let field = pendingField, j - i <= 5, let number = Int(String(decoding: b[i..<j], as: UTF8.self)) {
                    noteEventID(field: field, String(number))
                }
                i = j
                continue
            }
            if c == UInt8(ascii: "|") || c == UInt8(ascii: ";") || c == 0x0A { pendingField = nil }
            i += 1
        }
    }

    private mutating func noteEventID(field: String?, _ text: String) {
        guard let field, Self.eventIDFields.contains(field.lowercased()), let id = Int(text), id > 0, id < 70000 else { return }
        eventIDs.appendIfAbsent(id)
    }

    /// A quoted string with backslash escapes kept as written (values are compared as the rule writes them).
    static func quoted(_ b: [UInt8], from start: Int) -> (String, Int) {
        let quote = b[start]
        // ES|QL triple-quoted strings.
        if start + 2 < b.count, b[start + 1] == quote, b[start + 2] == quote {
            var j = start + 3
            while j + 2 < b.count, !(b[j] == quote && b[j + 1] == quote && b[j + 2] == quote) { j += 1 }
            return (String(decoding: b[(start + 3)..<min(j, b.count)], as: UTF8.self), min(j + 3, b.count))
        }
        var j = start + 1
        while j < b.count, b[j] != quote, b[j] != 0x0A {
            j += b[j] == UInt8(ascii: "\\") ? 2 : 1
        }
        let end = min(j, b.count)
        return (String(decoding: b[(start + 1)..<end], as: UTF8.self), min(end + 1, b.count))
    }

    /// The position after a comparison operator that follows `i` (spaces allowed), if one does.
    static func operatorAfter(_ b: [UInt8], _ i: Int, sqlEquals: Bool = false) -> Int? {
        var j = i
        while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
        guard j < b.count else { return nil }
        let c = b[j]
        let next: UInt8 = j + 1 < b.count ? b[j + 1] : 0
        switch c {
        case UInt8(ascii: ":"):
            return next == UInt8(ascii: ":") ? nil : j + 1
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") || next == UInt8(ascii: "~") { return j + 2 }
            // SQL compares with a single `=`; elsewhere it assigns (`maxspan=1m`, `extend x = …`).
            return sqlEquals ? j + 1 : nil
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") || next == UInt8(ascii: "~") { return j + 2 }
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            return next == UInt8(ascii: "=") || next == UInt8(ascii: ">") ? j + 2 : j + 1
        default: break
        }
        guard isIdentifierStart(c) || c == UInt8(ascii: "!") else { return nil }
        var k = j + 1
        while k < b.count, isIdentifier(b[k]) || b[k] == UInt8(ascii: "~") { k += 1 }
        let word = String(decoding: b[j..<k], as: UTF8.self).lowercased()
        guard wordOperators.contains(word) else { return nil }
        // `x not in (…)`, `x not like …`: `not` alone is no comparison.
        if word == "not" { return operatorAfter(b, k, sqlEquals: sqlEquals) }
        return k
    }

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == UInt8(ascii: "@")
    }

    static func isIdentifier(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".")
    }

    static func endsBareValue(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")
            || c == UInt8(ascii: "\"")
    }
}
