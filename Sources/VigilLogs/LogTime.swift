// Times of text logs as ISO 8601 UTC, for the `vigil_time` header field every reader writes: UNIX epochs (Zeek's
// `ts`, audit's `msg=audit(…)`), ISO 8601 with or without an offset (CSV time columns, Sentinel, CloudTrail).
import VigilCore

/// Time values for the `vigil_time` header field.
public enum LogTime {
    /// ISO 8601 UTC (`2020-11-10T07:48:16.155000Z`, microseconds) of a UNIX time in seconds with a fraction,
    /// given as text (`1604994496.155`), or nil when the text is not such a number.
    public static func iso(epoch text: some StringProtocol) -> String? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), let seconds = Int64(whole), seconds >= 0
        else { return nil }
        var micros: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1].prefix(6)
            guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            micros = Int64(fraction + String(repeating: "0", count: 6 - fraction.count)) ?? 0
        }
        return iso(seconds: seconds, micros: micros)
    }

    /// ISO 8601 UTC of a UNIX time.
    public static func iso(seconds: Int64, micros: Int64 = 0) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rest = seconds - days * 86400
        let date = CivilDate.date(days: Int(days))
        func pad(_ v: some BinaryInteger, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):"
            + "\(pad(rest % 60, 2)).\(pad(micros, 6))Z"
    }
}

extension LogTime {
    /// ISO 8601 UTC of a time written as ISO 8601 (`2022-02-18T17:34:57Z`, `2022-02-18 17:34:57.127+02:00`,
    /// `2022-02-18`) or as a UNIX epoch in seconds (`1645205697.5`) or milliseconds (13 digits); nil otherwise.
    /// Without an offset the time is taken as UTC.
    static func iso(text: some Collection<UInt8>) -> String? {
        let bytes = Array(text)
        guard let first = bytes.first, first &- 0x30 < 10 else { return nil }
        if bytes.count == 13, bytes.allSatisfy({ $0 &- 0x30 < 10 }), let ms = Int64(String(decoding: bytes, as: UTF8.self)) {
            return iso(seconds: ms / 1000, micros: ms % 1000 * 1000)
        }
        if bytes.allSatisfy({ $0 &- 0x30 < 10 || $0 == UInt8(ascii: ".") }) {
            return iso(epoch: String(decoding: bytes, as: UTF8.self))
        }
        var scanner = TimeScanner(bytes: bytes)
        return scanner.utc().map { iso(seconds: $0.seconds, micros: $0.micros) }
    }
}

/// Reads an ISO 8601 date-time from the start of its bytes.
struct TimeScanner {
    let bytes: [UInt8]
    var i = 0

    /// Seconds and microseconds since 1970 in UTC, or nil when the text is not a whole ISO 8601 date-time.
    mutating func utc() -> (seconds: Int64, micros: Int64)? {
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Int64(CivilDate.days(year: year, month: month, day: day)) * 86400
        var micros: Int64 = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: "t") || bytes[i] == 0x20 {
            i += 1
            guard let clock = clock() else { return nil }
            seconds += clock.seconds
            micros = clock.micros
            guard let offset = offset() else { return nil }
            seconds -= offset
        }
        return i == bytes.count ? (seconds, micros) : nil
    }

    /// `HH:MM[:SS[.fraction]]`.
    private mutating func clock() -> (seconds: Int64, micros: Int64)? {
        guard let hour = digits(2), expect(":"), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        var micros: Int64 = 0
        if expect(":") {
            guard let s = digits(2), s <= 60 else { return nil }
            second = s
            if expect(".") || expect(",") {
                let from = i
                while i < bytes.count, bytes[i] &- 0x30 < 10 { i += 1 }
                guard i > from else { return nil }
                let fraction = bytes[from..<min(i, from + 6)].map { Int64($0 - 0x30) }
                micros = fraction.reduce(0) { $0 * 10 + $1 }
                for _ in fraction.count..<6 { micros *= 10 }
            }
        }
        return (Int64(hour * 3600 + minute * 60 + second), micros)
    }

    /// The offset from UTC in seconds: `Z`, `±HH:MM`, `±HHMM`, `±HH`, or none (UTC).
    private mutating func offset() -> Int64? {
        guard i < bytes.count else { return 0 }
        if expect("Z") || expect("z") { return 0 }
        let sign: Int64 = bytes[i] == UInt8(ascii: "-") ? -1 : 1
        guard expect("+") || expect("-"), let hours = digits(2) else { return nil }
        _ = expect(":")
        let minutes = i < bytes.count ? digits(2) : 0
        guard let minutes else { return nil }
        return sign * Int64(hours * 3600 + minutes * 60)
    }

    private mutating func digits(_ count: Int) -> Int? {
        guard i + count <= bytes.count else { return nil }
        var value = 0
        for k in i..<(i + count) {
            guard bytes[k] &- 0x30 < 10 else { return nil }
            value = value * 10 + Int(bytes[k] - 0x30)
        }
        i += count
        return value
    }

    private mutating func expect(_ c: Unicode.Scalar) -> Bool {
        guard i < bytes.count, bytes[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }
}

/// The ISO 8601 text of UNIX times written as `seconds[.fraction]` (Zeek's `ts`, audit's `audit(time:serial)`). The
/// text of the last second seen is kept, so that the events of one second (most events of a busy log) only rewrite
/// their microseconds instead of formatting a date.
struct EpochClock {
    private var second: Int64 = -1
    /// `LogTime.iso(seconds:micros:)` of the last time set: `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`.
    private(set) var text: [UInt8] = []

    /// Sets the time from `digits[.digits]`; false when the cell is not written so (the caller falls back to
    /// `LogTime.iso(epoch:)`).
    mutating func set(_ cell: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var seconds: Int64 = 0
        while i < cell.count, i < 18, cell[i] &- 0x30 < 10 {
            seconds = seconds * 10 + Int64(cell[i] &- 0x30)
            i += 1
        }
        guard i > 0 else { return false }
        var micros: Int64 = 0
        var places = 0
        if i < cell.count, cell[i] == UInt8(ascii: ".") {
            i += 1
            while i < cell.count, cell[i] &- 0x30 < 10 {
                if places < 6 { micros = micros * 10 + Int64(cell[i] &- 0x30) }
                places += 1
                i += 1
            }
            guard places > 0 else { return false }
        }
        guard i == cell.count else { return false }
        for _ in min(places, 6)..<6 { micros *= 10 }
        write(seconds: seconds, micros: micros)
        return true
    }

    private mutating func write(seconds: Int64, micros: Int64) {
        if seconds != second {
            second = seconds
            text = Array(LogTime.iso(seconds: seconds).utf8)
        }
        var rest = micros
        for k in stride(from: text.count - 2, through: text.count - 7, by: -1) {
            text[k] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
