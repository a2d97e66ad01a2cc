import Warehouse

/// How amounts are written for people: `en` 1,234.56, `nl` 1.234,56.
package enum ReportLocale: String, Sendable, CaseIterable {
    case en, nl

    var groupingSeparator: Character { self == .nl ? "." : "," }
    var decimalMark: Character { self == .nl ? "," : "." }

    /// `micros` rounded half away from zero to 2 decimals, with thousands separators. Integer
    /// arithmetic only: the exact value stays in the page's data attributes.
    package func amount(micros: Int64) -> String {
        let negative = micros < 0
        // Magnitude as UInt64 so that Int64.min has one.
        let magnitude = negative ? UInt64(bitPattern: 0 &- micros) : UInt64(micros)
        let cents = magnitude / 10_000 + (magnitude % 10_000 >= 5_000 ? 1 : 0)
        let units = String(cents / 100)
        let fraction = cents % 100
        var grouped = ""
        for (index, digit) in units.enumerated() {
            if index > 0 && (units.count - index) % 3 == 0 { grouped.append(groupingSeparator) }
            grouped.append(digit)
        }
        let sign = negative && cents > 0 ? "-" : ""
        return sign + grouped + String(decimalMark) + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// `micros` exactly, every significant decimal (at least 2), with thousands separators: the
    /// charts' tooltips.
    package func exactAmount(micros: Int64) -> String {
        let text = Money(micros: micros).formatted(minimumDecimals: 2)
        let negative = text.hasPrefix("-")
        let parts = text.drop { $0 == "-" }.split(separator: ".", maxSplits: 1)
        let units = parts[0]
        var grouped = ""
        for (index, digit) in units.enumerated() {
            if index > 0 && (units.count - index) % 3 == 0 { grouped.append(groupingSeparator) }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + grouped + (parts.count > 1 ? String(decimalMark) + parts[1] : "")
    }

    /// A count with thousands separators.
    package func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(groupingSeparator) }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}
