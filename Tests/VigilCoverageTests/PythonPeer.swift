// A Python virtual environment with a PyPI package, made on first use, for tests that check Vigil's
// output with a peer's own code (mitreattack-python's navlayers for Navigator layers).
import Foundation
import VigilCore
import VigilTestSupport

enum PythonPeer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a command; returns its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The venv's python with mitreattack-python installed: $VIGIL_TEST_PYTHON, else `.build/test-venv`
    /// (created with `python3 -m venv` and pip from PyPI on first use).
    static let mitreattackPython: Result<String, Failure> = {
        if let given = ProcessInfo.processInfo.environment["VIGIL_TEST_PYTHON"], !given.isEmpty { return .success(given) }
        let venv = SharedData.packageRoot() + "/.build/test-venv"
        let python = venv + "/bin/python"
        do {
            if (try? run(python, ["-c", "import mitreattack.navlayers"]))?.0 == 0 { return .success(python) }
            let (made, madeOut) = try run("/usr/bin/env", ["python3", "-m", "venv", venv])
            guard made == 0 else { return .failure(Failure(description: "python3 -m venv failed: \(madeOut)")) }
            let (installed, log) = try run(venv + "/bin/pip", ["install", "-q", "mitreattack-python"])
            guard installed == 0 else {
                return .failure(Failure(description: "pip install mitreattack-python failed (PyPI unreachable?): \(log.suffix(500))"))
            }
            return .success(python)
        } catch {
            return .failure(Failure(description: "cannot run python3: \(error)"))
        }
    }()
}
