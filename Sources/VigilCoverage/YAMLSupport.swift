// Small helpers for reading Vigil's YAML data files with positions for diagnostics.

import VigilCore
import Yams

enum YAMLFile {
    /// Parses YAML text into a node; syntax errors become diagnostics with line and column.
    static func parse(_ text: String, source: String, code: String) throws(Diagnostic) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var line: Int? = nil
            var column: Int? = nil
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                line = mark.line
                column = mark.column
            default: break
            }
            throw Diagnostic(SourceLocation(file: source, line: line, column: column), code: code, "invalid YAML: \(error)")
        } catch {
            throw Diagnostic(SourceLocation(file: source), code: code, "invalid YAML: \(error)")
        }
    }

    static func read(_ path: String, code: String) throws(Diagnostic) -> Node? {
        let bytes = try FileBytes.read(path)
        if bytes.contains(0) {
            throw Diagnostic(SourceLocation(file: path), code: code, "binary file, not YAML")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), source: path, code: code)
    }

    static func location(_ source: String, _ node: Node?) -> SourceLocation {
        SourceLocation(file: source, line: node?.mark.map { $0.line }, column: node?.mark.map { $0.column })
    }

    /// A list of strings from a sequence or a lone scalar.
    static func strings(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let s = node.string { return [s] }
        return (node.sequence ?? []).compactMap { $0.string }
    }

    static func ints(_ node: Node?) -> [Int] {
        guard let node else { return [] }
        if let i = node.int { return [i] }
        return (node.sequence ?? []).compactMap { $0.int }
    }
}
