// The web UI and JSON API as a pure function from a request to a response, independent of the HTTP
// server: routing, the security policy (token, Host check, methods, sizes, paths) and the snapshot cache.
// The Hummingbird adapter only moves bytes; tests and the benchmark call `respond` directly too.

import Foundation
import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore

public struct SiteRequest: Sendable {
    public var method: String
    /// The request target as sent: path and query, still percent-encoded.
    public var target: String
    /// Header names in lower case.
    public var headers: [String: String]
    /// Bytes of body announced (Content-Length), or -1 for a chunked body.
    public var bodyLength: Int

    public init(method: String = "GET", target: String, headers: [String: String] = [:], bodyLength: Int = 0) {
        self.method = method
        self.target = target
        self.headers = headers
        self.bodyLength = bodyLength
    }
}

public struct SiteResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public var text: String { String(decoding: body, as: UTF8.self) }

    init(status: Int = 200, contentType: String = "text/html; charset=utf-8", body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    static func plain(_ status: Int, _ message: String, headers: [(String, String)] = []) -> SiteResponse {
        SiteResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8), headers: headers)
    }

    static func json<T: Encodable>(_ value: T, status: Int = 200) -> SiteResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return SiteResponse(status: status, contentType: "application/json; charset=utf-8", body: Array(data))
    }
}

/// Who may ask: the token (required off loopback) and, on loopback, the host names a browser may use
/// (so a DNS-rebinding page cannot read the store through the user's browser).
public struct AccessPolicy: Sendable {
    public var token: String?
    public var loopbackOnly: Bool

    public init(token: String?, loopbackOnly: Bool) {
        self.token = token
        self.loopbackOnly = loopbackOnly
    }

    /// A random 128-bit token in hex.
    public static func generateToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Whether a `Host` header names this machine's loopback: `localhost`, an IPv4 literal in 127.0.0.0/8 or
    /// `[::1]`, each with an optional port. Anything else — `127.evil.com`, `127.0.0.1.nip.io`, `[::1]evil.com` —
    /// is a name a DNS-rebinding page can point here, and is refused.
    public static func isLoopback(_ host: String) -> Bool {
        var name = Substring(host.lowercased())
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            let rest = name[name.index(after: close)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            return IPAddress(name[name.index(after: name.startIndex)..<close]) == IPAddress(high: 0, low: 1)
        }
        if let colon = name.firstIndex(of: ":") {
            guard isPort(name[colon...]) else { return false }
            name = name[..<colon]
        }
        if name == "localhost" { return true }
        // An IPv4 literal in 127.0.0.0/8, dotted in four parts (not a name such as 127.evil.com).
        guard name.split(separator: ".", omittingEmptySubsequences: false).count == 4, let address = IPAddress(name), address.isV4
        else { return false }
        return address.bytes[12] == 127
    }

    /// `:` and 1–5 digits.
    static func isPort(_ text: Substring) -> Bool {
        let digits = text.dropFirst()
        return text.first == ":" && !digits.isEmpty && digits.count <= 5 && digits.utf8.allSatisfy { $0 &- 0x30 < 10 }
    }
}

/// Limits on what a request may carry. The site only reads: it accepts no body at all.
public struct RequestLimits: Sendable {
    public var maxTargetBytes = 2048
    public var maxHeaderBytes = 16_384
    public var maxQueryParameters = 16
    public init() {}
}

public final class CoverageSite: Sendable {
    public let store: HistoryStore?
    public let kb: KnowledgeBase
    public let policy: AccessPolicy
    public let limits: RequestLimits
    /// Bytes served as they are at /benchmark/peer: the static peer of Benchmarks/serve.sh, same server, no rendering.
    let benchmarkPeer: [UInt8]?
    let cache = SnapshotCache()
    let tacticOrder: [(shortname: String, name: String)]

    static let securityHeaders: [(String, String)] = [
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    public init(
        store: HistoryStore?, kb: KnowledgeBase, policy: AccessPolicy, limits: RequestLimits = RequestLimits(),
        benchmarkPeer: [UInt8]? = nil
    ) {
        self.benchmarkPeer = benchmarkPeer
        self.store = store
        self.kb = kb
        self.policy = policy
        self.limits = limits
        tacticOrder = kb.tactics.map { (kb.objects[$0].tactics.first ?? "", kb.objects[$0].name) }
    }

    /// Decodes the latest snapshot now, so the first visitor does not wait for it.
    public func warmUp() {
        _ = try? loader(nil)
    }

    /// Answers one request; every response carries the security headers.
    public func respond(_ request: SiteRequest) -> SiteResponse {
        var response = route(request)
        response.headers.append(contentsOf: Self.securityHeaders)
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    func route(_ request: SiteRequest) -> SiteResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .plain(405, "Vigil's web UI is read-only: GET and HEAD only", headers: [("Allow", "GET, HEAD")])
        }
        if request.bodyLength != 0 { return .plain(413, "requests carry no body") }
        if request.target.utf8.count > limits.maxTargetBytes { return .plain(414, "request target too long") }
        if request.headers.reduce(0, { $0 + $1.key.utf8.count + $1.value.utf8.count }) > limits.maxHeaderBytes {
            return .plain(431, "request headers too large")
        }
        guard let target = RequestTarget(request.target, maxParameters: limits.maxQueryParameters) else {
            return .plain(400, "bad request target")
        }
        // HTTP/1.1 names its host once (RFC 9112, 3.2); a host name never holds a comma, so one means two Host headers.
        if request.headers["host"]?.contains(",") == true { return .plain(400, "more than one Host header") }
        var extraHeaders: [(String, String)] = []
        if let token = policy.token {
            let offered =
                bearer(request.headers["authorization"]) ?? cookie(request.headers["cookie"], "vigil_token") ?? target.query["token"]
            guard let offered, Self.constantTimeEqual(offered, token) else {
                return .plain(401, "a token is required: open the URL `vigil serve` printed, or send Authorization: Bearer TOKEN")
            }
            if target.query["token"] != nil {
                // Keep the token out of later URLs: the browser sends it as a cookie from now on.
                extraHeaders.append(("Set-Cookie", "vigil_token=\(token); Path=/; HttpOnly; SameSite=Strict"))
            }
        } else if policy.loopbackOnly {
            guard AccessPolicy.isLoopback(request.headers["host"] ?? "") else {
                return .plain(421, "this server answers to localhost and 127.0.0.1 only")
            }
        }
        var response = dispatch(target)
        response.headers.append(contentsOf: extraHeaders)
        return response
    }

    func dispatch(_ target: RequestTarget) -> SiteResponse {
        let parts = target.segments
        switch (parts.first ?? "", parts.count) {
        case ("", _): return page { try MatrixPage.render(self, $0, target.query) }
        case ("technique", 2): return page { try TechniquePage.render(self, $0, id: parts[1], target.query) }
        case ("gaps", 1): return page { try GapPage.render(self, $0, target.query) }
        case ("snapshots", 1): return page { try SnapshotsPage.render(self, $0, target.query) }
        case ("diff", 1): return page { try SnapshotsPage.renderDiff(self, $0, target.query) }
        case ("layers", 1): return page { try SnapshotsPage.renderLayers(self, $0, target.query) }
        case ("layers", 2): return download(parts[1], target.query)
        case ("hunts", 1): return page { _ in try HuntsPage.renderList(self) }
        case ("hunts", 2): return page { _ in try HuntsPage.render(self, id: parts[1], target.query) }
        case ("hunts", 4) where parts[2] == "detections":
            return page { _ in try HuntsPage.renderDetection(self, id: parts[1], seq: parts[3]) }
        case ("static", 2): return Assets.response(parts[1])
        case ("api", _): return API.respond(self, Array(parts.dropFirst()), target.query)
        case ("benchmark", 2) where parts[1] == "peer" && benchmarkPeer != nil:
            return SiteResponse(contentType: "text/html; charset=utf-8", body: benchmarkPeer!)
        default: return .plain(404, "not found")
        }
    }

    /// Runs a page renderer, turning store errors into readable pages rather than crashes.
    func page(_ render: (SnapshotCache.Loader) throws -> [UInt8]) -> SiteResponse {
        do {
            return SiteResponse(body: try render(loader))
        } catch let error as StoreError {
            if case .unknownSnapshot = error { return .plain(404, error.description) }
            return .plain(500, error.description)
        } catch let error as SiteError {
            return .plain(error.status, error.message)
        } catch {
            return .plain(500, "\(error)")
        }
    }

    func download(_ file: String, _ query: [String: String]) -> SiteResponse {
        guard file.hasSuffix(".json"), let kind = LayerKind(rawValue: String(file.dropLast(5))) else {
            return .plain(404, "no such layer: use one of " + LayerKind.allCases.map { $0.rawValue + ".json" }.joined(separator: ", "))
        }
        do {
            let view = try loader(query["snapshot"])
            guard let json = view.snapshot.layers[kind.rawValue] else { return .plain(404, "this snapshot has no \(kind.rawValue) layer") }
            return SiteResponse(
                contentType: "application/json; charset=utf-8", body: Array(json.utf8),
                headers: [("Content-Disposition", "attachment; filename=\"vigil-\(kind.rawValue)-\(view.snapshot.summary.id).json\"")])
        } catch let error as SiteError {
            return .plain(error.status, error.message)
        } catch {
            return .plain(404, "\(error)")
        }
    }

    /// The snapshot a request names (`snapshot=` id, label, `latest`), loaded once and kept.
    var loader: SnapshotCache.Loader {
        { [self] ref in
            guard let store else { throw SiteError(status: 404, message: "no history store: record one with `vigil coverage --save`") }
            guard let latest = try store.latestID() else {
                throw SiteError(status: 404, message: "the history store is empty: record a snapshot with `vigil coverage --save`")
            }
            let id = try ref.map { try store.resolve($0) } ?? latest
            return try cache.view(id) { try SnapshotView(store.snapshot(String(id)), tacticOrder: tacticOrder) }
        }
    }

    func bearer(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    func cookie(_ header: String?, _ name: String) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name { return String(pair[1]) }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

struct SiteError: Error {
    var status: Int
    var message: String
}

/// A parsed request target: decoded path segments (no `.`/`..`, no encoded slashes or NULs) and query.
struct RequestTarget {
    var segments: [String]
    var query: [String: String]

    init?(_ target: String, maxParameters: Int) {
        guard target.hasPrefix("/") else { return nil }
        let pieces = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var segments: [String] = []
        for raw in pieces[0].split(separator: "/") {
            guard let segment = Self.decode(raw, plusIsSpace: false) else { return nil }
            // Nothing on this site is a file path, but a segment that could climb or hide a separator is refused outright.
            if segment == "." || segment == ".." || segment.contains("/") || segment.contains("\\") || segment.contains("\0") {
                return nil
            }
            segments.append(segment)
        }
        self.segments = segments
        query = [:]
        if pieces.count == 2 {
            let pairs = pieces[1].split(separator: "&")
            guard pairs.count <= maxParameters else { return nil }
            for pair in pairs {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = Self.decode(kv[0], plusIsSpace: true) else { return nil }
                let value = kv.count == 2 ? Self.decode(kv[1], plusIsSpace: true) : ""
                guard let value else { return nil }
                if !value.isEmpty { query[key] = value }
            }
        }
    }

    static func decode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let utf8 = text.utf8
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                let h1 = utf8.index(after: i)
                guard h1 != utf8.endIndex else { return nil }
                let h2 = utf8.index(after: h1)
                guard h2 != utf8.endIndex, let hi = hex(utf8[h1]), let lo = hex(utf8[h2]) else { return nil }
                bytes.append(hi << 4 | lo)
                i = utf8.index(after: h2)
                continue
            }
            bytes.append(plusIsSpace && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
            i = utf8.index(after: i)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Snapshots decoded once: decoding thousands of rules per page would dominate rendering.
final class SnapshotCache: @unchecked Sendable {
    typealias Loader = (String?) throws -> SnapshotView
    // Guarded by `lock`; a few snapshots at most (the latest plus those a user browses).
    private var views: [Int64: SnapshotView] = [:]
    private var order: [Int64] = []
    private let lock = Lock()

    func view(_ id: Int64, load: () throws -> SnapshotView) throws -> SnapshotView {
        if let v = lock.withLock({ views[id] }) { return v }
        let v = try load()
        lock.withLock {
            views[id] = v
            order.append(id)
            if order.count > 4 { views[order.removeFirst()] = nil }
        }
        return v
    }
}
