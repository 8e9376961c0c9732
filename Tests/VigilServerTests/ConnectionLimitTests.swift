// `vigil serve` against clients that hold connections: idle and half-sent sockets beyond the cap under a small
// open-file limit, heads trickled byte by byte, clients that stop reading, and requests Hummingbird rejects
// before the site sees them. Real processes and sockets, with the deadlines shortened to a second or two.

import Foundation
import Testing
import VigilTestSupport

@testable import VigilServer

/// `vigil serve` on a free loopback port over the test store, under `ulimit -n` as a shell sets it (soft and
/// hard), like a machine with a small open-file limit.
final class LimitedServe {
    let process = Process()
    let port: Int
    /// What the server printed first: its start-up message.
    let startup: String

    init(fileLimit: Int = 1024, _ arguments: [String]) throws {
        let binary = Fixtures.vigil
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw LiveTestError("vigil is not built at \(binary)") }
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            ["-c", "ulimit -n \(fileLimit) && exec \"$0\" \"$@\"", binary, "serve", "--port", "0", "--store", SiteSecurityTests.storePath]
            + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:") else {
            process.terminate()
            throw LiveTestError("vigil serve printed no URL: \(text)")
        }
        port = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
        startup = text
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A client connection the test keeps open, to see whether and when the server closes it.
final class HeldSocket {
    let fd: Int32

    /// Connects to 127.0.0.1:`port` and sends `text`. A small receive buffer makes a client that does not read
    /// stall the server's writes sooner.
    init(port: Int, sending text: String = "", receiveBuffer: Int32? = nil) throws {
        fd = try RawHTTP.connectLoopback(port: port) { fd in
            if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        }
        send(text)
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whether the server has closed the connection (end of stream or reset), without waiting; what it sent
    /// before is read and dropped.
    func isClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { continue }
            return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
        }
    }

    /// Everything the server sends until it closes the connection, and whether it did within `seconds`
    /// (false when the wait ran out first).
    func readToEnd(within seconds: Int) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received.append(contentsOf: buffer[0..<n])
                continue
            }
            let closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
            return (String(decoding: received, as: UTF8.self), closed)
        }
    }
}

/// Polls `condition` every 50 ms for up to `seconds`; whether it came true.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

@Suite(.serialized) struct ConnectionLimitTests {
    /// A request head that never ends: a slowloris client.
    static let partialHead = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

    @Test func aNewClientIsServedWhileIdleSocketsOutnumberTheCap() throws {
        // 128 descriptors: without the cap, some 100 idle sockets leave the server unable to accept anyone.
        let server = try LimitedServe(fileLimit: 128, ["--max-connections", "16"])
        defer { server.stop() }
        var held: [HeldSocket] = []
        for i in 0..<150 { held.append(try HeldSocket(port: server.port, sending: i % 3 == 0 ? Self.partialHead : "")) }
        Thread.sleep(forTimeInterval: 0.3)
        let start = Date()
        let answer = try RawHTTP.get(port: server.port, "/api/snapshots")
        let elapsed = Date().timeIntervalSince(start)
        #expect(answer.status == 200)
        #expect(answer.head.contains("Content-Security-Policy: "))
        // Without the cap the new client is never accepted; 5 s leaves room for a loaded machine.
        #expect(elapsed < 5, "the new client waited \(elapsed) s")
        // The server keeps at most 16 connections: the longest-idle ones were closed to make room.
        var closed = 0
        #expect(
            eventually(within: 5) {
                closed = held.filter { $0.isClosed() }.count
                return closed >= held.count - 16
            }, "\(closed) of \(held.count) idle sockets closed")
        // Those made room in the order they went idle: the first ones are gone, the last ones still open.
        #expect(held.prefix(100).allSatisfy { $0.isClosed() })
        #expect(held.suffix(8).allSatisfy { !$0.isClosed() })
    }

    @Test func idleAndStalledConnectionsAreClosedAtTheirDeadlines() throws {
        let server = try LimitedServe(["--read-timeout", "2", "--idle-timeout", "2"])
        defer { server.stop() }
        let start = Date()
        let silent = try (0..<4).map { _ in try HeldSocket(port: server.port) }
        let stalled = try (0..<4).map { _ in try HeldSocket(port: server.port, sending: Self.partialHead) }
        // Bytes trickling in do not extend a head's deadline.
        let trickling = try HeldSocket(port: server.port, sending: "GET / HTTP/1.1\r\n")
        // A connection kept alive after its answer waits for the next request for --idle-timeout.
        let kept = try HeldSocket(port: server.port, sending: "HEAD /api HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let all = silent + stalled + [trickling, kept]
        var trickled = 0
        func trickle() {
            let due = Int(Date().timeIntervalSince(start) / 0.2)
            while trickled < due {
                trickling.send("X")
                trickled += 1
            }
        }
        while Date().timeIntervalSince(start) < 1 {
            trickle()
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(all.allSatisfy { !$0.isClosed() }, "a connection was closed before its deadline")
        var open = all.count
        #expect(
            eventually(within: 4) {
                trickle()
                open = all.filter { !$0.isClosed() }.count
                return open == 0
            }, "\(open) of \(all.count) connections still open \(Date().timeIntervalSince(start)) s after opening")
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheWriteTimeout() throws {
        let server = try LimitedServe(["--write-timeout", "1"])
        defer { server.stop() }
        let requests = 100
        let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n"
        let reader = try HeldSocket(port: server.port, sending: String(repeating: request, count: requests), receiveBuffer: 4096)
        Thread.sleep(forTimeInterval: 2.5)
        let (text, closed) = reader.readToEnd(within: 5)
        let answered = text.components(separatedBy: "HTTP/1.1 200 OK").count - 1
        #expect(closed, "the connection stayed open")
        #expect(answered < requests, "every request was answered: the writes never stalled")
    }

    @Test func aboveTheCapANewConnectionIsClosedWhileEveryOpenOneIsAnswering() throws {
        let server = try LimitedServe(["--max-connections", "2"])
        defer { server.stop() }
        // Two clients that ask for many pages and read none keep both connections busy answering.
        let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n"
        let busy = try (0..<2).map { _ in
            try HeldSocket(port: server.port, sending: String(repeating: request, count: 100), receiveBuffer: 4096)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let start = Date()
        let third = try HeldSocket(port: server.port, sending: request)
        #expect(eventually(within: 1.5) { third.isClosed() }, "the connection above the cap was let in")
        #expect(Date().timeIntervalSince(start) < 1.5)
        withExtendedLifetime(busy) {}
    }

    @Test func requestsHummingbirdRejectsGetA400WithTheSecurityHeaders() throws {
        let server = try LimitedServe([])
        defer { server.stop() }
        let malformed = [
            "GARBAGE\r\n\r\n",
            "G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ]
        for request in malformed {
            let answer = try RawHTTP.send(port: server.port, request)
            #expect(answer.status == 400, "\(request.debugDescription) answered \(answer.status)")
            let head = answer.head.lowercased()
            let missing = CoverageSite.securityHeaders.filter { !head.contains("\n\($0.0.lowercased()): \($0.1.lowercased())") }
            #expect(missing.isEmpty, "\(request.debugDescription) lacks \(missing.map(\.0))")
        }
    }

    /// DNS rebinding by other routes: a second Host header is refused (RFC 9112, 3.2), and an absolute-form target
    /// is judged by the host it names, not by the Host header (RFC 9112, 3.2.2).
    @Test func aHostNamedTwiceOrInTheTargetIsJudgedAsHTTPSays() throws {
        let server = try LimitedServe([])
        defer { server.stop() }
        let cases: [(request: String, status: Int)] = [
            ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: evil.com\r\nHost: 127.0.0.1\r\n\r\n", 400),
            ("GET http://evil.com/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 421),
            ("GET http://127.0.0.1@evil.com/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 421),
            ("GET ftp://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 421),
            ("GET / HTTP/1.1\r\n\r\n", 421),
            ("GET http://127.0.0.1:\(server.port)/ HTTP/1.1\r\nHost: evil.com\r\n\r\n", 200),
            ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200),
        ]
        for (request, status) in cases {
            // "\r\n" is one Character: dropping the last leaves the head's final line break.
            let answer = try RawHTTP.send(port: server.port, String(request.dropLast()) + "Connection: close\r\n\r\n")
            #expect(answer.status == status, "\(request.debugDescription) answered \(answer.status)")
        }
    }

    /// `--json`: standard output is one JSON object (the server's own log lines go to standard error).
    @Test func startUpMessageAsJSON() throws {
        let server = try LimitedServe(["--json"])
        defer { server.stop() }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(server.startup.utf8)) as? [String: Any])
        #expect(object["port"] as? Int == server.port)
        #expect(object["host"] as? String == "127.0.0.1")
        #expect(object["url"] as? String == "http://127.0.0.1:\(server.port)/")
        #expect(object["store"] as? String == SiteSecurityTests.storePath)
        #expect(object["token"] is NSNull)
        #expect(try RawHTTP.send(port: server.port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").status == 200)
    }

    @Test func aCapBeyondTheOpenFileLimitIsBadInput() throws {
        let run = try ProcessRunner.run(
            "/bin/sh",
            [
                "-c", "ulimit -n 128 && exec \"$0\" \"$@\"", Fixtures.vigil, "serve", "--port", "0", "--store", SiteSecurityTests.storePath,
                "--max-connections", "1000",
            ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("1000 connections do not fit the open-file limit (room for "))
        let zero = try ProcessRunner.vigil(["serve", "--port", "0", "--store", SiteSecurityTests.storePath, "--idle-timeout", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--idle-timeout must be more than 0"))
    }
}
