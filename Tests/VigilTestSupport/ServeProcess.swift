// `vigil serve` as a user runs it: a real process on a free loopback port, for the tests that speak to it.

import Foundation

/// A running `vigil serve`, stopped by `stop()`.
public final class ServeProcess {
    public let process = Process()
    public let url: String
    public let port: Int
    public let output: String

    public init(_ arguments: [String]) throws {
        let binary = CoverageFixtures.vigil
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw LiveTestError("vigil is not built at \(binary)") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first lines name the URL (and the token when one was generated).
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n") || (arguments.contains("0.0.0.0") && !text.contains("token:")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        output = text
        guard let range = text.range(of: "http://"), let line = text[range.lowerBound...].split(separator: "\n").first else {
            process.terminate()
            throw LiveTestError("vigil serve printed no URL: \(text)")
        }
        url = String(line)
        let afterColon = url.dropFirst("http://".count).split(separator: ":").last ?? ""
        port = Int(afterColon.prefix { $0.isNumber }) ?? 0
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

public struct LiveTestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
