// The same rule read twice — a folder given inside another, one file given twice, a repository copied into a
// second folder — counts once: the first reading stays, and each later one is dropped with a warning naming
// both places.

import VigilCore

extension RepositoryImport {
    /// Drops every rule that an earlier one already is: the same source, id and title, or the same source and title
    /// read from files with the same bytes. Rules of one file read once are never each other's copies (a legacy
    /// Sigma file's documents share their global id), so a copy is a rule from another file, or from the same file
    /// read through a second path. Two rules with one id but different titles are different rules that share an id
    /// (repositories reuse ids by mistake: Elastic, EQL): both count, with a warning. Identical problems reported
    /// for a file read twice are kept once as well.
    mutating func countEachRuleOnce() {
        struct Key: Hashable {
            var source: RuleSource
            var text: String
        }
        struct Seen {
            var reading: Int
            var rule: DetectionRule
        }
        var byID: [Key: Seen] = [:]
        var byIDAndTitle: [Key: Seen] = [:]
        var byTitle: [Key: [Seen]] = [:]
        var contents = FileContents()
        var warnings: [Diagnostic] = []
        for reading in imports.indices {
            var kept: [DetectionRule] = []
            for rule in imports[reading].rules {
                func isCopy(of first: Seen) -> Bool {
                    first.reading != reading || first.rule.location?.file != rule.location?.file
                }
                let id = Key(source: rule.source, text: rule.id)
                let title = Key(source: rule.source, text: rule.title)
                let idAndTitle = Key(source: rule.source, text: rule.id + "\u{1F}" + rule.title)
                var original: (Seen, String)?
                if let first = byIDAndTitle[idAndTitle], isCopy(of: first) {
                    original = (first, "the same id \(rule.id)")
                } else if let first = byTitle[title]?.first(where: { isCopy(of: $0) && contents.same($0.rule, rule) }) {
                    original = (first, "the same content")
                }
                guard let (first, why) = original else {
                    if let other = byID[id], isCopy(of: other), other.rule.title != rule.title {
                        sharedIDs.append(
                            Diagnostic(
                                rule.location ?? SourceLocation(file: rule.path), .warning, code: "rule-id-shared",
                                "'\(rule.title)' has the id \(rule.id) of another rule, '\(other.rule.title)' at "
                                    + "\(other.rule.location ?? SourceLocation(file: other.rule.path)); both count"))
                    }
                    if byID[id] == nil { byID[id] = Seen(reading: reading, rule: rule) }
                    if byIDAndTitle[idAndTitle] == nil { byIDAndTitle[idAndTitle] = Seen(reading: reading, rule: rule) }
                    byTitle[title, default: []].append(Seen(reading: reading, rule: rule))
                    kept.append(rule)
                    continue
                }
                let here = rule.location ?? SourceLocation(file: rule.path)
                let there = first.rule.location ?? SourceLocation(file: first.rule.path)
                let twice =
                    here.file == there.file
                    ? "is read twice from this file (two of the paths given hold it)" : "is also read from \(there) (\(why))"
                warnings.append(Diagnostic(here, .warning, code: "rule-duplicate", "'\(rule.title)' \(twice); counted once"))
            }
            imports[reading].rules = kept
        }
        duplicates += warnings
        // A file read through two paths is reported twice with the very same words: once is enough.
        var reported = Set<Diagnostic>()
        for reading in imports.indices {
            imports[reading].diagnostics = imports[reading].diagnostics.filter { reported.insert($0).inserted }
        }
    }
}

/// File bytes read once each, to tell whether two rules come from files with the same content.
private struct FileContents {
    var bytes: [String: [UInt8]] = [:]

    mutating func same(_ a: DetectionRule, _ b: DetectionRule) -> Bool {
        guard let x = a.location?.file, let y = b.location?.file else { return false }
        if x == y { return true }
        guard let left = read(x), let right = read(y) else { return false }
        return left == right
    }

    mutating func read(_ file: String) -> [UInt8]? {
        if let known = bytes[file] { return known }
        guard let read = try? FileBytes.read(file) else { return nil }
        bytes[file] = read
        return read
    }
}
