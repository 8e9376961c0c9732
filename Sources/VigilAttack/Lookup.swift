// Finding the object a person means: an ATT&CK ID of any version, a name or an alias.

import VigilCore

public struct Lookup: Sendable {
    public var query: String
    /// The object found, after following revocations and crosswalks.
    public var index: Int?
    /// How the query led there ("T1086 is revoked; replaced by T1059.001").
    public var notes: [String]
    /// When nothing matched exactly: close matches.
    public var suggestions: [KnowledgeBase.SearchHit]
}

extension KnowledgeBase {
    public func lookup(_ query: String, crosswalk: Crosswalk = .builtIn()) -> Lookup {
        let text = query.trimmingWhitespace()
        if TechniqueID(text) != nil {
            let r = resolveTechnique(text, crosswalk: crosswalk)
            if let index = r.index {
                return Lookup(query: query, index: index, notes: r.outcome == .exact ? [] : [r.note], suggestions: [])
            }
            // A technique ID can also name an old mitigation (ATT&CK reused T-numbers for them once).
            if let other = objects(attackID: text).first {
                return Lookup(query: query, index: other, notes: [], suggestions: [])
            }
            return Lookup(query: query, index: nil, notes: [r.note], suggestions: [])
        }
        if let i = objects(attackID: text).first {
            if objects[i].revoked, let r = replacement(of: i) {
                return Lookup(
                    query: query, index: r,
                    notes: [
                        "\(objects[i].attackID ?? text) (\(objects[i].name)) is revoked; replaced by \(objects[r].attackID ?? "") (\(objects[r].name))"
                    ],
                    suggestions: [])
            }
            return Lookup(query: query, index: i, notes: objects[i].deprecated ? ["\(text) is deprecated"] : [], suggestions: [])
        }
        if let i = objects(named: text).first(where: { ![.analytic, .matrix].contains(objects[$0].kind) }) {
            var notes: [String] = []
            if objects[i].name.lowercased() != text.lowercased() { notes.append("\"\(text)\" is an alias of \(objects[i].name)") }
            return Lookup(query: query, index: i, notes: notes, suggestions: [])
        }
        return Lookup(query: query, index: nil, notes: [], suggestions: search(text, limit: 10))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
