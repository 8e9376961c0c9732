// Terminal and JSON output shared by the commands.
import ArgumentParser
import Foundation
import VigilCore
import VigilLogs

enum Output {
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func printJSON<T: Encodable>(_ value: T) { print(json(value)) }

    /// Diagnostics go to standard error, one per line, `file:line:col: severity: message [code]`.
    static func report(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
    }

    static func error(_ text: String) { FileHandle.standardError.write(Data(("vigil: " + text + "\n").utf8)) }

    /// The log files under `paths` (files and folders); paths that do not exist are reported, and
    /// finding no log file at all is bad input (exit 2).
    static func logFiles(_ paths: [String]) throws -> [String] {
        let (files, missing) = LogReader.logFiles(paths)
        report(missing)
        guard !files.isEmpty else {
            error("no log files found")
            throw ExitCode.badInput
        }
        return files
    }

    /// Left-aligned columns; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (n, row) in all.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }
            out += line + "\n"
            if n == 0 {
                out +=
                    widths.enumerated().map { String(repeating: "-", count: $0.offset == widths.count - 1 ? $0.element : $0.element + 2) }
                    .joined() + "\n"
            }
        }
        return out
    }
}
