// The rating table: rows that default a rule's severity and detection rating (1–5) from its source's own
// fields. Shipped as YAML data (DefaultRatingTable.swift) and replaceable by the user's own file.

import VigilCore
import Yams

/// A rule's severity and rating, and which table row or analyst override set them.
public struct RuleRating: Sendable, Hashable, Codable {
    public enum Origin: Sendable, Hashable, Codable {
        /// Row number (1-based, in file order) of the rating table.
        case table(row: Int)
        /// An analyst override, by its place in the overrides file.
        case override(SourceLocation)
        /// No row of the rule's source matched.
        case fallback
    }

    public var severity: Severity
    /// 1 (minimal) … 5 (excellent).
    public var rating: Int
    /// A sentence a person can check: which row or override, and why.
    public var reason: String
    public var origin: Origin

    public init(severity: Severity, rating: Int, reason: String, origin: Origin) {
        self.severity = severity
        self.rating = rating
        self.reason = reason
        self.origin = origin
    }
}

/// One condition of a row: a rule field and what it must be.
public struct RatingCondition: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// Any of these words (lower-cased).
        case words(Set<String>)
        /// A number range; nil bounds are open.
        case range(lower: Double?, lowerInclusive: Bool, upper: Double?, upperInclusive: Bool)
        /// The rule has no such field.
        case absent
    }

    public var key: String
    public var match: Match

    /// The rule's value for a condition key: the model's own fields first, then the source's qualifiers.
    static func value(_ key: String, of rule: DetectionRule) -> String? {
        switch key {
        case "status": rule.status
        case "severity": rule.severity?.rawValue
        case "deprecated": rule.deprecated ? "true" : "false"
        default: rule.qualifiers[key]
        }
    }

    public func holds(for rule: DetectionRule) -> Bool {
        let value = Self.value(key, of: rule)
        switch match {
        case .absent:
            return value == nil
        case .words(let words):
            guard let value else { return false }
            return words.contains(value.lowercased())
        case .range(let lower, let lowerInclusive, let upper, let upperInclusive):
            guard let value, let number = Double(value) else { return false }
            if let lower, lowerInclusive ? number < lower : number <= lower { return false }
            if let upper, upperInclusive ? number > upper : number >= upper { return false }
            return true
        }
    }

    /// `">= 73"`, `"< 47"`, `"21..46"`, or nil when the text is a plain word.
    static func range(_ text: String) -> Match? {
        let trimmed = RepositoryFiles.trim(text)
        for (op, inclusive) in [(">=", true), ("<=", true), (">", false), ("<", false)] where trimmed.hasPrefix(op) {
            guard let number = Double(RepositoryFiles.trim(trimmed.dropFirst(op.count))) else { return nil }
            return op.hasPrefix(">")
                ? .range(lower: number, lowerInclusive: inclusive, upper: nil, upperInclusive: false)
                : .range(lower: nil, lowerInclusive: false, upper: number, upperInclusive: inclusive)
        }
        let bounds = trimmed.split(separator: "..", omittingEmptySubsequences: false)
        if bounds.count == 2, let low = Double(RepositoryFiles.trim(bounds[0])), let high = Double(RepositoryFiles.trim(bounds[1])) {
            return .range(lower: low, lowerInclusive: true, upper: high, upperInclusive: true)
        }
        return nil
    }
}

/// A row: for rules of `source` meeting every condition, this rating (and this severity when the rule has none).
public struct RatingRow: Sendable, Hashable {
    public var source: RuleSource
    public var conditions: [RatingCondition]
    public var rating: Int
    public var severity: Severity?
    public var why: String
    /// Where the row is written, for explanations and errors.
    public var line: Int?

    public func matches(_ rule: DetectionRule) -> Bool {
        rule.source == source && conditions.allSatisfy { $0.holds(for: rule) }
    }
}

public struct RatingTable: Sendable {
    public var rows: [RatingRow]
    /// Where the table came from: `built-in` or a file path.
    public var origin: String

    public init(rows: [RatingRow], origin: String) {
        self.rows = rows
        self.origin = origin
    }

    /// The table Vigil ships (`defaultYAML`).
    public static let `default`: RatingTable = {
        do {
            return try parse(Array(defaultYAML.utf8), file: "built-in")
        } catch {
            // The embedded text is checked by the tests; reaching this is a build of broken source.
            fatalError("the built-in rating table does not parse: \(error)")
        }
    }()

    /// A user's table. Any problem in it is an error: a half-read table would rate rules silently wrong.
    public static func load(_ path: String) throws(Diagnostic) -> RatingTable {
        try parse(try RepositoryFiles.readText(path), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(Diagnostic) -> RatingTable {
        let root = try YAMLFiles.mapping(bytes, file: file)
        func fail(_ node: Node?, _ message: String) -> Diagnostic {
            Diagnostic(SourceLocation(file: file, line: YAMLFiles.line(node) ?? 1), code: "rating-table", message)
        }
        if let version = YAMLFiles.text(root["version"]), version != "1" {
            throw fail(root["version"], "rating table version \(version) is not one this Vigil reads (1)")
        }
        guard let rowNodes = root["rows"]?.sequence, !rowNodes.isEmpty else { throw fail(root, "rating table has no `rows:` list") }
        var rows: [RatingRow] = []
        for node in rowNodes {
            guard node.mapping != nil else { throw fail(node, "a row must be a mapping with source, rating and why") }
            guard let sourceText = YAMLFiles.text(node["source"]), let source = RuleSource(rawValue: sourceText) else {
                throw fail(
                    node,
                    "row needs a `source:` among \(RuleSource.allCases.map(\.rawValue).joined(separator: ", "))"
                        + (YAMLFiles.text(node["source"]).map { ", not '\($0)'" } ?? ""))
            }
            guard let ratingText = YAMLFiles.text(node["rating"]), let rating = Int(ratingText), (1...5).contains(rating) else {
                throw fail(node["rating"] ?? node, "row needs a `rating:` from 1 to 5")
            }
            var severity: Severity?
            if let text = YAMLFiles.text(node["severity"]) {
                guard let value = Severity(lenient: text) else { throw fail(node["severity"], "unknown severity '\(text)'") }
                severity = value
            }
            var conditions: [RatingCondition] = []
            if let when = node["when"] {
                guard let pairs = when.mapping else { throw fail(when, "`when:` must be a mapping of field: value") }
                for (key, value) in pairs {
                    guard let name = key.scalar?.string else { throw fail(key, "a condition's key must be a word") }
                    conditions.append(RatingCondition(key: name, match: try match(value, fail: fail)))
                }
            }
            let why = YAMLFiles.text(node["why"]) ?? "\(source.rawValue) row"
            rows.append(
                RatingRow(source: source, conditions: conditions, rating: rating, severity: severity, why: why, line: YAMLFiles.line(node)))
        }
        return RatingTable(rows: rows, origin: file)
    }

    private static func match(_ value: Node, fail: (Node?, String) -> Diagnostic) throws(Diagnostic) -> RatingCondition.Match {
        if let sequence = value.sequence {
            let words = sequence.compactMap { $0.scalar?.string.lowercased() }
            guard words.count == sequence.count, !words.isEmpty else { throw fail(value, "a condition's list must hold words") }
            return .words(Set(words))
        }
        guard let text = value.scalar?.string else { throw fail(value, "a condition's value must be a word, a list or a range") }
        if text == "absent" { return .absent }
        if let range = RatingCondition.range(text) { return range }
        if text.hasPrefix(">") || text.hasPrefix("<") || text.contains("..") { throw fail(value, "'\(text)' is not a number range") }
        return .words([text.lowercased()])
    }

    /// The first matching row's rating; the rule's own severity wins over the row's.
    public func rate(_ rule: DetectionRule) -> RuleRating {
        guard let index = rows.firstIndex(where: { $0.matches(rule) }) else {
            return RuleRating(
                severity: rule.severity ?? .medium, rating: 2,
                reason: "no row of the rating table (\(origin)) matches this \(rule.source.title) rule: rating 2, severity "
                    + (rule.severity.map { "\($0.rawValue) from the rule" } ?? "medium by default"),
                origin: .fallback)
        }
        let row = rows[index]
        let severity = rule.severity ?? row.severity ?? .medium
        let severityReason =
            rule.severity != nil ? "the rule's own severity" : row.severity != nil ? "the row's severity" : "medium by default"
        let place = origin == "built-in" ? "built-in rating table" : origin
        return RuleRating(
            severity: severity, rating: row.rating,
            reason: "\(place) row \(index + 1)\(row.line.map { " (line \($0))" } ?? ""): \(row.why) → rating \(row.rating); "
                + "severity \(severity.rawValue) (\(severityReason))",
            origin: .table(row: index + 1))
    }
}
