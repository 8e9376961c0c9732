// The HTTP side of `vigil serve`: Hummingbird moves bytes between sockets and `CoverageSite.respond`,
// which holds every decision. Request bodies are never read (the site is read-only).

import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var limits: ConnectionLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, limits: ConnectionLimits = ConnectionLimits()) {
        self.host = host
        self.port = port
        self.limits = limits
    }
}

struct SiteResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let site: CoverageSite

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        // HTTPTypes moves the first Host into the request's authority; any left among the fields are more Host
        // headers, joined after it with ", " for the site to refuse.
        if let authority = request.head.authority { headers["host"] = authority + (headers["host"].map { ", " + $0 } ?? "") }
        var bodyLength = 0
        if let length = headers["content-length"] {
            bodyLength = Int(length) ?? -1
        } else if headers["transfer-encoding"] != nil {
            bodyLength = -1
        }
        let clock = ContinuousClock()
        let start = clock.now
        let answer = site.respond(
            SiteRequest(method: request.method.rawValue, target: request.head.path ?? "/", headers: headers, bodyLength: bodyLength))
        let elapsed = (clock.now - start).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        var fields = HTTPFields()
        fields[.contentType] = answer.contentType
        // How long the site took to answer, for the benchmark and the browser's network panel.
        fields.append(HTTPField(name: HTTPField.Name("Server-Timing")!, value: "render;dur=\(milliseconds)"))
        for (name, value) in answer.headers {
            if let key = HTTPField.Name(name) { fields.append(HTTPField(name: key, value: value)) }
        }
        var buffer = ByteBufferAllocator().buffer(capacity: answer.body.count)
        buffer.writeBytes(answer.body)
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: buffer))
    }
}

public enum CoverageServer {
    /// The server's own messages go to standard error, warnings and worse only: standard output is `vigil serve`'s
    /// start-up message, which a script may read as JSON.
    static var logger: Logger {
        var logger = Logger(label: "vigil serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    /// Serves `site` until the process gets SIGINT or SIGTERM. `onRunning` receives the bound port
    /// (useful with port 0, which picks a free one).
    public static func run(_ site: CoverageSite, settings: ServerSettings, onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let limits = settings.limits
        let table = ConnectionTable(capacity: limits.maxConnections)
        let app = Application(
            responder: SiteResponder(site: site),
            server: HTTPServerBuilder { LimitedHTTP1Channel(responder: $0, limits: limits, table: table) },
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "Vigil"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
        try await app.runService()
    }
}
