/// A decimal number kept exactly as digits and a scale, parsed from text.
///
/// Quantities may carry more decimals than money (metered usage), so they are not forced into
/// micro-units; they are compared through this canonical form instead.
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// Significant digits, most significant first, no leading zeros ("0" is `[]`).
    public let digits: [UInt8]
    /// How many of `digits` sit right of the decimal point (never negative: `1E+2` is `[1,0,0]`).
    public let scale: Int
    public let isNegative: Bool

    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not a decimal number: \(text.prefix(40))" }
    }

    /// Accepts the JSON number grammar, plus a leading `+` and a bare leading/trailing point
    /// (`.5`, `5.`) since some vendors send those inside strings.
    public init(parsing text: some StringProtocol) throws(ParseError) {
        let utf8 = Array(text.utf8)
        var index = 0
        var negative = false
        if index < utf8.count, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
            negative = utf8[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: [UInt8] = []
        var fractionCount = 0
        var sawDigit = false
        var sawPoint = false
        while index < utf8.count {
            let byte = utf8[index]
            if byte >= 48 && byte <= 57 {
                mantissa.append(byte - 48)
                if sawPoint { fractionCount += 1 }
                sawDigit = true
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { throw ParseError(text: String(text)) }
        var exponent = 0
        if index < utf8.count, utf8[index] == UInt8(ascii: "e") || utf8[index] == UInt8(ascii: "E") {
            index += 1
            var expNegative = false
            if index < utf8.count, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
                expNegative = utf8[index] == UInt8(ascii: "-")
                index += 1
            }
            var expDigits = 0
            while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                // An absurd exponent is not a price; cap it instead of overflowing.
                guard exponent < 10_000 else { throw ParseError(text: String(text)) }
                exponent = exponent * 10 + Int(utf8[index] - 48)
                index += 1
                expDigits += 1
            }
            guard expDigits > 0 else { throw ParseError(text: String(text)) }
            if expNegative { exponent = -exponent }
        }
        guard index == utf8.count else { throw ParseError(text: String(text)) }

        var scale = fractionCount - exponent
        if scale < 0 {
            mantissa.append(contentsOf: repeatElement(0, count: -scale))
            scale = 0
        }
        // Canonical form: strip trailing fractional zeros and leading zeros.
        while scale > 0, mantissa.last == 0 {
            mantissa.removeLast()
            scale -= 1
        }
        var firstNonZero = 0
        while firstNonZero < mantissa.count, mantissa[firstNonZero] == 0 { firstNonZero += 1 }
        let significant = Array(mantissa[firstNonZero...])
        if significant.isEmpty {
            self.digits = []
            self.scale = 0
            self.isNegative = false
        } else {
            self.digits = significant
            self.scale = scale
            self.isNegative = negative
        }
    }

    public var isZero: Bool { digits.isEmpty }

    /// Canonical text: no exponent, no trailing zeros, `-` only for non-zero values.
    public var description: String {
        if digits.isEmpty { return "0" }
        var chars = digits.map { Character(Unicode.Scalar($0 + 48)) }
        if scale >= chars.count {
            chars = Array(repeating: "0", count: scale - chars.count + 1) + chars
        }
        var text = String(chars)
        if scale > 0 {
            text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
        }
        return isNegative ? "-" + text : text
    }
}
