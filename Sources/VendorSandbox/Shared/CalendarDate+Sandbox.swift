import Warehouse

/// What the generators need of `CalendarDate` besides the product's own: month arithmetic,
/// stable month indexes and the ISO text written straight into bytes.
extension CalendarDate {
    /// Parses `YYYY-MM-DD` (exactly that shape, a real calendar date).
    init?(iso text: some StringProtocol) {
        guard text.utf8.count == 10 else { return nil }
        self.init(parsing: text)
    }

    var components: (year: Int, month: Int, day: Int) { (year, month, day) }

    /// Same day `months` later (or earlier), clamped to the end of a shorter month.
    func adding(months: Int) -> CalendarDate {
        let index = monthIndex + months
        let newYear = index >= 0 ? index / 12 : (index - 11) / 12
        let newMonth = index - newYear * 12 + 1
        return CalendarDate(year: newYear, month: newMonth, day: min(day, CalendarDate.daysIn(month: newMonth, year: newYear)))!
    }

    /// `YYYY-MM-DD`
    var iso: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        appendISO(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func appendISO(to bytes: inout [UInt8]) {
        appendDigits(year, 4, &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(month, 2, &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(day, 2, &bytes)
    }

    /// The indexes (`monthIndex - 1`, the generators' numbering) of the months a history from
    /// `first` to `last` bills, oldest first; none when `last` is earlier.
    static func billedMonths(from first: CalendarDate, through last: CalendarDate) -> Range<Int> {
        first <= last ? (first.monthIndex - 1)..<last.monthIndex : 0..<0
    }

    /// First day of the month this day is in.
    var firstOfMonth: CalendarDate { CalendarDate(year: year, month: month, day: 1)! }

    /// Last day of the month this day is in.
    var lastOfMonth: CalendarDate { CalendarDate(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year))! }

    /// Months since year 0 (a stable index for a month, independent of the data's range).
    var monthIndex: Int { year * 12 + (month - 1) }

    static func firstOfMonth(index: Int) -> CalendarDate {
        CalendarDate(year: index / 12, month: index % 12 + 1, day: 1)!
    }

    /// `maart 2026`: how the vendors' Dutch descriptions name a month (by `monthIndex`).
    static func dutchName(ofMonth index: Int) -> String {
        let day = firstOfMonth(index: index)
        return "\(dutchMonthNames[day.month - 1]) \(day.year)"
    }

    static let dutchMonthNames = ["januari", "februari", "maart", "april", "mei", "juni", "juli",
                                  "augustus", "september", "oktober", "november", "december"]
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
