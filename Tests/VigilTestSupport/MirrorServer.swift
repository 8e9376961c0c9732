// A loopback HTTP server for tests that download (rule packages, ATT&CK bundles, redirects): Python's http.server
// (Tests/Support/http_mirror.py) serving a folder and fixed routes on 127.0.0.1 and a free port.
import Foundation

public final class MirrorServer {
    public let folder: String
    public let port: Int
    let routesFile: String
    let process: Process
    let lifeline = Pipe()

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server on `folder` (created if missing) and waits until it listens.
    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let control = folder + ".server"
        try FileManager.default.createDirectory(atPath: control, withIntermediateDirectories: true)
        routesFile = control + "/routes.json"
        let portFile = control + "/port"
        try? FileManager.default.removeItem(atPath: portFile)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", SharedData.packageRoot() + "/Tests/Support/http_mirror.py", folder, routesFile, portFile]
        process.standardOutput = FileHandle.nullDevice
        // The server exits when this pipe closes, so that it never outlives the test process.
        process.standardInput = lifeline
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile) {
            guard process.isRunning, Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "python3 http_mirror.py did not start"])
            }
            usleep(20_000)
        }
        port = Int(try String(contentsOfFile: portFile, encoding: .utf8)) ?? 0
    }

    /// Fixed answers by request path: status, headers, body and an optional delay in seconds.
    public func setRoutes(_ routes: [String: (status: Int, headers: [String: String], body: String, delay: Double)]) throws {
        let json = routes.mapValues { [$0.status, $0.headers, $0.body, $0.delay] as [Any] }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: routesFile))
    }

    /// Stops the server with SIGKILL: a child started from a test's worker thread inherits its blocked signals,
    /// SIGTERM among them, and `terminate()` would leave the wait below hanging.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder + ".server")
    }

    deinit { if process.isRunning { stop() } }
}
