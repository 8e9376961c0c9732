// Every command in README.md runs as written and exits as the README says, so the documentation cannot rot.
//
// The rules, which README.md states in a sentence of its own:
// - Commands are the lines of ```sh blocks and the `$ ` lines of ```console blocks (a line ending in `\` goes on
//   to the next). Every code block says what it is; one without a language fails the test.
// - Each command states its exit code in a trailing comment that begins with it: `# exit 1: detections`. In a
//   console transcript, `$ echo $?` followed by the code states the code of the command before it. A command
//   with no stated code fails, and so does one whose code differs.
// - Console transcripts are checked: each run of output lines they show (`...` stands for lines left out) must
//   appear in the command's output (standard output and error together).
// - They run in README order with /bin/sh, from a scratch folder that shows the package root (a link to each of
//   its entries) beside a link named `shared` to the shared data: `../shared` is the shared data, and `out/`,
//   `> file` and other files a command writes land in the scratch folder, never in the repository.
//   XDG_DATA_HOME is a scratch folder too, so the history store is a fresh one.
// - `vigil` is the binary built for these tests, first on PATH. `swift run vigil …` and `.build/release/vigil …`
//   run it the same way. `swift build` and `swift test` lines are not run (they build and test this very
//   package, which this test is part of); their codes must still be stated.
// - A command whose comment says `not run by tests: REASON` (a ClickHouse server, a Spark cluster) is not run; it
//   is listed with its reason on standard output, never skipped silently.
// - `vigil serve …` is started (with `--port 0` when it names no port), asked for `/` once it prints its address,
//   which must answer 200, then stopped with SIGINT as Ctrl-C would; its stated code is its code after that.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fenced code block of README.md: its language and its lines, with the README line of the first.
struct ReadmeBlock {
    var language: String
    var line: Int
    var lines: [String]
}

/// One command of README.md and what the README says of it.
struct ReadmeCommand: CustomStringConvertible {
    /// README line where the command starts.
    var line: Int
    /// The command as written, continuation lines joined, without its trailing comment.
    var text: String
    var comment: String?
    /// The exit code the README states.
    var stated: Int32?
    /// Set when the comment says `not run by tests: REASON`.
    var notRun: String?
    /// Console transcripts: the output shown after the command (`...` stands for lines left out).
    var shownOutput: [String] = []

    var description: String { "README.md:\(line): \(text)" }
}

enum Readme {
    static let runLanguages: Set = ["sh", "console"]

    static func blocks(_ text: String) -> [ReadmeBlock] {
        var blocks: [ReadmeBlock] = []
        var open: ReadmeBlock?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("```") {
                if let block = open {
                    blocks.append(block)
                    open = nil
                } else {
                    open = ReadmeBlock(language: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), line: n + 1, lines: [])
                }
            } else {
                open?.lines.append(line)
            }
        }
        return blocks
    }

    /// The commands of a sh or console block; `problems` gets what the block gets wrong.
    static func commands(_ block: ReadmeBlock, problems: inout [String]) -> [ReadmeCommand] {
        var commands: [ReadmeCommand] = []
        let console = block.language == "console"
        var pending: (line: Int, text: String)?
        var expectEchoedCode = false
        func finish(_ line: Int, _ text: String) {
            let (command, comment) = splitComment(text)
            if console && command == "echo $?" {
                expectEchoedCode = true
                return
            }
            var c = ReadmeCommand(line: line, text: command, comment: comment)
            if let comment {
                if let match = comment.firstMatch(of: #/^exit ([0-9]+)\b/#) { c.stated = Int32(match.1) }
                if let marker = comment.range(of: "not run by tests:") {
                    c.notRun = comment[marker.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: " )."))
                }
            }
            commands.append(c)
        }
        for (offset, raw) in block.lines.enumerated() {
            let number = block.line + 1 + offset
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var p = pending {
                p.text += " " + line
                pending = nil
                if line.hasSuffix("\\") {
                    p.text.removeLast()
                    pending = p
                } else {
                    finish(p.line, p.text)
                }
                continue
            }
            var text: String
            if console {
                guard line.hasPrefix("$ ") else {
                    if expectEchoedCode {
                        expectEchoedCode = false
                        guard let code = Int32(line), let last = commands.indices.last else {
                            problems.append("README.md:\(number): `$ echo $?` is followed by \"\(line)\", not an exit code")
                            continue
                        }
                        if let stated = commands[last].stated, stated != code {
                            problems.append("\(commands[last]): states exit \(stated) in its comment and \(code) after `echo $?`")
                        }
                        commands[last].stated = code
                    } else if let last = commands.indices.last, !line.isEmpty {
                        commands[last].shownOutput.append(raw)
                    }
                    continue
                }
                text = String(line.dropFirst(2))
            } else {
                if line.isEmpty || line.hasPrefix("#") { continue }
                text = line
            }
            if text.hasSuffix("\\") {
                text.removeLast()
                pending = (number, text.trimmingCharacters(in: .whitespaces))
            } else {
                finish(number, text)
            }
        }
        if let p = pending { problems.append("README.md:\(p.line): the block ends inside a command continued with \\") }
        return commands
    }

    /// The command and its trailing comment: from the first `#` outside quotes that starts a word.
    static func splitComment(_ text: String) -> (String, String?) {
        var single = false
        var double = false
        var escaped = false
        var previous: Character = " "
        for index in text.indices {
            let c = text[index]
            defer { previous = c }
            if escaped {
                escaped = false
                continue
            }
            switch c {
            case "\\" where !single: escaped = true
            case "'" where !double: single.toggle()
            case "\"" where !single: double.toggle()
            case "#" where !single && !double && previous.isWhitespace:
                return (
                    text[..<index].trimmingCharacters(in: .whitespaces),
                    text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                )
            default: break
            }
        }
        return (text.trimmingCharacters(in: .whitespaces), nil)
    }

    /// How the test runs a command: as written, with `vigil` for the ways README spells the binary, or not at all.
    enum Plan: Equatable {
        case shell(String)
        case serve(String)
        case skip(String)
    }

    static func plan(_ command: ReadmeCommand) -> Plan {
        if let reason = command.notRun { return .skip(reason) }
        var text = command.text
        if text.hasPrefix("swift build") || text.hasPrefix("swift test") {
            return .skip("builds or tests this package, which this test is part of")
        }
        if let match = text.prefixMatch(of: #/swift run (-c [a-z]+ )?vigil\b/#) { text.replaceSubrange(match.range, with: "vigil") }
        if let match = text.prefixMatch(of: #/\.build/(release|debug)/vigil\b/#) { text.replaceSubrange(match.range, with: "vigil") }
        if text.hasPrefix("vigil serve") {
            return .serve(text.contains("--port") ? text : text + " --port 0")
        }
        return .shell(text)
    }

    /// Whether every run of lines a transcript shows (runs are separated by `...`) appears, line after line, in the output.
    static func missingOutput(_ shown: [String], in output: String) -> [String]? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map { trimEnd(String($0)) }
        var runs: [[String]] = [[]]
        for line in shown.map(trimEnd) {
            if line.trimmingCharacters(in: .whitespaces) == "..." { runs.append([]) } else { runs[runs.count - 1].append(line) }
        }
        for run in runs where !run.isEmpty {
            let starts = 0..<max(0, lines.count - run.count + 1)
            let found = starts.contains { (start: Int) -> Bool in lines[start..<(start + run.count)].elementsEqual(run) }
            if !found { return run }
        }
        return nil
    }

    static func trimEnd(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}

/// The scratch folder the README's commands run in: `main/` shows the package root, `shared` is the shared data,
/// `bin/vigil` the binary under test, `data/` the XDG data folder.
struct ReadmeScratch {
    let root: String
    var main: String { root + "/main" }
    private var links: [String] = []

    init() throws {
        root = NSTemporaryDirectory() + "vigil-readme-\(UUID().uuidString)"
        let files = FileManager.default
        for folder in ["main", "bin", "data"] { try files.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true) }
        let package = SharedData.packageRoot()
        for name in try files.contentsOfDirectory(atPath: package) where !name.hasPrefix(".") {
            try link(package + "/" + name, at: main + "/" + name)
        }
        _ = try SharedData.path("rules")
        try link(SharedData.root(), at: root + "/shared")
        try link(CoverageFixtures.vigil, at: root + "/bin/vigil")
    }

    private mutating func link(_ target: String, at path: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        links.append(path)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = root + "/bin:" + (env["PATH"] ?? "/usr/bin:/bin")
        env["XDG_DATA_HOME"] = root + "/data"
        env["VIGIL_ATTACK"] = nil
        return env
    }

    /// Removes the links first (never what they point to), then the folder.
    func remove() {
        for link in links { unlink(link) }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// A command's run: its exit status, standard output and error together, and how long it took.
struct ReadmeRun {
    var status: Int32
    var output: String
    var seconds: Double
    var problem: String?
}

enum ReadmeRunner {
    /// Runs `command` with /bin/sh in `folder`, with standard output and error in one pipe; with a `limit`, under
    /// coreutils' `timeout`, which stops the command's whole process group when the limit is reached.
    static func start(_ command: String, in folder: String, environment: [String: String], limit: Int?) throws -> (Process, Collected) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = (limit.map { ["timeout", "-k", "10", String($0)] } ?? []) + ["/bin/sh", "-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let collected = Collected()
        try process.run()
        collected.drain(pipe.fileHandleForReading)
        return (process, collected)
    }

    static func shell(_ command: String, in folder: String, environment: [String: String], limit: Int = 300) throws -> ReadmeRun {
        let started = Date()
        let (process, collected) = try start(command, in: folder, environment: environment, limit: limit)
        process.waitUntilExit()
        collected.finished.wait()
        let status = process.terminationStatus
        return ReadmeRun(
            status: status, output: collected.text, seconds: Date().timeIntervalSince(started),
            problem: status == 124 ? "did not finish within \(limit) s" : nil)
    }

    /// Starts a server, asks it for `/`, stops it with SIGINT and returns its exit status.
    static func serve(_ command: String, in folder: String, environment: [String: String]) throws -> ReadmeRun {
        let started = Date()
        // `exec`: the process started is the server itself, which the signal below must reach.
        let (process, collected) = try start("exec " + command, in: folder, environment: environment, limit: nil)
        var problem: String?
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && process.isRunning && Date() < deadline {
            if let match = collected.text.firstMatch(of: #/https?://[^/\s]+:([0-9]+)/#) { port = Int(match.1) } else { usleep(50_000) }
        }
        if let port {
            let status = (try? RawHTTP.get(port: port, "/"))?.status
            if status != 200 { problem = "GET / answered \(status.map(String.init) ?? "nothing"), not 200" }
            kill(process.processIdentifier, SIGINT)
        } else if process.isRunning {
            problem = "printed no address to open within 60 s"
            kill(process.processIdentifier, SIGINT)
        }
        let stopBy = Date().addingTimeInterval(30)
        while process.isRunning && Date() < stopBy { usleep(50_000) }
        if process.isRunning {
            problem = (problem.map { $0 + "; " } ?? "") + "did not stop within 30 s of SIGINT"
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        collected.finished.wait()
        return ReadmeRun(
            status: process.terminationStatus, output: collected.text, seconds: Date().timeIntervalSince(started), problem: problem)
    }

    /// A pipe's bytes, read on another thread until every writer has closed it.
    final class Collected: @unchecked Sendable {
        private let lock = Lock()
        private var data = Data()
        let finished = DispatchSemaphore(value: 0)

        func drain(_ handle: FileHandle) {
            Thread.detachNewThread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.lock.withLock { self.data.append(chunk) }
                }
                self.finished.signal()
            }
        }

        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }
}

@Suite struct ReadmeExamplesTests {
    static var readme: String {
        get throws { try String(contentsOfFile: SharedData.packageRoot() + "/README.md", encoding: .utf8) }
    }

    /// The parser itself, on a made-up README: continuations, comments, quotes, transcripts and the markers.
    @Test func readsCommandsAsWritten() throws {
        let text = """
            ```sh
            swift run vigil coverage --rules x \\
                --layers out   # exit 1: rejected rules
            vigil search --where 'Image=#x' logs/  # exit 0 — not run by tests: needs logs.
            vigil stack X logs/
            ```
            ```console
            $ vigil attack crosswalk T1687
            ID  ON 18.1
            ...
            $ echo $?
            1
            ```
            """
        let blocks = Readme.blocks(text)
        #expect(blocks.map(\.language) == ["sh", "console"])
        var problems: [String] = []
        let sh = Readme.commands(blocks[0], problems: &problems)
        #expect(
            sh.map(\.text) == [
                "swift run vigil coverage --rules x --layers out", "vigil search --where 'Image=#x' logs/", "vigil stack X logs/",
            ])
        #expect(sh.map(\.line) == [2, 4, 5])
        #expect(sh.map(\.stated) == [1, 0, nil])
        #expect(sh[1].notRun == "needs logs")
        #expect(Readme.plan(sh[0]) == .shell("vigil coverage --rules x --layers out"))
        let console = Readme.commands(blocks[1], problems: &problems)
        #expect(console.count == 1 && console[0].stated == 1 && console[0].shownOutput == ["ID  ON 18.1", "..."])
        #expect(problems.isEmpty)
        #expect(Readme.missingOutput(["ID  ON 18.1", "..."], in: "ID  ON 18.1  \nT1687\n") == nil)
        #expect(Readme.missingOutput(["a", "b"], in: "a\nc\nb\n") == ["a", "b"])
    }

    @Test func everyCommandExitsAsStated() throws {
        let blocks = Readme.blocks(try Self.readme)
        var problems: [String] = []
        var commands: [ReadmeCommand] = []
        for block in blocks {
            if Readme.runLanguages.contains(block.language) {
                commands += Readme.commands(block, problems: &problems)
            } else if block.language.isEmpty {
                problems.append(
                    "README.md:\(block.line): a code block without a language: say ```sh (commands, which this test runs), ```console (a transcript) or ```text"
                )
            }
        }
        #expect(commands.count > 20, "found only \(commands.count) commands in README.md")
        for c in commands where c.stated == nil {
            problems.append("\(c): states no exit code (end the line with a comment such as `# exit 0` or `# exit 1: detections`)")
        }
        let scratch = try ReadmeScratch()
        defer { scratch.remove() }
        var log: [String] = []
        let started = Date()
        for c in commands {
            let run: ReadmeRun
            switch Readme.plan(c) {
            case .skip(let reason):
                log.append("not run  \(c.description)  (\(reason))")
                continue
            case .shell(let text): run = try ReadmeRunner.shell(text, in: scratch.main, environment: scratch.environment)
            case .serve(let text): run = try ReadmeRunner.serve(text, in: scratch.main, environment: scratch.environment)
            }
            log.append(String(format: "%6.1f s  exit %d  ", run.seconds, run.status) + c.description)
            let tail = String(run.output.suffix(1500))
            if let problem = run.problem { problems.append("\(c): \(problem)\n\(tail)") }
            if let stated = c.stated, run.status != stated {
                problems.append("\(c): exits \(run.status), README says \(stated)\n\(tail)")
            }
            if let missing = Readme.missingOutput(c.shownOutput, in: run.output) {
                problems.append(
                    "\(c): the output README shows is not in the output:\n\(missing.joined(separator: "\n"))\n--- output:\n\(tail)")
            }
        }
        log.append(String(format: "%6.1f s  in all", Date().timeIntervalSince(started)))
        print("README.md commands:\n" + log.joined(separator: "\n"))
        for problem in problems { Issue.record(Comment(rawValue: problem)) }
    }
}
