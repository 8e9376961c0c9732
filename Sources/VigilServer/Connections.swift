// What keeps idle and slow clients from starving `vigil serve`: a deadline on every phase of a connection
// (request head, response, keep-alive wait), a cap on open connections that makes room by closing the
// longest-idle one, and the security headers on every response, the 400s Hummingbird writes itself included.

import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How long each phase of a connection may take, and how many connections may be open at once.
public struct ConnectionLimits: Sendable, Equatable {
    /// Time for a request head to arrive in full, from its first byte (from the connection's opening, for the
    /// first request). Bytes trickling in do not extend it: a client that sends half a head and stalls is closed.
    public var readTimeout: Duration
    /// Time from a request head to the last byte of its response written to the socket: a client that stops
    /// reading its answer is closed.
    public var writeTimeout: Duration
    /// How long an open connection may wait, between requests, for the next one to begin.
    public var idleTimeout: Duration
    /// Connections open at once. At the cap a new connection closes the one that has been idle longest (waiting
    /// for a request or for the rest of a head), or is closed itself when every open one is busy answering.
    public var maxConnections: Int

    public static let defaultMaxConnections = 256

    public init(
        readTimeout: Duration = .seconds(10), writeTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(30),
        maxConnections: Int = defaultMaxConnections
    ) {
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// The cap to serve with: `requested`, or the default lowered to what the open-file limit leaves room
    /// for. Throws when `requested`, or any cap at all, cannot fit: a server past its open-file limit can
    /// accept no one, so the cap must stay below it.
    public static func cap(requested: Int?) throws -> Int {
        let room = connectionsTheFileLimitAllows(raisingFor: requested ?? defaultMaxConnections)
        if let requested, requested > room {
            throw FileLimitError(
                description: "\(requested) connections do not fit the open-file limit (room for \(room)): raise it with ulimit -n")
        }
        let cap = requested ?? min(defaultMaxConnections, room)
        guard cap >= 1 else {
            throw FileLimitError(description: "the open-file limit leaves no room for connections: raise it with ulimit -n")
        }
        return cap
    }

    /// File descriptors the server needs besides its connections: standard streams, the store and its journal,
    /// the listening socket, and an epoll, an eventfd and a timerfd per event loop.
    static var descriptorReserve: Int { 32 + 4 * System.coreCount }

    /// Raises the soft open-file limit (up to the hard one) so that `connections` fit beside the reserve, and
    /// returns how many connections the limit then leaves room for.
    static func connectionsTheFileLimitAllows(raisingFor connections: Int) -> Int {
        let reserve = descriptorReserve
        var limit = rlimit()
        guard getrlimit(fileLimitResource, &limit) == 0 else { return connections }
        let wanted = rlim_t(connections + reserve)
        if limit.rlim_cur != unlimited, limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? wanted : min(wanted, limit.rlim_max)
            if setrlimit(fileLimitResource, &raised) == 0 { limit = raised }
        }
        if limit.rlim_cur == unlimited || limit.rlim_cur >= wanted { return connections }
        return max(0, Int(limit.rlim_cur) - reserve)
    }

    #if canImport(Glibc)
        static let fileLimitResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        // Glibc's RLIM_INFINITY is a cast Swift does not import.
        static let unlimited = rlim_t.max
    #else
        static let fileLimitResource = RLIMIT_NOFILE
        static let unlimited = RLIM_INFINITY
    #endif
}

public struct FileLimitError: Error, CustomStringConvertible {
    public var description: String
}

/// The open connections, shared by every event loop: who may come in, and who makes room.
final class ConnectionTable: Sendable {
    enum Admission {
        case admitted(evicting: (any Channel)?)
        case refused
    }

    struct State {
        struct Entry {
            var channel: any Channel
            /// When the connection last became idle (a counter, not a clock); nil while it answers a request.
            var idleSince: UInt64?
        }
        let capacity: Int
        var entries: [ObjectIdentifier: Entry] = [:]
        var tick: UInt64 = 0

        mutating func admit(_ channel: any Channel) -> Admission {
            var evicted: (any Channel)?
            if entries.count >= capacity {
                var oldest: (id: ObjectIdentifier, since: UInt64)?
                for (id, entry) in entries {
                    if let since = entry.idleSince, since < oldest?.since ?? .max { oldest = (id, since) }
                }
                guard let oldest else { return .refused }
                evicted = entries.removeValue(forKey: oldest.id)?.channel
            }
            tick += 1
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: tick)
            return .admitted(evicting: evicted)
        }

        mutating func setBusy(_ id: ObjectIdentifier, _ busy: Bool) {
            guard entries[id] != nil else { return }
            tick += 1
            entries[id]?.idleSince = busy ? nil : tick
        }
    }

    private let state: NIOLockedValueBox<State>

    init(capacity: Int) {
        state = NIOLockedValueBox(State(capacity: max(1, capacity)))
    }

    func admit(_ channel: any Channel) -> Admission { state.withLockedValue { $0.admit(channel) } }
    func setBusy(_ id: ObjectIdentifier, _ busy: Bool) { state.withLockedValue { $0.setBusy(id, busy) } }
    func remove(_ id: ObjectIdentifier) { _ = state.withLockedValue { $0.entries.removeValue(forKey: id) } }
    var count: Int { state.withLockedValue { $0.entries.count } }
}

/// Hummingbird's HTTP/1 channel behind the admission check and the deadlines.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http: HTTP1Channel
    let limits: ConnectionLimits
    let table: ConnectionTable

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, table: ConnectionTable) {
        http = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [ExchangeWatch()]))
        self.limits = limits
        self.table = table
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        switch table.admit(channel) {
        case .refused:
            logger.debug("connection cap reached and every connection busy: closing the new one")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        case .admitted(let evicted):
            if let evicted {
                logger.debug("connection cap reached: closing the longest-idle connection")
                evicted.close(promise: nil)
            }
        }
        let id = ObjectIdentifier(channel)
        channel.closeFuture.whenComplete { [table] _ in table.remove(id) }
        do {
            // First in the pipeline: it sees the raw bytes, before any of them make up a request head.
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadlines(limits: limits, table: table, id: id), position: .first)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // Before HTTPTypes' conversion, which keeps only the path of an absolute-form target.
            let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try channel.pipeline.syncOperations.addHandler(AbsoluteFormTarget(), position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

struct ConnectionRefused: Error {}

/// Closes the connection when the phase it is in outlasts its limit: reading a head, answering, or idle.
final class ConnectionDeadlines: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Phase {
        case readingHead, answering, idle
    }

    let limits: ConnectionLimits
    let table: ConnectionTable
    let id: ObjectIdentifier
    private(set) var phase = Phase.readingHead
    /// Request heads received and not yet answered in full (more than one when a client pipelines).
    private var unanswered = 0
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limits: ConnectionLimits, table: ConnectionTable, id: ObjectIdentifier) {
        self.limits = limits
        self.table = table
        self.id = id
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(limits.readTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { arm(limits.readTimeout) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first byte of the next request starts its head's clock; decoding below may stop it at once.
        if phase == .idle {
            phase = .readingHead
            arm(limits.readTimeout)
        }
        context.fireChannelRead(data)
    }

    func requestHeadReceived() {
        unanswered += 1
        guard unanswered == 1 else { return }
        phase = .answering
        table.setBusy(id, true)
        arm(limits.writeTimeout)
    }

    func responseWritten() {
        // Hummingbird's own 400 for an unreadable head answers no head that was received.
        guard unanswered > 0 else { return }
        unanswered -= 1
        if unanswered > 0 {
            arm(limits.writeTimeout)
        } else {
            phase = .idle
            table.setBusy(id, false)
            arm(limits.idleTimeout)
        }
    }

    private func arm(_ limit: Duration) {
        guard let context else { return }
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }
}

/// An absolute-form request target (`GET http://host:port/path`) names the host the request is for, and a server
/// must take it over any Host header (RFC 9112, 3.2.2): the head is rewritten to that host and the origin-form
/// path, so the site's Host check judges the host the client asked for. HTTPTypes would keep only the path.
final class AbsoluteFormTarget: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), let (authority, path) = Self.split(head.uri) else {
            context.fireChannelRead(data)
            return
        }
        head.uri = path
        head.headers.remove(name: "host")
        head.headers.add(name: "Host", value: authority)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// The authority and the origin-form path (`/` when empty) of `scheme://authority/path?query`; nil for a target
    /// in origin form (`/path`) or asterisk form (`*`). A scheme that is not http(s) gives an empty authority, which
    /// no Host check accepts.
    static func split(_ uri: String) -> (authority: String, path: String)? {
        guard let separator = uri.range(of: "://") else { return nil }
        let scheme = uri[..<separator.lowerBound].lowercased()
        let rest = uri[separator.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<end])
        // Credentials are not part of the host: http://127.0.0.1@evil.com/ is for evil.com.
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        let tail = rest[end...]
        let path = tail.first == "/" ? String(tail) : "/" + tail
        return (scheme == "http" || scheme == "https" ? authority : "", path)
    }
}

/// Sees the HTTP exchange after decoding: tells the deadlines where requests begin and responses end, and
/// gives every response head the site's security headers, including those Hummingbird writes without asking
/// the site (400 for a request it cannot parse).
final class ExchangeWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let securityFields: [HTTPField] = CoverageSite.securityHeaders.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) }

    private var deadlines: ConnectionDeadlines?

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines = try? context.pipeline.syncOperations.handler(type: ConnectionDeadlines.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { deadlines?.requestHeadReceived() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            for field in Self.securityFields where head.headerFields[field.name] == nil {
                head.headerFields.append(field)
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            // Written means handed to the socket, not queued behind a client that does not read.
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.deadlines?.responseWritten() }
            context.write(data, promise: written)
        case .body:
            context.write(data, promise: promise)
        }
    }
}
