// Runs a program (the built `vigil` binary, or a helper such as Python) as a user would, for end-to-end tests
// of arguments, output and exit codes: one runner for every test target.
import Foundation
import VigilCore

/// What a finished process wrote and its exit status.
public struct VigilRun {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// stdout read as JSON, or nil when it is not JSON.
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

public enum ProcessRunner {
    /// Runs `executable` with `arguments` in `environment` (the whole environment; nil inherits this process's)
    /// and waits for it to exit.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil
    ) throws -> VigilRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            // Written on another thread: a child answering as it reads would otherwise block on a full stdout.
            DispatchQueue.global().async {
                stdin.fileHandleForWriting.write(Data(input.utf8))
                try? stdin.fileHandleForWriting.close()
            }
        }
        // Drain stderr on another thread while this one drains stdout, so that neither pipe can fill up and
        // block the child, whichever of the two it writes more to.
        let errors = Drained()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errors.set(err.fileHandleForReading.readDataToEndOfFile()) }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        return VigilRun(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: errors.get(), as: UTF8.self))
    }

    /// A Python program failed: its exit status and what it wrote to standard error.
    public struct PythonFailure: Error, CustomStringConvertible {
        public var status: Int32
        public var stderr: String
        public var description: String { "python3 exited with \(status): \(stderr.suffix(2000))" }
    }

    /// Runs a Python 3 `script` with `arguments`, `input` on standard input, and returns its standard output: the
    /// independent reading a test compares Vigil with. A script that fails throws, with its standard error.
    public static func python(_ script: String, _ arguments: [String] = [], input: String = "") throws -> String {
        let run = try run("/usr/bin/env", ["python3", "-c", script] + arguments, input: input)
        guard run.status == 0 else { throw PythonFailure(status: run.status, stderr: run.stderr) }
        return run.stdout
    }

    /// Runs the built `vigil` binary.
    public static func vigil(_ arguments: [String], environment: [String: String]? = nil) throws -> VigilRun {
        try run(CoverageFixtures.vigil, arguments, environment: environment)
    }

    /// Bytes read on one thread and handed to another.
    final class Drained: @unchecked Sendable {
        private let lock = Lock()
        private var data = Data()
        func set(_ d: Data) { lock.withLock { data = d } }
        func get() -> Data { lock.withLock { data } }
    }
}
