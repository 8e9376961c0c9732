// Runs the built `vigil` binary as a user would, for end-to-end tests of arguments, output and exit codes.
import Foundation
import VigilCore
import VigilTestSupport

struct VigilRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

enum VigilProcess {
    static var binary: String { CoverageFixtures.vigil }

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
