// Version crosswalks: technique IDs and tactic names of one ATT&CK version resolved on another's data.

import VigilCore
import Yams

public struct Crosswalk: Sendable {
    public struct Entry: Sendable {
        public var domain: Domain
        public var from: String
        public var to: String
        public var complete: Bool
        public var revoked: [String: String]
        public var revokedTargetUnknown: Set<String>
        public var new: [String: String]
        public var tacticsToFrom: [String: String]
    }

    public var entries: [Entry]
    public var source: String

    public static func builtIn() -> Crosswalk {
        // The shipped YAML is tested; failing here would be a build defect, not bad user input.
        try! parse(DefaultCrosswalk.yaml, source: "<built-in crosswalk>")
    }

    public static var builtInYAML: String { DefaultCrosswalk.yaml }

    public static func load(path: String) throws(Diagnostic) -> Crosswalk {
        let bytes = try FileBytes.read(path)
        return try parse(String(decoding: bytes, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws(Diagnostic) -> Crosswalk {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var line: Int? = nil
            var column: Int? = nil
            if case .scanner(_, _, let mark, _) = error {
                line = mark.line
                column = mark.column
            } else if case .parser(_, _, let mark, _) = error {
                line = mark.line
                column = mark.column
            }
            throw Diagnostic(SourceLocation(file: source, line: line, column: column), code: "crosswalk-yaml", "invalid YAML: \(error)")
        } catch {
            throw Diagnostic(SourceLocation(file: source), code: "crosswalk-yaml", "invalid YAML: \(error)")
        }
        func fail(_ n: Node?, _ reason: String) -> Diagnostic {
            Diagnostic(
                SourceLocation(file: source, line: n?.mark.map { $0.line }, column: n?.mark.map { $0.column }), code: "crosswalk-invalid",
                reason)
        }
        guard let root = node?.mapping else { throw fail(node, "a crosswalk file is a mapping with `format` and `crosswalks`") }
        guard root["format"]?.int == 1 else { throw fail(root["format"], "unsupported crosswalk format (expected `format: 1`)") }
        guard let list = root["crosswalks"]?.sequence else { throw fail(node, "`crosswalks` must be a list") }
        var entries: [Entry] = []
        for item in list {
            guard let m = item.mapping else { throw fail(item, "each crosswalk is a mapping") }
            guard let domainText = m["domain"]?.string, let domain = Domain(lenient: domainText) else {
                throw fail(item, "crosswalk without a known `domain`")
            }
            guard let from = m["from"]?.string, let to = m["to"]?.string else {
                throw fail(item, "crosswalk without `from` and `to` versions")
            }
            func idMap(_ key: String) throws(Diagnostic) -> [String: String] {
                var result: [String: String] = [:]
                guard let n = m[Node(key)] else { return result }
                guard let mm = n.mapping else { throw fail(n, "`\(key)` must be a mapping") }
                for (k, v) in mm {
                    guard let ks = k.string, let vs = v.string else { throw fail(k, "`\(key)` entries must be text") }
                    if key != "new" && key != "to_from" {
                        guard TechniqueID(ks) != nil, TechniqueID(vs) != nil else {
                            throw fail(k, "not a technique ID in `\(key)`: \(ks) -> \(vs)")
                        }
                    }
                    result[ks.uppercased() == ks || key == "to_from" ? ks : ks.uppercased()] = vs
                }
                return result
            }
            var tactics: [String: String] = [:]
            if let t = m["tactics"]?.mapping, let tf = t["to_from"]?.mapping {
                for (k, v) in tf { if let ks = k.string, let vs = v.string { tactics[ks] = vs } }
            }
            let unknown = Set((m["revoked_target_unknown"]?.sequence ?? []).compactMap { $0.string?.uppercased() })
            entries.append(
                Entry(
                    domain: domain, from: from, to: to, complete: m["complete"]?.bool ?? false, revoked: try idMap("revoked"),
                    revokedTargetUnknown: unknown, new: try idMap("new"), tacticsToFrom: tactics))
        }
        return Crosswalk(entries: entries, source: source)
    }
}

/// How an ID found in a rule or layer maps onto the loaded knowledge base.
public struct Resolution: Sendable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
        /// Active technique with this ID.
        case exact
        /// Deprecated in this version: still the technique, but flagged.
        case deprecated
        /// Revoked in this version; `index` is the replacement that `revoked-by` leads to.
        case revoked
        /// Not in this version; mapped through a crosswalk entry.
        case crosswalk
        /// Not found in this version, nor in any crosswalk.
        case unknown
        /// Not a technique ID at all.
        case invalid
    }

    public var input: String
    public var outcome: Outcome
    /// The technique it resolves to in the knowledge base, if any.
    public var index: Int?
    public var resolvedID: String?
    public var note: String

    public var isResolved: Bool { index != nil }
    public var description: String { "\(input) → \(resolvedID ?? "unresolved") (\(note))" }
}

extension KnowledgeBase {
    /// Resolves a technique ID written for any ATT&CK version onto this knowledge base.
    public func resolveTechnique(_ text: String, crosswalk: Crosswalk = .builtIn()) -> Resolution {
        guard let id = TechniqueID(text) else {
            return Resolution(input: text, outcome: .invalid, index: nil, resolvedID: nil, note: "not a technique ID")
        }
        let key = id.description
        if let i = objects(attackID: key, kind: .technique).first {
            let o = objects[i]
            if o.revoked {
                if let r = replacement(of: i), let rid = objects[r].attackID {
                    return Resolution(
                        input: text, outcome: .revoked, index: r, resolvedID: rid,
                        note: "\(key) is revoked in ATT&CK \(info.version); replaced by \(rid)")
                }
                return Resolution(
                    input: text, outcome: .unknown, index: nil, resolvedID: nil,
                    note: "\(key) is revoked in ATT&CK \(info.version) without a replacement")
            }
            if o.deprecated {
                return Resolution(
                    input: text, outcome: .deprecated, index: i, resolvedID: key, note: "\(key) is deprecated in ATT&CK \(info.version)")
            }
            return Resolution(input: text, outcome: .exact, index: i, resolvedID: key, note: "exact")
        }
        for entry in crosswalk.entries where entry.domain == info.domain {
            // A newer ID on older data: find the old ID it replaced.
            if entry.from == info.version || Self.isVersion(info.version, olderThan: entry.to) {
                if let (old, how) = backward(key, entry), let i = objects(attackID: old, kind: .technique).first {
                    let target = objects[i].revoked ? (replacement(of: i) ?? i) : i
                    let rid = objects[target].attackID ?? old
                    return Resolution(
                        input: text, outcome: .crosswalk, index: target, resolvedID: rid,
                        note: "\(key) is ATT&CK \(entry.to); on \(info.version) it is \(rid) (\(how))")
                }
            }
            // An older ID on newer data.
            if entry.to == info.version, let new = entry.revoked[key], let i = objects(attackID: new, kind: .technique).first {
                return Resolution(
                    input: text, outcome: .crosswalk, index: i, resolvedID: new,
                    note: "\(key) (ATT&CK \(entry.from)) was replaced by \(new)")
            }
        }
        return Resolution(
            input: text, outcome: .unknown, index: nil, resolvedID: nil,
            note: "\(key) exists neither in ATT&CK \(info.version) nor in a crosswalk")
    }

    /// For an ID new in `entry.to`: the from-version ID it replaced, preferring the one of the same name.
    func backward(_ key: String, _ entry: Crosswalk.Entry) -> (String, String)? {
        let candidates = entry.revoked.filter { $0.value == key }.map(\.key).sorted()
        if !candidates.isEmpty {
            let newName = entry.new[key]?.lowercased()
            if let newName,
                let same = candidates.first(where: { c in
                    objects(attackID: c, kind: .technique).first.map { objects[$0].name.lowercased() == newName } ?? false
                })
            {
                return (same, "crosswalk, same name")
            }
            // Prefer the most specific old ID (a sub-technique), else the first.
            return (candidates.first(where: { $0.contains(".") }) ?? candidates[0], "crosswalk")
        }
        // A new sub-technique whose parent has a mapping: the parent's old ID is the closest.
        if let dot = key.firstIndex(of: "."), let parent = backward(String(key[..<dot]), entry) {
            return (parent.0, "crosswalk via parent \(key[..<dot])")
        }
        return nil
    }

    /// Resolves a tactic shortname (or name) of any version onto this knowledge base.
    public func resolveTactic(_ text: String, crosswalk: Crosswalk = .builtIn()) -> Int? {
        let short = String(text.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
        if let i = tactic(shortname: short) { return i }
        if let i = objects(attackID: text, kind: .tactic).first { return i }
        for entry in crosswalk.entries where entry.domain == info.domain {
            if let mapped = entry.tacticsToFrom[short], let i = tactic(shortname: mapped) { return i }
        }
        return nil
    }

    static func isVersion(_ a: String, olderThan b: String) -> Bool {
        let pa = a.split(separator: ".").compactMap { Int($0) }
        let pb = b.split(separator: ".").compactMap { Int($0) }
        guard !pa.isEmpty, !pb.isEmpty else { return false }
        return pa.lexicographicallyPrecedes(pb)
    }
}

/// A crosswalk as JSON, with the YAML file's keys (`vigil attack crosswalk --format json`).
extension Crosswalk: Encodable {
    enum CodingKeys: String, CodingKey { case format, source, crosswalks }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(1, forKey: .format)
        try c.encode(source, forKey: .source)
        try c.encode(entries, forKey: .crosswalks)
    }
}

extension Crosswalk.Entry: Encodable {
    enum CodingKeys: String, CodingKey {
        case domain, from, to, complete, revoked, new, tactics
        case revokedTargetUnknown = "revoked_target_unknown"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(domain, forKey: .domain)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(complete, forKey: .complete)
        try c.encode(revoked, forKey: .revoked)
        try c.encode(revokedTargetUnknown.sorted(), forKey: .revokedTargetUnknown)
        try c.encode(new, forKey: .new)
        try c.encode(["to_from": tacticsToFrom], forKey: .tactics)
    }
}
