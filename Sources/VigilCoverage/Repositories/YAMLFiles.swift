// YAML documents for the readers (CAR, Threat Hunter Playbook, Sigma metadata, rating and override files):
// Yams nodes read as plain text, and Yams' errors turned into diagnostics with the file, line and column.

import VigilCore
import Yams

enum YAMLFiles {
    /// All documents of a YAML text; a syntax error is thrown with its place.
    static func documents(_ bytes: [UInt8], file: String) throws(Diagnostic) -> [Node] {
        do {
            // The basic resolver leaves every scalar a string: the readers want text as written, and Yams' default
            // resolver runs its type regexes again on every key comparison, which made Sigma's 4,000 files cost a second.
            // Naming the encoding spares Yams a look at the process environment for every file.
            let parser = try Parser(yaml: String(decoding: bytes, as: UTF8.self), resolver: .basic, encoding: .utf8)
            var nodes: [Node] = []
            while let node = try parser.nextRoot() { nodes.append(node) }
            return nodes
        } catch let error as YamlError {
            throw diagnostic(error, file: file)
        } catch {
            throw Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "invalid YAML: \(error)")
        }
    }

    /// The single mapping a metadata file holds.
    static func mapping(_ bytes: [UInt8], file: String) throws(Diagnostic) -> Node {
        let nodes = try documents(bytes, file: file)
        guard let node = nodes.first(where: { $0.mapping != nil }) else {
            throw Diagnostic(
                SourceLocation(file: file, line: nodes.first?.mark?.line ?? 1), code: "yaml-not-mapping",
                "expected a YAML mapping (key: value), found \(nodes.isEmpty ? "an empty document" : "something else")")
        }
        return node
    }

    static func diagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return Diagnostic(
                SourceLocation(file: file, line: mark.line, column: mark.column), code: "yaml-syntax", "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(
                SourceLocation(file: file, line: context.mark.line, column: context.mark.column), code: "yaml-duplicate-key",
                "duplicate key \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset, _, _):
            return Diagnostic(SourceLocation(file: file, offset: offset), code: "yaml-syntax", "invalid YAML: \(problem)")
        default:
            return Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "invalid YAML: \(error)")
        }
    }

    /// A scalar's text as written (dates and numbers stay text).
    static func text(_ node: Node?) -> String? {
        guard let scalar = node?.scalar else { return nil }
        return scalar.string
    }

    /// A scalar, or the scalars of a sequence.
    static func texts(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let sequence = node.sequence { return sequence.compactMap { $0.scalar?.string } }
        return text(node).map { [$0] } ?? []
    }

    static func line(_ node: Node?) -> Int? { node?.mark?.line }
}
