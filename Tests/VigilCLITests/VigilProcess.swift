// Runs the built `vigil` binary as a user would, for end-to-end tests of arguments, output and exit codes.
import Foundation
import VigilCore

struct VigilRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

enum VigilProcess {
    /// The `vigil` executable built beside the test bundle.
    static var binary: String {
        let runner = CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: runner).deletingLastPathComponent()
        // On Linux the runner is .build/<config>/VigilPackageTests.xctest; on macOS a bundle inside it.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vigil").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return SharedData.packageRoot() + "/.build/debug/vigil"
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> VigilRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["VIGIL_ATTACK"] = nil
        for (k, v) in environment { env[k] = v }
        // Keep tests away from the user's data folder unless a test sets its own.
        env["XDG_DATA_HOME"] = environment["XDG_DATA_HOME"] ?? "/nonexistent-vigil-test"
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return VigilRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
