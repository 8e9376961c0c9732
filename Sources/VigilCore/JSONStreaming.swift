// Streaming over one large array inside a JSON document (a STIX bundle's `objects`, an evtx_dump
// array) without building a tape for the whole input: each element is parsed into a reused tape.

public enum JSONStreaming {
    public enum Shape: Sendable {
        /// The input's top-level value is not an object.
        case notAnObject
        /// The object has no member with the key, or its value is not an array.
        case keyMissing
        case streamed(elements: Int)
    }

    /// Walks the top-level object of `bytes`. Members other than `key` are parsed and passed to `member`
    /// (name, view, node index); each element of the array under `key` is passed to `element`
    /// (view, root node index, byte offset of the element).
    public static func forEachElement(
        of key: StaticString, in bytes: UnsafeRawBufferPointer, tape: inout JSONTape,
        member: (String, JSONView, Int) throws -> Void,
        element: (JSONView, Int, Int) throws -> Void
    ) throws -> Shape {
        var scanner = JSONScanner(bytes: bytes, position: 0)
        // A UTF-8 byte order mark is not JSON, but editors write it.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { scanner.position = 3 }
        scanner.skipWhitespace()
        guard scanner.position < bytes.count else { throw JSONSyntaxError(offset: scanner.position, reason: "empty input") }
        guard bytes[scanner.position] == UInt8(ascii: "{") else {
            // Still check that it is JSON at all, so the caller can tell "not JSON" from "not the expected shape".
            try tape.parse(bytes, from: scanner.position)
            return .notAnObject
        }
        scanner.position += 1
        var found: Int? = nil
        var keyNodes: [JSONNode] = []
        let keyBytes = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        scanner.skipWhitespace()
        if scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: "}") {
            return .keyMissing
        }
        while true {
            scanner.skipWhitespace()
            guard scanner.position < bytes.count else { throw scanner.fail("unterminated object") }
            guard bytes[scanner.position] == UInt8(ascii: "\"") else { throw scanner.fail("expected a string key in object") }
            keyNodes.removeAll(keepingCapacity: true)
            try scanner.string(into: &keyNodes)
            let isKey = keyNodes.withUnsafeBufferPointer { JSONView(tape: $0, bytes: bytes).stringEquals(0, keyBytes) }
            scanner.skipWhitespace()
            guard scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: ":") else {
                throw scanner.fail("expected ':' after key")
            }
            scanner.position += 1
            scanner.skipWhitespace()
            if isKey, scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: "[") {
                var count = 0
                scanner.position += 1
                scanner.skipWhitespace()
                if scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: "]") {
                    scanner.position += 1
                } else {
                    while true {
                        scanner.skipWhitespace()
                        let start = scanner.position
                        scanner.position = try tape.parse(bytes, from: start)
                        try tape.nodes.withUnsafeBufferPointer { nodes in
                            try element(JSONView(tape: nodes, bytes: bytes), 0, start)
                        }
                        count += 1
                        scanner.skipWhitespace()
                        guard scanner.position < bytes.count else { throw scanner.fail("unterminated array") }
                        let c = bytes[scanner.position]
                        scanner.position += 1
                        if c == UInt8(ascii: ",") { continue }
                        if c == UInt8(ascii: "]") { break }
                        throw scanner.fail("expected ',' or ']' in array", at: scanner.position - 1)
                    }
                }
                found = count
            } else {
                let name = keyNodes.withUnsafeBufferPointer { JSONView(tape: $0, bytes: bytes).string(0) ?? "" }
                scanner.position = try tape.parse(bytes, from: scanner.position)
                try tape.nodes.withUnsafeBufferPointer { nodes in try member(name, JSONView(tape: nodes, bytes: bytes), 0) }
            }
            scanner.skipWhitespace()
            guard scanner.position < bytes.count else { throw scanner.fail("unterminated object") }
            let c = bytes[scanner.position]
            scanner.position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw scanner.fail("expected ',' or '}' in object", at: scanner.position - 1)
        }
        let rest = JSONScanner.skipWhitespace(bytes, scanner.position)
        if rest < bytes.count { throw JSONSyntaxError(offset: rest, reason: "unexpected data after the JSON value") }
        if let found { return .streamed(elements: found) }
        return .keyMissing
    }
}
