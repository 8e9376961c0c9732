// `vigil serve`: the local web UI and JSON API over the history store (read-only).
import ArgumentParser
import Dispatch
import Foundation
import VigilCore
import VigilServer
import VigilStore

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Browse coverage in a web browser: the ATT&CK heat map, techniques, gap plan, history.",
        discussion: """
            Serves the snapshots in the history store, read-only. It listens on 127.0.0.1:8080 by default. Any \
            address other than loopback needs a token: give one with --token, or Vigil generates one and prints \
            the URL to open. Clients send it as `Authorization: Bearer TOKEN` (the printed URL sets a cookie).

            Every connection has deadlines, so idle or slow clients cannot hold the server: a request head must \
            arrive in full within --read-timeout of its first byte (or of the connection's opening), its response \
            must be written within --write-timeout, and a connection waiting for its next request is closed after \
            --idle-timeout. At most --max-connections are open at once; past that a new connection closes the \
            longest-idle one, or is closed itself while every open one is answering a request.
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Require this token on every request (generated when listening beyond loopback).") var token: String?
    @Option(help: ArgumentHelp("Seconds for a request head to arrive in full (a client that stalls is closed).", valueName: "seconds"))
    var readTimeout = 10.0
    @Option(help: ArgumentHelp("Seconds to answer a request, up to its last byte written.", valueName: "seconds"))
    var writeTimeout = 30.0
    @Option(help: ArgumentHelp("Seconds a connection may wait for its next request.", valueName: "seconds"))
    var idleTimeout = 30.0
    @Option(
        help: ArgumentHelp(
            "Connections open at once (default \(ConnectionLimits.defaultMaxConnections), fewer if the open-file limit leaves less room).",
            valueName: "n"))
    var maxConnections: Int?
    @Option(help: "Output format of the start-up message: table (a sentence) or json (one object: store, url, host, port, token).")
    var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false
    @Option(help: .hidden) var benchmarkPeer: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var attack: AttackOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        if let token, token.count < 16 { throw ValidationError("--token must be at least 16 characters") }
        for (name, seconds) in [("--read-timeout", readTimeout), ("--write-timeout", writeTimeout), ("--idle-timeout", idleTimeout)]
        where !(seconds > 0 && seconds <= 86_400) {
            throw ValidationError("\(name) must be more than 0 and at most 86400 seconds")
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let cap: Int
        do {
            cap = try ConnectionLimits.cap(requested: maxConnections)
        } catch {
            Output.error("\(error)")
            throw ExitCode.badInput
        }
        let kb = try attack.load()
        let history = try store.open(readOnly: true)
        let loopback = AccessPolicy.isLoopback(host)
        let secret = token ?? (loopback ? nil : AccessPolicy.generateToken())
        let peer = try benchmarkPeer.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) }
        let site = CoverageSite(
            store: history, kb: kb, policy: AccessPolicy(token: secret, loopbackOnly: loopback), benchmarkPeer: peer)
        site.warmUp()
        let limits = ConnectionLimits(
            readTimeout: .seconds(readTimeout), writeTimeout: .seconds(writeTimeout), idleTimeout: .seconds(idleTimeout),
            maxConnections: cap)
        let settings = ServerSettings(host: host, port: port, limits: limits)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let failure = ServeFailure()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await CoverageServer.run(site, settings: settings) { bound in
                    let url = "http://\(shownHost):\(bound)/" + (secret.map { "?token=\($0)" } ?? "")
                    var text = "Vigil is serving \(history.path) at \(url)\n"
                    if token == nil, let secret { text += "token: \(secret) (send it as Authorization: Bearer TOKEN)\n" }
                    if format == .json {
                        let values: [RecordValue] = [.text(history.path), .text(url), .text(host), .number(bound), .text(secret)]
                        text = RecordWriter.jsonObject(["store", "url", "host", "port", "token"], values) + "\n"
                    }
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
