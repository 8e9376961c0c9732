// Terminal and JSON output shared by the commands.
import ArgumentParser
import Foundation
import VigilCore
import VigilLogs
import VigilSigma

/// The formats Vigil's commands write. Each command takes the ones that make sense for it with
/// `--format`, and `--json` as an alias of `--format json`; `OutputFormat.chosen` checks the choice.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, jsonl, csv, timesketch, text, xml, parquet, markdown

    /// The format asked for by `--format` and `--json`, or `fallback`. `--json` means json, or jsonl for a
    /// command that writes only JSON lines. Asking for a format the command does not write, or for two
    /// different ones, is a usage error (exit 2).
    static func chosen(_ format: OutputFormat?, json: Bool, allowed: [OutputFormat], fallback: OutputFormat = .table) throws
        -> OutputFormat
    {
        let jsonFormat: OutputFormat = allowed.contains(.json) || !allowed.contains(.jsonl) ? .json : .jsonl
        if json, let format, format != jsonFormat {
            throw ValidationError("--json and --format \(format.rawValue) ask for different formats")
        }
        let chosen = json ? jsonFormat : format ?? fallback
        guard allowed.contains(chosen) else {
            throw ValidationError(
                "this command writes --format \(allowed.map(\.rawValue).joined(separator: ", ")), not \(chosen.rawValue)")
        }
        return chosen
    }
}

extension OutputFormat {
    /// The record writer's format (a Timesketch file is CSV with Timesketch's columns).
    var records: RecordWriter.Format {
        switch self {
        case .table: .table
        case .json: .json
        case .jsonl: .jsonl
        case .csv, .timesketch: .csv
        case .text, .xml, .parquet, .markdown: preconditionFailure("\(self) is not a record format")
        }
    }
}

/// The event-location keys and table columns that every finding command writes the same way.
extension EventLocation {
    static let keys = ["timestamp", "computer", "channel", "event_id", "record_id", "file", "line"]

    var values: [RecordValue] {
        [.text(timestamp), .text(computer), .text(channel), .text(eventID), .text(recordID), .text(file), .number(line)]
    }

    /// Timestamp (EVTX's 28 characters), computer, event ID and file:line.
    static let tableColumns = [
        TableColumn("TIMESTAMP", key: "timestamp", width: 28), TableColumn("COMPUTER", key: "computer", width: 20),
        TableColumn("EVENT", key: "event_id", width: 6),
        TableColumn("FILE:LINE", width: 30, keepsEnd: true) { row in
            (row["file"].split(separator: "/").last.map(String.init) ?? row["file"]) + ":" + row["line"]
        },
    ]
}

extension Output {
    /// A record writer printing to standard output.
    static func records(_ format: OutputFormat, keys: [String], table: [TableColumn]) -> RecordWriter {
        RecordWriter(format: format.records, keys: keys, table: table, emit: { print($0, terminator: "") })
    }
}

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
        for d in diagnostics { _ = WriteAll.text(d.description + "\n", to: 2) }
    }

    static func error(_ text: String) { _ = WriteAll.text("vigil: " + text + "\n", to: 2) }

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
        let all = ([header] + rows).map { $0.map(RecordWriter.cleanCell) }
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

/// Help texts: prose written across several source lines, printed as one paragraph that ArgumentParser wraps
/// at the terminal's width.
enum Help {
    /// `text` with each prose paragraph on one line: a line at the left margin that does not end a sentence
    /// (`.`, `:`, `!`, `?`) is joined with the next line at the margin. Indented lines (lists, examples, the
    /// continuation of a list item) keep their breaks.
    static func reflow(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let last = out.last, !last.isEmpty, !last.hasPrefix(" "), !line.isEmpty, !line.hasPrefix(" "),
                let end = last.last, !".:!?".contains(end)
            {
                out[out.count - 1] = last + " " + line
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }
}

/// The rules of a run that did not run, named once per logsource: those whose logsource nothing maps, and those
/// whose logsource had no events in the logs read.
enum LogsourceReport {
    static let shown = 12

    static func lines(
        unmapped: [(logsource: SigmaLogsource, rules: [Int])], withoutEvents: [(logsource: SigmaLogsource, rules: [Int])]? = nil
    ) -> [String] {
        var lines: [String] = []
        func section(_ title: String, _ groups: [(logsource: SigmaLogsource, rules: [Int])], _ why: String) {
            guard !groups.isEmpty else { return }
            let total = groups.reduce(0) { $0 + $1.rules.count }
            lines.append("\(title): \(counted(total, "rule")) in \(counted(groups.count, "logsource")) (\(why))")
            for group in groups.prefix(shown) {
                lines.append(
                    "  \(group.logsource.description.isEmpty ? "(none)" : group.logsource.description): \(counted(group.rules.count, "rule"))"
                )
            }
            if groups.count > shown { lines.append("  … \(counted(groups.count - shown, "more logsource"))") }
        }
        section("logsource not mapped", unmapped, "not run; map it with --mapping")
        if let withoutEvents { section("no events of their logsource in these logs", withoutEvents, "ran on nothing") }
        return lines
    }
}
