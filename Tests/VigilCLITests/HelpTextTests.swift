// `--help` says what the binary does in prose that the terminal wraps: no hard line break in the middle of a
// sentence. At a width of 100 columns, a line at the margin that does not end a sentence must be one that
// ArgumentParser broke because the next word did not fit; otherwise the source has a hard break.
import Foundation
import Testing
import VigilTestSupport

@Suite struct HelpTextTests {
    static let commands: [[String]] = [
        [], ["attack"], ["attack", "info"], ["attack", "show"], ["attack", "search"], ["attack", "diff"], ["attack", "import"],
        ["attack", "update"], ["attack", "crosswalk"], ["attack", "build-index"], ["coverage"], ["rules"], ["rules", "check"],
        ["rules", "update"], ["hunt"], ["evtx"], ["evtx", "dump"], ["evtx", "info"], ["history"], ["history", "list"],
        ["history", "show"], ["history", "diff"], ["history", "export"], ["history", "import"], ["metrics"], ["stack"],
        ["search"], ["timeline"], ["ioc"], ["convert"], ["export"], ["serve"],
    ]

    /// Lines of `help` at the left margin that end mid-sentence although the next line's first word would
    /// have fitted after them.
    static func hardBreaks(_ help: String, width: Int) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) {
            guard let end = line.last, !line.hasPrefix(" "), !next.hasPrefix(" "), !next.isEmpty, !".:;!?)".contains(end)
            else { continue }
            let word = next.split(separator: " ").first.map(String.init) ?? next
            if line.count + 1 + word.count < width { found.append(line + " ⏎ " + next) }
        }
        return found
    }

    @Test func proseIsWrappedByTheTerminalNotTheSource() throws {
        for command in Self.commands {
            var environment = ProcessInfo.processInfo.environment
            environment["COLUMNS"] = "100"
            let run = try ProcessRunner.vigil(command + ["--help"], environment: environment)
            #expect(run.status == 0, "\(command)")
            let breaks = Self.hardBreaks(run.stdout, width: 100)
            #expect(breaks.isEmpty, "vigil \(command.joined(separator: " ")) --help: \(breaks.prefix(3))")
        }
    }

    @Test func theCheckFindsAHardBreak() {
        #expect(Self.hardBreaks("one two three\nfour five.\n", width: 100).count == 1)
        #expect(Self.hardBreaks("one two three four\nfive.\n", width: 24).isEmpty)
    }
}
