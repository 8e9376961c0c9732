// Runs the built `vigil` binary as a user would, for end-to-end tests of arguments, output and exit codes, in an
// environment kept away from the user's own ATT&CK data and data folder.
import Foundation
import VigilTestSupport

enum VigilProcess {
    static var binary: String { CoverageFixtures.vigil }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> VigilRun {
        var env = ProcessInfo.processInfo.environment
        env["VIGIL_ATTACK"] = nil
        for (k, v) in environment { env[k] = v }
        // Keep tests away from the user's data folder unless a test sets its own.
        env["XDG_DATA_HOME"] = environment["XDG_DATA_HOME"] ?? "/nonexistent-vigil-test"
        return try ProcessRunner.run(binary, arguments, environment: env)
    }
}
