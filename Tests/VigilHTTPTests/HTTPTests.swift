// The one HTTP call against Python's http.server on loopback: bodies, POST, status codes, redirects (followed,
// looped, refused from https to http), the size cap, the timeout, and curl's proxy variables.
import Foundation
import Testing
import VigilTestSupport

@testable import VigilHTTP

@Suite struct HTTPTests {
    static func server() throws -> (MirrorServer, cleanup: () -> Void) {
        let folder = NSTemporaryDirectory() + "vigil-http-\(UUID().uuidString)"
        let server = try MirrorServer(folder: folder)
        try Data(String(repeating: "0123456789", count: 10_000).utf8).write(to: URL(fileURLWithPath: folder + "/big.txt"))
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: folder + "/hello.txt"))
        try server.setRoutes([
            "/moved": (302, ["Location": "/hello.txt"], "", 0),
            "/moved-twice": (301, ["Location": "moved"], "", 0),
            "/loop": (307, ["Location": "/loop"], "", 0),
            "/to-ftp": (302, ["Location": "ftp://127.0.0.1/x"], "", 0),
            "/slow": (200, [:], "late", 3),
        ])
        return (
            server,
            {
                server.stop(); try? FileManager.default.removeItem(atPath: folder)
            }
        )
    }

    @Test func getPostAndStatus() throws {
        let (server, cleanup) = try Self.server()
        defer { cleanup() }
        let hello = try HTTP.get(server.baseURL + "/hello.txt", timeout: 10)
        #expect(hello.status == 200)
        #expect(hello.body == Array("hello\n".utf8))
        #expect(hello.header("content-length") == "6")
        let missing = try HTTP.get(server.baseURL + "/nothing", timeout: 10)
        #expect(missing.status == 404)
        #expect(!missing.isSuccess)
        let posted = try HTTP.post(
            server.baseURL + "/query?x=1", body: Array("SELECT 1".utf8), headers: [("X-Test", "yes")], timeout: 10)
        let echo = try #require(try JSONSerialization.jsonObject(with: Data(posted.body)) as? [String: Any])
        #expect(echo["path"] as? String == "/query?x=1")
        #expect(echo["body"] as? String == "SELECT 1")
        #expect((echo["headers"] as? [String: String])?["x-test"] == "yes")
    }

    @Test func redirects() throws {
        let (server, cleanup) = try Self.server()
        defer { cleanup() }
        let followed = try HTTP.get(server.baseURL + "/moved-twice", timeout: 10)
        #expect(followed.status == 200)
        #expect(followed.body == Array("hello\n".utf8))
        #expect(followed.url == server.baseURL + "/hello.txt")
        let loop = try #require(throws: HTTP.Failure.self) { try HTTP.get(server.baseURL + "/loop", timeout: 10) }
        #expect(loop.kind == .redirect)
        let ftp = try #require(throws: HTTP.Failure.self) { try HTTP.get(server.baseURL + "/to-ftp", timeout: 10) }
        #expect(ftp.kind == .redirect)
        #expect(throws: HTTP.Failure.self) { try HTTP.redirectTarget("http://example.org/x", from: "https://example.org/y") }
        #expect(try HTTP.redirectTarget("/a/b?c=d", from: "https://github.com/x/y") == "https://github.com/a/b?c=d")
        #expect(try HTTP.redirectTarget("https://objects.example/z", from: "http://127.0.0.1/") == "https://objects.example/z")
    }

    @Test func sizeCapTimeoutAndBadAddresses() throws {
        let (server, cleanup) = try Self.server()
        defer { cleanup() }
        #expect(try HTTP.get(server.baseURL + "/big.txt", timeout: 10).body.count == 100_000)
        let big = try #require(throws: HTTP.Failure.self) { try HTTP.get(server.baseURL + "/big.txt", timeout: 10, maxBytes: 10_000) }
        #expect(big.kind == .tooLarge)
        let started = Date()
        let slow = try #require(throws: HTTP.Failure.self) { try HTTP.get(server.baseURL + "/slow", timeout: 1) }
        #expect(slow.kind == .timeout)
        #expect(Date().timeIntervalSince(started) < 2.9)
        #expect((try #require(throws: HTTP.Failure.self) { try HTTP.get("ftp://127.0.0.1/x") }).kind == .invalidURL)
        #expect((try #require(throws: HTTP.Failure.self) { try HTTP.get("not a url") }).kind == .invalidURL)
        let refused = try #require(throws: HTTP.Failure.self) { try HTTP.get("http://127.0.0.1:1/", timeout: 5) }
        #expect(refused.kind == .unreachable)
        #expect(refused.reason.contains("Connection refused"))
    }

    @Test func proxiesAsCurlReadsThem() throws {
        let environment = [
            "https_proxy": "http://user:p%40ss@proxy.corp:3128", "http_proxy": "proxy.corp", "no_proxy": "internal.corp, .lab",
        ]
        let lookup = { (name: String) in environment[name] }
        let https = try #require(HTTP.proxy(for: "https", host: "github.com", environment: lookup))
        #expect(https.host == "proxy.corp")
        #expect(https.port == 3128)
        #expect(HTTP.ProxyServer("http://user:p%40ss@proxy.corp:3128")?.credentials == .init(user: "user", password: "p@ss"))
        #expect(HTTP.proxy(for: "http", host: "example.org", environment: lookup)?.port == 1080)
        #expect(HTTP.proxy(for: "https", host: "mirror.internal.corp", environment: lookup) == nil)
        #expect(HTTP.proxy(for: "https", host: "a.lab", environment: lookup) == nil)
        #expect(HTTP.proxy(for: "https", host: "127.0.0.1", environment: lookup) == nil)
        #expect(HTTP.proxy(for: "https", host: "github.com", environment: { _ in nil }) == nil)

        // End to end: a request for a host that does not exist goes through the proxy on loopback (a CONNECT
        // tunnel, as AsyncHTTPClient opens for every proxied request), which answers it itself.
        let (server, cleanup) = try Self.server()
        defer { cleanup() }
        let proxied = try HTTP.send(
            HTTP.Request(url: "http://example.invalid/proxied", timeout: 10), environment: { $0 == "http_proxy" ? server.baseURL : nil })
        #expect(proxied.status == 200)
        #expect(String(decoding: proxied.body, as: UTF8.self) == "tunnel to example.invalid:80")
        let direct = try HTTP.get(server.baseURL + "/proxied", timeout: 10)
        #expect(String(decoding: direct.body, as: UTF8.self) == "tunnel to None")
    }
}
