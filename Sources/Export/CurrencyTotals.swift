/// The cost, sell and margin of exported rows, per currency: amounts of different currencies
/// are never added together.
package struct CurrencyTotal: Sendable, Hashable {
    package var currency: String
    package var costMicros: Int64 = 0
    package var sellMicros: Int64 = 0
    package var marginMicros: Int64 = 0

    package init(currency: String, costMicros: Int64 = 0, sellMicros: Int64 = 0, marginMicros: Int64 = 0) {
        self.currency = currency
        self.costMicros = costMicros
        self.sellMicros = sellMicros
        self.marginMicros = marginMicros
    }
}

/// The running totals of the export loops: one entry per currency met, found by comparing the
/// row's currency bytes with the previous row's first (rows of one currency usually follow
/// each other), so the loop stays free of hashing and allocation.
struct CurrencyTotals {
    private var codes: [[UInt8]] = []
    private var totals: [CurrencyTotal] = []
    private var overflow: String?
    private var current = -1

    /// Makes `currency` the one `add` adds to.
    @inline(__always)
    mutating func select(_ currency: UnsafeBufferPointer<UInt8>?) {
        let bytes = currency ?? UnsafeBufferPointer(start: nil, count: 0)
        if current >= 0 && codes[current].elementsEqual(bytes) { return }
        if let index = codes.firstIndex(where: { $0.elementsEqual(bytes) }) {
            current = index
        } else {
            codes.append(Array(bytes))
            totals.append(CurrencyTotal(currency: String(decoding: bytes, as: UTF8.self)))
            current = codes.count - 1
        }
    }

    /// Adds `value` to the selected currency's cost (0), sell (1) or margin (2).
    @inline(__always)
    mutating func add(_ value: Int64, to which: Int) {
        switch which {
        case 0: totals[current].costMicros = checked(totals[current].costMicros, value, "cost_micros")
        case 1: totals[current].sellMicros = checked(totals[current].sellMicros, value, "sell_micros")
        default: totals[current].marginMicros = checked(totals[current].marginMicros, value, "margin_micros")
        }
    }

    @inline(__always)
    private mutating func checked(_ total: Int64, _ value: Int64, _ column: String) -> Int64 {
        let (sum, overflowed) = total.addingReportingOverflow(value)
        if overflowed { overflow = column }
        return sum
    }

    /// The totals by currency code, or the column whose total does not fit in 64 bits.
    func result() throws(ExportError) -> [CurrencyTotal] {
        if let overflow { throw .totalOutOfRange(column: overflow) }
        return totals.sorted { $0.currency < $1.currency }
    }
}
