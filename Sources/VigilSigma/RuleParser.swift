// YAML text → Sigma documents (rules, correlations, filters), with `action: global|reset|repeat`
// collections merged and every problem reported at its line and column.
import VigilCore
import Yams

/// One parsed document of a rule file.
public enum SigmaDocument: Sendable {
    case rule(SigmaRule)
    case correlation(SigmaCorrelation)
    case filter(SigmaFilter)
}

public struct RuleParser: Sendable {
    public var placeholders: Placeholders

    public init(placeholders: Placeholders = [:]) { self.placeholders = placeholders }

    /// Parses every document of a file. Bad documents become diagnostics; good ones are kept.
    public func parse(bytes: [UInt8], file: String) -> (documents: [SigmaDocument], diagnostics: [Diagnostic]) {
        if bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil {
            return ([], [Diagnostic(SourceLocation(file: file), code: "not-text", "not a UTF-8 text file (binary among the rules?)")])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var documents: [SigmaDocument] = []
        var diagnostics: [Diagnostic] = []
        let nodes: [Node]
        do {
            let parser = try Parser(yaml: text, resolver: .basic, encoding: .utf8)
            var all: [Node] = []
            while let node = try parser.nextRoot() { all.append(node) }
            nodes = all
        } catch let error as YamlError {
            return ([], [Self.yamlDiagnostic(error, file: file)])
        } catch {
            return ([], [Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "invalid YAML: \(error)")])
        }
        var global: Node?
        var previous: Node?
        for var node in nodes {
            let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
            guard case .mapping(let mapping) = node else {
                diagnostics.append(Diagnostic(location, code: "not-a-rule", "document is not a YAML mapping"))
                continue
            }
            switch mapping["action"]?.string {
            case "global":
                global = Self.removing("action", from: node)
                continue
            case "reset":
                global = nil
                continue
            case "repeat":
                if let previous { node = Self.merge(previous, Self.removing("action", from: node)) }
            default:
                if let global { node = Self.merge(global, node) }
            }
            previous = node
            do {
                documents.append(try document(node, file: file))
            } catch {
                diagnostics.append(
                    Diagnostic(SourceLocation(file: file, line: error.line, column: error.column), code: error.code, error.message))
            }
        }
        return (documents, diagnostics)
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return Diagnostic(
                SourceLocation(file: file, line: mark.line, column: mark.column), code: "yaml-syntax", "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, _):
            return Diagnostic(
                SourceLocation(file: file), code: "yaml-duplicate-key", "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "invalid YAML: \(error)")
        }
    }

    static func removing(_ key: String, from node: Node) -> Node {
        guard case .mapping(var m) = node else { return node }
        m[key] = nil
        return .mapping(m)
    }

    /// Deep merge for collections: mappings merge key by key, anything else is replaced by the overlay.
    static func merge(_ base: Node, _ overlay: Node) -> Node {
        guard case .mapping(var b) = base, case .mapping(let o) = overlay else { return overlay }
        for (key, value) in o {
            if let k = key.string, let existing = b[k] { b[k] = merge(existing, value) } else { b[key] = value }
        }
        return .mapping(b)
    }

    /// A mapping as a dictionary by key text: Yams' own subscript compares nodes and is slow.
    static func keyed(_ node: Node?) -> [String: Node] {
        guard case .mapping(let mapping)? = node else { return [:] }
        var out: [String: Node] = [:]
        for (k, v) in mapping { if case .scalar(let s) = k, out[s.string] == nil { out[s.string] = v } }
        return out
    }

    func document(_ node: Node, file: String) throws(RuleError) -> SigmaDocument {
        guard case .mapping = node else { throw RuleError("not-a-rule", "document is not a mapping", at: node) }
        let m = Self.keyed(node)
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        guard let titleNode = m["title"] else { throw RuleError("missing-title", "rule has no title", at: node) }
        guard let title = titleNode.string, !title.isEmpty else { throw RuleError("missing-title", "title must be text", at: titleNode) }
        let id = m["id"]?.string
        let name = m["name"]?.string
        var status: SigmaStatus?
        if let s = m["status"] {
            guard let text = s.string, let value = SigmaStatus(rawValue: text.lowercased()) else {
                throw RuleError("bad-status", "unknown status '\(s.string ?? "?")'", at: s)
            }
            status = value
        }
        var level: Severity?
        if let l = m["level"] {
            guard let text = l.string, let value = Severity(lenient: text) else {
                throw RuleError("bad-level", "unknown level '\(l.string ?? "?")'", at: l)
            }
            level = value
        }
        let tags = Self.strings(m["tags"])

        if let correlation = m["correlation"] {
            return .correlation(
                try parseCorrelation(
                    correlation, id: id, name: name, title: title, status: status, level: level, tags: tags, location: location))
        }
        if let filter = m["filter"] {
            guard case .mapping = filter else { throw RuleError("bad-filter", "filter must be a mapping", at: filter) }
            let fm = Self.keyed(filter)
            let rules = Self.strings(fm["rules"])
            let detection = try parseDetection(filter, owner: filter)
            return .filter(
                SigmaFilter(
                    id: id, title: title, rules: rules, logsource: m["logsource"].map(Self.logsource), detection: detection,
                    location: location))
        }
        guard let logsourceNode = m["logsource"] else { throw RuleError("missing-logsource", "rule has no logsource", at: node) }
        guard case .mapping = logsourceNode else { throw RuleError("missing-logsource", "logsource must be a mapping", at: logsourceNode) }
        guard let detectionNode = m["detection"] else { throw RuleError("missing-detection", "rule has no detection", at: node) }
        let detection = try parseDetection(detectionNode, owner: detectionNode)
        let rule = SigmaRule(
            id: id, name: name, title: title, status: status, level: level, description: m["description"]?.string,
            author: m["author"]?.string, date: m["date"]?.string, modified: m["modified"]?.string, tags: tags,
            references: Self.strings(m["references"]), falsepositives: Self.strings(m["falsepositives"]),
            fields: Self.strings(m["fields"]), logsource: Self.logsource(logsourceNode), detection: detection,
            location: location)
        return .rule(rule)
    }

    static func logsource(_ node: Node) -> SigmaLogsource {
        let m = keyed(node)
        return SigmaLogsource(product: m["product"]?.string, category: m["category"]?.string, service: m["service"]?.string)
    }

    static func strings(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let s = node.string { return [s] }
        if case .sequence(let seq) = node { return seq.compactMap(\.string) }
        return []
    }

    /// Detection (or filter) mapping: search identifiers plus `condition`.
    func parseDetection(_ node: Node, owner: Node) throws(RuleError) -> SigmaDetection {
        guard case .mapping(let m) = node else { throw RuleError("missing-detection", "detection must be a mapping", at: node) }
        let parser = DetectionParser(placeholders: placeholders)
        var identifiers: [(String, DetectionNode)] = []
        var conditionNode: Node?
        for (key, value) in m {
            guard let name = key.string else { throw RuleError("detection-structure", "identifier names must be text", at: key) }
            if name == "condition" {
                conditionNode = value
                continue
            }
            if name == "timeframe" || name == "rules" { continue }  // legacy aggregation window; filter's rule list
            identifiers.append((name, try parser.parseIdentifier(value)))
        }
        guard let conditionNode else { throw RuleError("missing-condition", "detection has no condition", at: node) }
        var texts: [(String, Node)] = []
        switch conditionNode {
        case .scalar(let s): texts.append((s.string, conditionNode))
        case .sequence(let seq):
            for c in seq {
                guard let s = c.string else { throw RuleError("condition-syntax", "condition list items must be text", at: c) }
                texts.append((s, c))
            }
        default: throw RuleError("condition-syntax", "condition must be text or a list", at: conditionNode)
        }
        let names = identifiers.map(\.0)
        var conditions: [ConditionExpr] = []
        for (text, cnode) in texts {
            do {
                let expr = try ConditionParser.parse(text)
                try Self.check(expr, names: names, at: cnode)
                conditions.append(expr)
            } catch let error as ConditionSyntaxError {
                var e = RuleError(error.code, "condition '\(text)': \(error.message)", at: cnode)
                // Plain scalars start at the text: point at the offending token.
                if case .scalar(let s) = cnode, s.style == .plain || s.style == .any { e.column += error.offset }
                throw e
            } catch let error as RuleError {
                throw error
            } catch {
                throw RuleError("condition-syntax", "\(error)", at: cnode)
            }
        }
        return SigmaDetection(identifiers: identifiers, conditions: conditions)
    }

    static func check(_ expr: ConditionExpr, names: [String], at node: Node) throws(RuleError) {
        switch expr {
        case .and(let xs), .or(let xs): for x in xs { try check(x, names: names, at: node) }
        case .not(let x): try check(x, names: names, at: node)
        case .identifier(let name):
            if !names.contains(name) {
                throw RuleError("condition-unknown-identifier", "condition names '\(name)', which the detection does not define", at: node)
            }
        case .oneOf(let p), .allOf(let p):
            if ConditionExpr.resolve(p, in: names).isEmpty {
                throw RuleError("condition-unknown-identifier", "'\(p)' in the condition matches no search identifier", at: node)
            }
        }
    }

    func parseCorrelation(
        _ node: Node, id: String?, name: String?, title: String, status: SigmaStatus?, level: Severity?, tags: [String],
        location: SourceLocation
    ) throws(RuleError) -> SigmaCorrelation {
        guard case .mapping = node else { throw RuleError("correlation-invalid", "correlation must be a mapping", at: node) }
        let m = Self.keyed(node)
        guard let typeNode = m["type"], let typeText = typeNode.string else {
            throw RuleError("correlation-invalid", "correlation has no type", at: node)
        }
        guard let type = CorrelationType(rawValue: typeText) else {
            throw RuleError("correlation-invalid", "unknown correlation type '\(typeText)'", at: typeNode)
        }
        let rules = Self.strings(m["rules"])
        if rules.isEmpty { throw RuleError("correlation-invalid", "correlation names no rules", at: m["rules"] ?? node) }
        guard let spanNode = m["timespan"] ?? m["timeframe"], let spanText = spanNode.string,
            let timespan = SigmaCorrelation.parseTimespan(spanText)
        else { throw RuleError("correlation-invalid", "correlation needs a timespan like 5m, 1h, 1d", at: m["timespan"] ?? node) }
        var criteria: [(ComparisonOperator, Double)] = []
        var field: String?
        var percentile: Double?
        if let c = m["condition"] {
            guard case .mapping(let cm) = c else {
                throw RuleError("correlation-invalid", "correlation condition must be a mapping", at: c)
            }
            for (k, v) in cm {
                guard let key = k.string else { continue }
                switch key {
                case "field": field = v.string
                case "percentile": percentile = v.string.flatMap(Double.init)
                default:
                    guard let op = ComparisonOperator(rawValue: key) else {
                        throw RuleError("correlation-invalid", "unknown correlation condition '\(key)'", at: k)
                    }
                    guard let n = v.string.flatMap(Double.init) else {
                        throw RuleError("correlation-invalid", "'\(key)' needs a number", at: v)
                    }
                    criteria.append((op, n))
                }
            }
        }
        let temporal = type == .temporal || type == .temporalOrdered
        if criteria.isEmpty && !temporal {
            throw RuleError("correlation-invalid", "\(type.rawValue) needs a condition (gt, gte, lt, lte, eq)", at: m["condition"] ?? node)
        }
        if criteria.isEmpty { criteria = [(.gte, Double(rules.count))] }
        if [.valueCount, .valueSum, .valueAvg, .valuePercentile].contains(type) && field == nil {
            throw RuleError("correlation-invalid", "\(type.rawValue) needs 'field' in its condition", at: m["condition"] ?? node)
        }
        var aliases: [String: [String: String]] = [:]
        if case .mapping(let am)? = m["aliases"] {
            for (k, v) in am {
                guard let alias = k.string, case .mapping(let per) = v else { continue }
                var map: [String: String] = [:]
                for (rk, rv) in per { if let r = rk.string, let f = rv.string { map[r] = f } }
                aliases[alias] = map
            }
        }
        return SigmaCorrelation(
            id: id, name: name, title: title, status: status, level: level, tags: tags, type: type, rules: rules,
            groupBy: Self.strings(m["group-by"]), timespan: timespan, condition: criteria, field: field, percentile: percentile,
            aliases: aliases, generate: m["generate"]?.bool ?? false, location: location)
    }
}
