import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

#if canImport(Glibc)
    import Glibc
#endif

/// `vigil attack update` against a loopback HTTP server with attack-stix-data's layout.
@Suite struct AttackUpdateTests {
    @Test func downloadsValidatesAndInstalls() throws {
        let ics = try FileBytes.readInflating(try SharedData.path("attack/ics-attack-18.1.json.gz"))
        let server = try LoopbackServer(routes: [
            "/repo/ics-attack/ics-attack.json": (200, ics),
            "/repo/mobile-attack/mobile-attack.json": (200, Array("{\"type\": \"bundle\"}".utf8)),
        ])
        defer { server.stop() }
        let dir = try TempFolder()
        let result = AttackUpdate.run(
            baseURL: "http://127.0.0.1:\(server.port)/repo", domains: [.ics, .mobile, .enterprise], into: dir.path, timeout: 10)
        #expect(result.installed.map(\.domain) == [.ics])
        #expect(result.installed.first?.version == "18.1")
        #expect(FileBytes.exists(dir.path + "/ics-attack-18.1.json"))
        // Mobile answered with something that is not a bundle; Enterprise with 404: both reported, neither installed.
        #expect(result.failures.count == 2)
        #expect(result.failures.contains { $0.code == "stix-not-bundle" })
        #expect(result.failures.contains { $0.message.contains("404") })
        #expect(!FileBytes.exists(dir.path + "/mobile-attack-18.1.json"))
    }

    @Test func unreachableServerIsAClearError() throws {
        let dir = try TempFolder()
        // Port 9 (discard) on loopback has no listener here.
        let result = AttackUpdate.run(baseURL: "http://127.0.0.1:9", domains: [.ics], into: dir.path, timeout: 5)
        #expect(result.installed.isEmpty)
        #expect(result.failures.first?.code == "attack-download")
    }
}

/// A minimal HTTP/1.1 server on 127.0.0.1 and an ephemeral port, serving fixed routes, for tests.
final class LoopbackServer: @unchecked Sendable {
    let port: Int
    private let socketFD: Int32
    private let thread: Thread

    init(routes: [String: (Int, [UInt8])]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw Diagnostic(SourceLocation(file: "server"), code: "io", "cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        socketFD = fd
        thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                var request = [UInt8](repeating: 0, count: 4096)
                let n = read(client, &request, request.count)
                let line = String(decoding: request.prefix(max(n, 0)), as: UTF8.self).split(separator: " ")
                let path = line.count > 1 ? String(line[1]) : "/"
                let (status, body) = routes[path] ?? (404, Array("not found".utf8))
                let head = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                var response = Array(head.utf8) + body
                var sent = 0
                while sent < response.count {
                    let w = response.withUnsafeMutableBytes { write(client, $0.baseAddress! + sent, $0.count - sent) }
                    if w <= 0 { break }
                    sent += w
                }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }
}
