// Analyst overrides of the rating table: by rule id or by a glob over rule paths, each dated and commented
// so that a later reader knows who decided what and when. Undated or uncommented entries are refused.

import VigilCore
import Yams

/// One analyst decision about one rule or a set of rules.
public struct RatingOverride: Sendable, Hashable {
    /// The rule's id (Sigma/Elastic/EQL UUID, CAR-…, THP id, Sentinel file name).
    public var ruleID: String?
    /// A glob over the rule's path as imported (`rules/windows/**/proc_creation_*.yml`); without a `/`, it matches
    /// the file name alone. `*` and `?` stay within one folder, `**` crosses folders.
    public var pathGlob: String?
    /// Limits the override to one repository kind.
    public var source: RuleSource?
    public var rating: Int?
    public var severity: Severity?
    /// The day of the decision, `YYYY-MM-DD`.
    public var date: String
    public var comment: String
    public var location: SourceLocation

    public func matches(_ rule: DetectionRule) -> Bool {
        if let source, source != rule.source { return false }
        if let ruleID { return ruleID == rule.id }
        if let pathGlob {
            let subject = pathGlob.contains("/") ? rule.path : String(RepositoryFiles.name(rule.path))
            return Glob(pathGlob, separator: UInt8(ascii: "/")).matches(subject)
        }
        return false
    }
}

public struct RatingOverrides: Sendable {
    public var entries: [RatingOverride]
    /// Entries refused (no date, no comment, nothing to change, …): reported, counted, not applied.
    public var diagnostics: [Diagnostic]

    public init(entries: [RatingOverride] = [], diagnostics: [Diagnostic] = []) {
        self.entries = entries
        self.diagnostics = diagnostics
    }

    /// Reads an overrides file. An unreadable file or invalid YAML throws; a bad entry becomes a diagnostic.
    public static func load(_ path: String) throws(Diagnostic) -> RatingOverrides {
        try parse(try RepositoryFiles.readText(path), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(Diagnostic) -> RatingOverrides {
        let root = try YAMLFiles.mapping(bytes, file: file)
        guard let list = root["overrides"]?.sequence else {
            throw Diagnostic(
                SourceLocation(file: file, line: YAMLFiles.line(root) ?? 1), code: "override-file",
                "overrides file has no `overrides:` list")
        }
        var result = RatingOverrides()
        for node in list {
            let location = SourceLocation(file: file, line: YAMLFiles.line(node) ?? 1)
            func refuse(_ message: String) { result.diagnostics.append(Diagnostic(location, code: "override-invalid", message)) }
            guard node.mapping != nil else {
                refuse("an override must be a mapping (rule or path, rating or severity, date, comment)")
                continue
            }
            let ruleID = YAMLFiles.text(node["rule"])
            let glob = YAMLFiles.text(node["path"])
            let what = ruleID.map { "rule \($0)" } ?? glob.map { "path \($0)" } ?? "override"
            guard (ruleID == nil) != (glob == nil) else {
                refuse("\(what): give exactly one of `rule:` (a rule id) or `path:` (a glob)")
                continue
            }
            guard let date = YAMLFiles.text(node["date"]), isDate(date) else {
                refuse("\(what): no `date:` (YYYY-MM-DD) — every override must say when it was decided")
                continue
            }
            guard let comment = YAMLFiles.text(node["comment"]).map({ RepositoryFiles.trim($0) }), !comment.isEmpty else {
                refuse("\(what): no `comment:` — every override must say why")
                continue
            }
            var source: RuleSource?
            if let text = YAMLFiles.text(node["source"]) {
                guard let value = RuleSource(rawValue: text) else {
                    refuse("\(what): unknown source '\(text)'")
                    continue
                }
                source = value
            }
            var rating: Int?
            if let text = YAMLFiles.text(node["rating"]) {
                guard let value = Int(text), (1...5).contains(value) else {
                    refuse("\(what): rating '\(text)' is not 1 to 5")
                    continue
                }
                rating = value
            }
            var severity: Severity?
            if let text = YAMLFiles.text(node["severity"]) {
                guard let value = Severity(lenient: text) else {
                    refuse("\(what): unknown severity '\(text)'")
                    continue
                }
                severity = value
            }
            guard rating != nil || severity != nil else {
                refuse("\(what): sets neither `rating:` nor `severity:`")
                continue
            }
            result.entries.append(
                RatingOverride(
                    ruleID: ruleID, pathGlob: glob, source: source, rating: rating, severity: severity, date: date, comment: comment,
                    location: location))
        }
        return result
    }

    /// `YYYY-MM-DD` with a plausible month and day.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// The override for a rule: one naming its id wins over globs; among globs, the first in the file.
    public func override(for rule: DetectionRule) -> RatingOverride? {
        entries.first { $0.ruleID != nil && $0.matches(rule) } ?? entries.first { $0.pathGlob != nil && $0.matches(rule) }
    }
}

/// Rates rules: the rating table's row, then the analyst's override on top.
public struct RuleRater: Sendable {
    public var table: RatingTable
    public var overrides: RatingOverrides

    public init(table: RatingTable = .default, overrides: RatingOverrides = RatingOverrides()) {
        self.table = table
        self.overrides = overrides
    }

    public func rate(_ rule: DetectionRule) -> RuleRating {
        var rating = table.rate(rule)
        guard let entry = overrides.override(for: rule) else { return rating }
        let by = entry.ruleID.map { "rule id \($0)" } ?? "path \(entry.pathGlob ?? "")"
        var changes: [String] = []
        if let value = entry.rating {
            changes.append("rating \(rating.rating) → \(value)")
            rating.rating = value
        }
        if let value = entry.severity {
            changes.append("severity \(rating.severity.rawValue) → \(value.rawValue)")
            rating.severity = value
        }
        rating.reason =
            "analyst override (\(entry.location), \(by), \(entry.date)): \(changes.joined(separator: ", ")) — \(entry.comment); "
            + "table said: \(rating.reason)"
        rating.origin = .override(entry.location)
        return rating
    }
}
