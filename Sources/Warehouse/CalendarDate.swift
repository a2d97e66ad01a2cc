import Foundation

/// A calendar date without a zone, as the vendor APIs use them ("treat them as calendar dates").
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CalendarDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The first date there is (0001-01-01): the start of "everything up to".
    public static let earliest = CalendarDate(year: 1, month: 1, day: 1)!

    /// `YYYY-MM-DD`, or a vendor's `YYYY-MM-DDT00:00:00` (the time part is ignored).
    public init?(parsing text: some StringProtocol) {
        // Read in one pass over the bytes, without copying them out: every staged line has
        // two dates.
        var year = 0, month = 0, day = 0, position = 0
        for byte in text.utf8 {
            let digit = Int(byte) - 48
            switch position {
            case 0...3, 5, 6, 8, 9:
                guard (0...9).contains(digit) else { return nil }
                switch position {
                case 0...3: year = year * 10 + digit
                case 5, 6: month = month * 10 + digit
                default: day = day * 10 + digit
                }
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return nil }
            default:
                guard byte == UInt8(ascii: "T") || byte == UInt8(ascii: " ") else { return nil }
            }
            position += 1
            if position == 11 { break }
        }
        guard position >= 10 else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// `YYYYMMDD`, the query format of the vendor APIs.
    public init?(compact text: some StringProtocol) {
        let s = String(text)
        guard s.utf8.count == 8, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let chars = Array(s)
        self.init(parsing: "\(String(chars[0..<4]))-\(String(chars[4..<6]))-\(String(chars[6..<8]))")
    }

    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = m <= 2 ? y + 1 : y
        self.month = m
        self.day = d
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func today(now: Date = Date()) -> CalendarDate {
        CalendarDate(daysSinceEpoch: Int((now.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + pad2(month) + "-" + pad2(day)
    }

    /// `YYYYMMDD`.
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }
}

/// An inclusive range of calendar dates: `--since/--until`, a lookback window, a chunk of a backfill.
public struct DateWindow: Sendable, Hashable, CustomStringConvertible {
    public let start: CalendarDate
    public let end: CalendarDate

    public init?(start: CalendarDate, end: CalendarDate) {
        guard start <= end else { return nil }
        self.start = start
        self.end = end
    }

    /// `[today − days, today]`, both ends inclusive.
    public static func lookback(days: Int, today: CalendarDate) -> DateWindow {
        DateWindow(start: today.adding(days: -max(0, days)), end: today)!
    }

    public var dayCount: Int { end.daysSinceEpoch - start.daysSinceEpoch + 1 }

    /// Consecutive windows of at most `maxDays` days covering this one, oldest first.
    public func chunks(maxDays: Int) -> [DateWindow] {
        precondition(maxDays > 0)
        var result: [DateWindow] = []
        var cursor = start
        while cursor <= end {
            let chunkEnd = min(cursor.adding(days: maxDays - 1), end)
            result.append(DateWindow(start: cursor, end: chunkEnd)!)
            cursor = chunkEnd.adding(days: 1)
        }
        return result
    }

    public func contains(_ date: CalendarDate) -> Bool { start <= date && date <= end }

    public var description: String { "\(start)..\(end)" }
}
