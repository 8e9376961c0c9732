// Small helpers for reading Vigil's YAML data files (inventory, map, risk register) with positions for diagnostics.

import VigilCore
import Yams

enum YAMLFile {
    /// Parses YAML text into its first document; errors become diagnostics with line and column
    /// (the same conversion the rule readers use).
    static func parse(_ text: String, source: String, code: String) throws(Diagnostic) -> Node? {
        try YAMLFiles.documents(Array(text.utf8), file: source).first
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

    static func ints(_ node: Node?) -> [Int] {
        guard let node else { return [] }
        if let i = node.int { return [i] }
        return (node.sequence ?? []).compactMap { $0.int }
    }
}
