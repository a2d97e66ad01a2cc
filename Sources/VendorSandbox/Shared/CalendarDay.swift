/// A calendar date without a zone (the vendor APIs carry none), as a day count since 1970-01-01.
/// Civil-calendar conversions after Howard Hinnant's `days_from_civil` / `civil_from_days`.
struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    var dayNumber: Int

    init(dayNumber: Int) { self.dayNumber = dayNumber }

    init(year: Int, month: Int, day: Int) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146_097 + doe - 719_468
    }

    var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.dayNumber < rhs.dayNumber }

    func adding(days: Int) -> CalendarDay { CalendarDay(dayNumber: dayNumber + days) }

    /// Same day `months` later (or earlier), clamped to the end of a shorter month.
    func adding(months: Int) -> CalendarDay {
        let (y, m, d) = components
        let index = y * 12 + (m - 1) + months
        let year = index >= 0 ? index / 12 : (index - 11) / 12
        let month = index - year * 12 + 1
        return CalendarDay(year: year, month: month, day: min(d, CalendarDay.daysIn(year: year, month: month)))
    }

    /// Parses `YYYY-MM-DD` (exactly that shape, a real calendar date).
    init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        guard let value = CalendarDay.parse(year: bytes[0..<4], month: bytes[5..<7], day: bytes[8..<10]) else { return nil }
        self = value
    }

    /// Parses `YYYYMMDD` (exactly eight digits, a real calendar date): the API's query format.
    init?(compact text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 8 else { return nil }
        guard let value = CalendarDay.parse(year: bytes[0..<4], month: bytes[4..<6], day: bytes[6..<8]) else { return nil }
        self = value
    }

    private static func parse(year: ArraySlice<UInt8>, month: ArraySlice<UInt8>, day: ArraySlice<UInt8>) -> CalendarDay? {
        func number(_ digits: ArraySlice<UInt8>) -> Int? {
            var value = 0
            for byte in digits {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let y = number(year), let m = number(month), let d = number(day) else { return nil }
        guard y >= 1, (1...12).contains(m), d >= 1, d <= daysIn(year: y, month: m) else { return nil }
        return CalendarDay(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD`
    var iso: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        appendISO(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYYMMDD`
    var compact: String {
        let (y, m, d) = components
        return pad(y, 4) + pad(m, 2) + pad(d, 2)
    }

    var description: String { iso }

    func appendISO(to bytes: inout [UInt8]) {
        let (y, m, d) = components
        appendDigits(y, 4, &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(m, 2, &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(d, 2, &bytes)
    }

    /// First day of the month this day is in.
    var firstOfMonth: CalendarDay {
        let (y, m, _) = components
        return CalendarDay(year: y, month: m, day: 1)
    }

    /// Last day of the month this day is in.
    var lastOfMonth: CalendarDay {
        let (y, m, _) = components
        return CalendarDay(year: y, month: m, day: CalendarDay.daysIn(year: y, month: m))
    }

    /// Months since year 0 (a stable index for a month, independent of the data's range).
    var monthIndex: Int {
        let (y, m, _) = components
        return y * 12 + (m - 1)
    }

    static func firstOfMonth(index: Int) -> CalendarDay {
        CalendarDay(year: index / 12, month: index % 12 + 1, day: 1)
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    var text = String(value)
    while text.utf8.count < width { text = "0" + text }
    return text
}

@inline(__always)
func appendDigits(_ value: Int, _ width: Int, _ bytes: inout [UInt8]) {
    var divisor = 1
    for _ in 1..<width { divisor *= 10 }
    var rest = value
    while divisor > 0 {
        bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
        rest %= divisor
        divisor /= 10
    }
}
