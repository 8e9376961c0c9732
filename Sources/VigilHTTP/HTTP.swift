// Vigil's one HTTP call: a blocking GET or POST over AsyncHTTPClient (SwiftNIO, BoringSSL), for the synchronous
// CLI. No libcurl, so the binary links statically; redirects are followed here, where their rules can be stated.

import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum HTTP {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public struct Request: Sendable {
        public var url: String
        public var method: Method
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]?
        /// Seconds for the whole exchange: connecting, every redirect, and reading the body.
        public var timeout: Double
        /// Larger bodies are refused (`Failure.Kind.tooLarge`) before they are held in memory.
        public var maxBytes: Int
        /// Redirects followed for GET (301, 302, 303, 307, 308); 0 returns the redirect itself.
        public var maxRedirects: Int

        public init(
            _ method: Method = .get, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
            timeout: Double = 120, maxBytes: Int = 256 << 20, maxRedirects: Int = 10
        ) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeout = timeout
            self.maxBytes = maxBytes
            self.maxRedirects = maxRedirects
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// The address that answered, after redirects.
        public var url: String

        public var isSuccess: Bool { (200..<300).contains(status) }

        /// The first header of that name (names compare without case).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case invalidURL = "invalid-url"
            case unreachable
            case timeout
            case tooLarge = "too-large"
            case redirect
        }
        public var kind: Kind
        public var url: String
        public var reason: String

        public init(_ kind: Kind, url: String, _ reason: String) {
            self.kind = kind
            self.url = url
            self.reason = reason
        }

        public var description: String { reason }
    }

    public static func get(
        _ url: String, headers: [(name: String, value: String)] = [], timeout: Double = 120, maxBytes: Int = 256 << 20
    ) throws(Failure) -> Response {
        try send(Request(.get, url: url, headers: headers, timeout: timeout, maxBytes: maxBytes))
    }

    public static func post(
        _ url: String, body: [UInt8], headers: [(name: String, value: String)] = [], timeout: Double = 120, maxBytes: Int = 256 << 20
    ) throws(Failure) -> Response {
        try send(Request(.post, url: url, headers: headers, body: body, timeout: timeout, maxBytes: maxBytes, maxRedirects: 0))
    }

    /// Sends `request` and waits for the whole answer. Any HTTP status is a response (the caller decides what a
    /// 404 means); an address that is not http(s), a transport error, the timeout, a body over `maxBytes` and a
    /// redirect that cannot be followed are failures.
    public static func send(_ request: Request, environment: (String) -> String? = HTTP.environment) throws(Failure) -> Response {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(max(0, request.timeout) * 1e9))
        var url = request.url
        var headers = request.headers
        var hops = 0
        while true {
            let response = try exchange(request, url: url, headers: headers, deadline: deadline, environment: environment)
            guard request.method == .get, [301, 302, 303, 307, 308].contains(response.status), request.maxRedirects > 0 else {
                return response
            }
            guard let location = response.header("location") else { return response }
            hops += 1
            guard hops <= request.maxRedirects else {
                throw Failure(.redirect, url: request.url, "more than \(request.maxRedirects) redirects (last to \(location))")
            }
            let next = try redirectTarget(location, from: url)
            // Credentials meant for one host do not travel to another.
            if host(of: next) != host(of: url) {
                headers.removeAll { ["authorization", "cookie", "proxy-authorization"].contains($0.name.lowercased()) }
            }
            url = next
        }
    }

    /// Where a redirect leads: `location` resolved against `current`, http(s) only, and never from https down to http.
    static func redirectTarget(_ location: String, from current: String) throws(Failure) -> String {
        guard let base = URL(string: current), let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", target.host != nil
        else {
            throw Failure(.redirect, url: current, "redirected to \(location), which is not an http(s) address")
        }
        if base.scheme?.lowercased() == "https" && scheme == "http" {
            throw Failure(.redirect, url: current, "redirected from https to plain http (\(location)); not followed")
        }
        return target.absoluteString
    }

    static func host(of url: String) -> String? { URL(string: url)?.host?.lowercased() }

    /// One request and its answer, no redirects followed.
    static func exchange(
        _ request: Request, url: String, headers: [(name: String, value: String)], deadline: NIODeadline,
        environment: (String) -> String?
    ) throws(Failure) -> Response {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw Failure(.invalidURL, url: url, "'\(url)' is not an http(s) address")
        }
        let seconds = max(1, request.timeout)
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(Int64(min(seconds, 30) * 1e9)), read: .nanoseconds(Int64(seconds * 1e9))),
            proxy: proxy(for: scheme, host: host, environment: environment),
            decompression: .disabled)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { try? client.syncShutdown() }

        var outgoing: HTTPClient.Request
        do {
            var fields = HTTPHeaders()
            for (name, value) in headers { fields.add(name: name, value: value) }
            if !fields.contains(name: "user-agent") { fields.add(name: "User-Agent", value: "vigil") }
            outgoing = try HTTPClient.Request(
                url: url, method: request.method == .get ? .GET : .POST, headers: fields, body: request.body.map { .bytes($0) })
        } catch {
            throw Failure(.invalidURL, url: url, "'\(url)' is not a valid address (\(error))")
        }
        outgoing.headers.replaceOrAdd(name: "Connection", value: "close")
        // A ByteBuffer holds at most 4 GiB.
        let cap = min(max(0, request.maxBytes), Int(UInt32.max))
        let answer: HTTPClient.Response
        do {
            answer = try client.execute(
                request: outgoing, delegate: ResponseAccumulator(request: outgoing, maxBodySize: cap), deadline: deadline
            ).futureResult.wait()
        } catch let error as ResponseAccumulator.ResponseTooBigError {
            throw Failure(.tooLarge, url: url, "the answer is larger than \(error.maxBodySize) bytes")
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .tlsHandshakeTimeout, .writeTimeout, .httpProxyHandshakeTimeout:
                throw Failure(.timeout, url: url, "timed out after \(format(request.timeout)) s")
            default:
                throw Failure(.unreachable, url: url, "\(error)")
            }
        } catch {
            throw Failure(.unreachable, url: url, describe(error))
        }
        var body: [UInt8] = []
        if let buffer = answer.body { body = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [] }
        return Response(
            status: Int(answer.status.code), headers: answer.headers.map { (name: $0.name, value: $0.value) }, body: body, url: url)
    }

    /// A transport error in a person's words: the system's reason for a failed connection, an unknown host.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return "cannot connect: " + String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            return "cannot resolve \(error.host)"
        }
        return "\(error)"
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    /// The process environment.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// The proxy for a request, as curl reads it from the environment (URLSession on Linux did, through libcurl):
    /// `https_proxy`/`HTTPS_PROXY` for https, `http_proxy` for http, none for hosts in `no_proxy`/`NO_PROXY`
    /// (names and domain suffixes, `*` for all) nor for loopback.
    static func proxy(for scheme: String, host: String, environment: (String) -> String?) -> HTTPClient.Configuration.Proxy? {
        func value(_ names: [String]) -> String? {
            for name in names { if let v = environment(name), !v.isEmpty { return v } }
            return nil
        }
        let setting = scheme == "https" ? value(["https_proxy", "HTTPS_PROXY"]) : value(["http_proxy"])
        guard let setting, let server = ProxyServer(setting) else { return nil }
        let name = String(host.lowercased().filter { $0 != "[" && $0 != "]" })
        if name == "localhost" || name.hasPrefix("127.") || name == "::1" { return nil }
        for entry in (value(["no_proxy", "NO_PROXY"]) ?? "").split(separator: ",") {
            let rule = String(entry.filter { $0 != " " && $0 != "\t" }).lowercased()
            if rule == "*" { return nil }
            let domain = rule.hasPrefix(".") ? String(rule.dropFirst()) : rule
            if !domain.isEmpty && (name == domain || name.hasSuffix("." + domain)) { return nil }
        }
        let authorization = server.credentials.map { HTTPClient.Authorization.basic(username: $0.user, password: $0.password) }
        return .server(host: server.host, port: server.port, authorization: authorization)
    }

    /// `http://[user:password@]host[:port]` or `host[:port]`; port 1080 when none is given, as curl.
    struct ProxyServer: Equatable {
        var host: String
        var port: Int
        var credentials: Credentials?

        struct Credentials: Equatable {
            var user: String
            var password: String
        }

        init?(_ setting: String) {
            let text = setting.contains("://") ? setting : "http://" + setting
            guard let url = URL(string: text), url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else { return nil }
            self.host = host
            self.port = url.port ?? 1080
            if let user = url.user(percentEncoded: false) {
                credentials = Credentials(user: user, password: url.password(percentEncoded: false) ?? "")
            }
        }
    }
}
