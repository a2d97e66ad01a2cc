import Warehouse

/// The `…+sum` rule's arithmetic: whether several lines' quantities add up exactly to one
/// line's quantity, and the single line's amount split across them in proportion to quantity.
enum QuantitySum {
    /// The quantities as integers at one common scale, or nil when one does not fit in 64 bits.
    static func scaled(_ quantities: [ExactDecimal]) -> [Int64]? {
        let scale = quantities.map(\.scale).max() ?? 0
        var result: [Int64] = []
        result.reserveCapacity(quantities.count)
        for quantity in quantities {
            var value: Int64 = 0
            for digit in quantity.digits {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int64(digit))
                if o1 || o2 { return nil }
                value = plus
            }
            for _ in 0..<(scale - quantity.scale) {
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = times
            }
            result.append(quantity.isNegative ? -value : value)
        }
        return result
    }

    /// `parts` (nonzero, all of one sign) add up exactly to `whole`: the many lines are the one
    /// line split. nil otherwise, so the rule never guesses.
    static func weights(parts: [ExactDecimal], whole: ExactDecimal) -> [Int64]? {
        guard parts.count >= 2, let scaled = scaled(parts + [whole]) else { return nil }
        let total = scaled.last!, weights = scaled.dropLast()
        guard total != 0, weights.allSatisfy({ $0 != 0 && ($0 > 0) == (total > 0) }) else { return nil }
        var sum: Int64 = 0
        for weight in weights {
            let (next, overflow) = sum.addingReportingOverflow(weight)
            if overflow { return nil }
            sum = next
        }
        return sum == total ? weights.map { abs($0) } : nil
    }

    /// `amount` split in proportion to `weights` (positive) by the largest-remainder method:
    /// each part is rounded down, and the micro-units left over go one each to the parts with
    /// the largest remainders (the earlier part on a tie), so the parts add up to `amount`.
    static func split(_ amount: Int64, weights: [Int64]) -> [Int64] {
        let total = UInt64(weights.reduce(0, +))
        let magnitude = amount.magnitude
        var parts: [UInt64] = []
        var remainders: [(remainder: UInt64, index: Int)] = []
        for (index, weight) in weights.enumerated() {
            let product = magnitude.multipliedFullWidth(by: UInt64(weight))
            let (quotient, remainder) = total.dividingFullWidth(product)
            parts.append(quotient)
            remainders.append((remainder, index))
        }
        var left = magnitude - parts.reduce(0, +)
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        for entry in remainders where left > 0 {
            parts[entry.index] += 1
            left -= 1
        }
        return parts.map { amount < 0 ? -Int64($0) : Int64($0) }
    }
}
