import Warehouse

/// Integer arithmetic for money in micro-units: products through 128 bits, one rounding
/// (half away from zero) at the end. No floating point anywhere.
enum ExactArithmetic {
    /// round(value × numerator / denominator), half away from zero. Denominator > 0.
    static func mulDiv(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        precondition(denominator > 0)
        let negative = (value < 0) != (numerator < 0)
        let product = value.magnitude.multipliedFullWidth(by: numerator.magnitude)
        let d = UInt64(denominator)
        precondition(product.high < d, "amount out of range")
        let (quotient, remainder) = d.dividingFullWidth(product)
        var magnitude = quotient
        if remainder >= d - remainder { magnitude += 1 } // remainder*2 >= d, without overflow
        let result = Int64(magnitude)
        return negative ? -result : result
    }

    /// quantity × unit price, both in micro-units, result in micro-units.
    static func times(_ quantityMicros: Int64, _ unitMicros: Int64) -> Int64 {
        mulDiv(quantityMicros, unitMicros, 1_000_000)
    }

    /// Rounds micro-units to whole cents (multiples of 10 000), half away from zero.
    static func roundToCents(_ micros: Int64) -> Int64 {
        mulDiv(micros, 1, 10_000) * 10_000
    }

    /// gross × (100 − discount%) / 100, rounded to micro-units; the percent as exact text.
    static func applyDiscount(_ gross: Int64, _ percent: String) -> Int64 {
        let discount = (try? Money(parsing: percent).micros) ?? 0
        if discount == 0 { return gross }
        return mulDiv(gross, 100_000_000 - discount, 100_000_000)
    }
}

extension SplitMix64 {
    /// A customer's Microsoft licences: one to three distinct products of the catalogue.
    mutating func licences() -> ArraySlice<CopacoCatalog.License> {
        var products = CopacoCatalog.licenses
        shuffle(&products)
        return products.prefix(int(1...3))
    }

    /// A subscription's first day: most predate `first` by 60–900 days; `perMille` of them start
    /// in the `spread` days after it, on an odd day of the month up to the 27th (their first
    /// line is pro-rated; credits start on even days, so a credit never shares its key).
    /// Drawn against `first` only, never `today`: history must not move with today.
    mutating func startDay(after first: CalendarDate, perMille: Int, spread: Int) -> CalendarDate {
        if chance(perMille) {
            let day = first.adding(days: int(0...spread))
            let (y, m, d) = day.components
            return CalendarDate(year: y, month: m, day: min(d % 2 == 1 ? d : max(1, d - 1), 27))!
        }
        return first.adding(days: -int(60...900))
    }
}
