// `vigil serve` as a user runs it: a real process on a free loopback port, spoken to over real sockets
// (raw request lines, so nothing normalises a hostile path first), and loaded in headless Chromium.

import Foundation
import Testing
import VigilCore
import VigilCoverage
import VigilStore
import VigilTestSupport

@Suite(.serialized) struct LiveServerTests {
    @Test func servesOverLoopbackWithTheSamePolicy() throws {
        let server = try ServeProcess(["--store", SiteSecurityTests.storePath])
        defer { server.stop() }
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        let matrix = try RawHTTP.get(port: server.port, "/")
        #expect(matrix.status == 200)
        #expect(matrix.head.contains("Content-Security-Policy: default-src 'none'"))
        #expect(matrix.body.contains("data-id=\"T1059.001\""))
        for target in ["/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/..%2f..%2fetc/passwd"] {
            let r = try RawHTTP.get(port: server.port, target)
            #expect(r.status == 400 || r.status == 404, "\(target) answered \(r.status)")
            #expect(!r.body.contains("root:"))
        }
        let post = try RawHTTP.send(
            port: server.port, "POST /api/snapshots HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(post.status == 405)
        let body = try RawHTTP.send(
            port: server.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(body.status == 413)
        let rebinding = try RawHTTP.send(port: server.port, "GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
        #expect(rebinding.status == 421)
    }

    @Test func beyondLoopbackATokenIsGeneratedAndRequired() throws {
        // Listens on every interface for a moment; the test only talks to 127.0.0.1.
        let server = try ServeProcess(["--store", SiteSecurityTests.storePath, "--host", "0.0.0.0"])
        defer { server.stop() }
        let token = try #require(server.output.split(separator: "\n").first { $0.hasPrefix("token: ") }?.split(separator: " ")[1])
        #expect(token.count == 32)
        #expect(try RawHTTP.get(port: server.port, "/").status == 401)
        #expect(try RawHTTP.get(port: server.port, "/api/snapshots").status == 401)
        #expect(try RawHTTP.get(port: server.port, "/", headers: "Authorization: Bearer \(token)\r\n").status == 200)
    }

    @Test func aMissingStoreIsBadInput() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.vigil)
        process.arguments = ["serve", "--port", "0", "--store", "/nonexistent/history.sqlite"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }
}
