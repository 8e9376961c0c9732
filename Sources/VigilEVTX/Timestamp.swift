// Windows time values (FILETIME, SYSTEMTIME) as the UTC calendar and as evtx_dump's text,
// `2019-03-19T23:34:25.123456Z` (microseconds, truncated).
import VigilCore

/// A UTC date and time with 100-nanosecond precision.
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// Sub-second part in units of 100 ns (0..<10_000_000).
    var ticks: Int

    /// Windows FILETIME: 100 ns intervals since 1601-01-01. `nil` past year 9999, the range the
    /// reference parser accepts (it rejects such values as invalid date-times).
    /// First FILETIME past the range: 10000-01-01T00:00:00Z.
    static let filetimeLimit: UInt64 = 2_650_467_744_000_000_000

    @inline(__always) static func isValid(filetime: UInt64) -> Bool { filetime < filetimeLimit }

    init?(filetime: UInt64) {
        guard filetime < CivilTime.filetimeLimit else { return nil }
        let seconds = Int(filetime / 10_000_000)
        ticks = Int(filetime % 10_000_000)
        // Days since 1601-01-01, then shifted to days since 1970-01-01 for the civil algorithm.
        let days = seconds / 86_400 - 134_774
        let rest = seconds % 86_400
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        (year, month, day) = CivilDate.date(days: days)
        if year > 9999 { return nil }
    }

    /// SYSTEMTIME (16 bytes: year, month, weekday, day, hour, minute, second, milliseconds).
    /// All-zero means "unset" and reads as the FILETIME epoch, like the reference parser.
    init?(systemTime b: UnsafeRawBufferPointer) {
        let year = Int(b.le16(0)), month = Int(b.le16(2)), day = Int(b.le16(6))
        let hour = Int(b.le16(8)), minute = Int(b.le16(10)), second = Int(b.le16(12)), millis = Int(b.le16(14))
        if year == 0 && month == 0 && day == 0 && hour == 0 && minute == 0 && second == 0 && millis == 0 {
            self = CivilTime(filetime: 0)!
            return
        }
        guard year <= 9999, (1...12).contains(month), day >= 1, day <= CivilTime.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60, millis < 1000
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, ticks: millis * 10_000)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, ticks: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.ticks = ticks
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    func appendISO(to out: inout OutputBuffer) {
        @inline(__always) func digits(_ value: Int, _ width: Int, _ out: inout OutputBuffer) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: 48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(day, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(hour, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(minute, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(second, 2, &out)
        out.append(UInt8(ascii: "."))
        digits(ticks / 10, 6, &out)
        out.append(UInt8(ascii: "Z"))
    }
}

public enum FileTime {
    /// evtx_dump's rendering of a FILETIME, e.g. `2019-03-19T23:34:25.123456Z`; `nil` when out of range.
    public static func iso8601(_ filetime: UInt64) -> String? {
        guard let civil = CivilTime(filetime: filetime) else { return nil }
        var out = OutputBuffer(capacity: 32)
        civil.appendISO(to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
