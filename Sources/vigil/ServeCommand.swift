// `vigil serve`: the local web UI and JSON API over the history store (read-only).
import ArgumentParser
import Dispatch
import Foundation
import VigilServer
import VigilStore

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Browse coverage in a web browser: the ATT&CK heat map, techniques, gap plan, history.",
        discussion: """
            Serves the snapshots in the history store, read-only. It listens on 127.0.0.1:8080 by default. Any \
            address other than loopback needs a token: give one with --token, or Vigil generates one and prints \
            the URL to open. Clients send it as `Authorization: Bearer TOKEN` (the printed URL sets a cookie).
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Require this token on every request (generated when listening beyond loopback).") var token: String?
    @Option(help: .hidden) var benchmarkPeer: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var attack: AttackOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        if let token, token.count < 16 { throw ValidationError("--token must be at least 16 characters") }
    }

    func run() throws {
        let kb = try attack.load()
        let history = try store.open(readOnly: true)
        let loopback = AccessPolicy.isLoopback(host)
        let secret = token ?? (loopback ? nil : AccessPolicy.generateToken())
        let peer = try benchmarkPeer.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) }
        let site = CoverageSite(
            store: history, kb: kb, policy: AccessPolicy(token: secret, loopbackOnly: loopback), benchmarkPeer: peer)
        site.warmUp()
        let settings = ServerSettings(host: host, port: port)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let failure = ServeFailure()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await CoverageServer.run(site, settings: settings) { bound in
                    let url = "http://\(shownHost):\(bound)/" + (secret.map { "?token=\($0)" } ?? "")
                    var text = "Vigil is serving \(history.path) at \(url)\n"
                    if token == nil, let secret { text += "token: \(secret) (send it as Authorization: Bearer TOKEN)\n" }
                    // Unbuffered: a script or test waiting for the URL reads it at once.
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            } catch {
                failure.message = "\(error)"
            }
            done.signal()
        }
        done.wait()
        if let message = failure.message {
            Output.error("cannot serve on \(host):\(port): \(message)")
            throw ExitCode.badInput
        }
    }
}

/// The server task's error, read after it ends (the semaphore orders the accesses).
final class ServeFailure: @unchecked Sendable {
    var message: String?
}
