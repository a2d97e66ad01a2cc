import Warehouse

/// Whether a decimal survives as a spreadsheet number.
///
/// Excel and LibreOffice keep numbers as binary doubles: a decimal that no double holds to its
/// last digit (`12345678901.234567`) would come back rounded, so the xlsx writes it as text.
enum SpreadsheetNumber {
    /// Decimals with at most 15 significant digits survive the round trip through a double
    /// (`DBL_DIG`); anything longer is checked digit by digit.
    static let safeDigits = 15

    /// Whether `text` (`-`? digits, optionally `.` and digits) is a plain decimal.
    static func isPlainDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        if index < text.count && text[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        var sawPoint = false
        var digitsAfterPoint = 0
        while index < text.count {
            let byte = text[index]
            if SpreadsheetSafety.isDigit(byte) {
                digits += 1
                if sawPoint { digitsAfterPoint += 1 }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                return false
            }
            index += 1
        }
        return digits > 0 && (!sawPoint || digitsAfterPoint > 0)
    }

    /// A quantity kept as sent may carry an exponent (`1E1`, a legal JSON number): its exact
    /// plain form (`10`), which every export writes. Nil when `text` is already a plain decimal
    /// or is no number at all (then it is written as sent).
    static func plainForm(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !isPlainDecimal(text),
              let exact = try? ExactDecimal(parsing: String(decoding: text, as: UTF8.self)) else { return nil }
        return Array(exact.description.utf8)
    }

    /// Whether the plain decimal `text` is held exactly by the double nearest to it: the
    /// double's shortest representation names the same number.
    static func fitsDouble(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let exact = normalized(text)
        // A double's range: beyond 10^308 (or below 10^-300, near its subnormals) no digit count helps.
        let magnitude = exact.digits.count + exact.exponent
        guard exact.digits.isEmpty || (-300...308).contains(magnitude) else { return false }
        if exact.digits.count <= safeDigits { return true }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.isFinite else { return false }
        let shortest = Array(double.description.utf8)
        return shortest.withUnsafeBufferPointer { normalized($0) } == exact
    }

    /// Whether `micros` millionths fit a double exactly.
    static func fitsDouble(micros: Int64) -> Bool {
        // Below 10^15 micro-units there are at most 15 significant digits.
        if micros > -1_000_000_000_000_000 && micros < 1_000_000_000_000_000 { return true }
        var text: [UInt8] = []
        Money.appendPlain(micros: micros, to: &text)
        return text.withUnsafeBufferPointer { fitsDouble($0) }
    }

    /// The number as its significant digits and the power of ten of the last one, sign in
    /// front: `-0.0120` and `-1.2e-2` both give ("-12", -3). Accepts a plain decimal or Swift's
    /// `Double.description` (with an `e` exponent).
    static func normalized(_ text: UnsafeBufferPointer<UInt8>) -> Normalized {
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0
        var afterPoint = false
        var index = 0
        if index < text.count && text[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        while index < text.count {
            let byte = text[index]
            if SpreadsheetSafety.isDigit(byte) {
                if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
                if afterPoint { exponent -= 1 }
            } else if byte == UInt8(ascii: ".") {
                afterPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                index += 1
                var sign = 1
                if index < text.count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
                    if text[index] == UInt8(ascii: "-") { sign = -1 }
                    index += 1
                }
                var value = 0
                while index < text.count && SpreadsheetSafety.isDigit(text[index]) {
                    value = value * 10 + Int(text[index] - UInt8(ascii: "0"))
                    index += 1
                }
                exponent += sign * value
                break
            }
            index += 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { return Normalized(negative: false, digits: [], exponent: 0) }
        return Normalized(negative: negative, digits: digits, exponent: exponent)
    }

    struct Normalized: Equatable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int
    }
}

extension Money {
    /// `micros` as the shortest exact decimal (`12.5`, `3`, `-0.000001`).
    static func appendPlain(micros: Int64, to buffer: inout [UInt8]) {
        append(micros: micros, minimumDecimals: 0, decimalMark: UInt8(ascii: "."), to: &buffer)
    }
}
