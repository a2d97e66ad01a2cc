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
        let parsed = Number.reading(text) { bytes in
            Number(scanning: bytes).map { number in (number, number.digits(bytes)) }
        }
        guard let (number, digits) = parsed else { throw ParseError(text: String(text)) }
        self.digits = digits
        scale = number.scale
        isNegative = number.isNegative
    }

    /// Where a number's parts lie in its text, found without allocating: `Money` reads its
    /// amounts through this, `ExactDecimal` keeps the digits. Per price line, three amounts
    /// and a quantity are parsed; copies of their text were a tenth of decoding's allocations.
    struct Number {
        /// The text's bytes from the first significant digit to the last digit kept (the
        /// point, if between, is skipped when reading them); empty for zero.
        let significant: Range<Int>
        /// Zeros that follow the digits in `significant` (a positive exponent's).
        let paddingZeros: Int
        /// Digits right of the point, in canonical form (no trailing zeros).
        let scale: Int
        let isNegative: Bool

        /// Calls `body` with the text's UTF-8 bytes: in place, or a copy when the text does not
        /// hold them contiguously (a bridged string).
        static func reading<R>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            text.utf8.withContiguousStorageIfAvailable(body) ?? Array(text.utf8).withUnsafeBufferPointer(body)
        }

        /// Nil when `bytes` is not a number.
        init?(scanning bytes: UnsafeBufferPointer<UInt8>) {
            var index = 0
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var firstNonZero: Int?
            var lastNonZero = 0
            var lastDigit = 0
            var fractionCount = 0
            var sawDigit = false
            var sawPoint = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte >= 48 && byte <= 57 {
                    if byte != 48 {
                        if firstNonZero == nil { firstNonZero = index }
                        lastNonZero = index
                    }
                    lastDigit = index
                    if sawPoint { fractionCount += 1 }
                    sawDigit = true
                } else if byte == UInt8(ascii: ".") && !sawPoint {
                    sawPoint = true
                } else {
                    break
                }
                index += 1
            }
            guard sawDigit else { return nil }
            var exponent = 0
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                var expNegative = false
                if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                    expNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                var expDigits = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    // An absurd exponent is not a price; cap it instead of overflowing.
                    guard exponent < 10_000 else { return nil }
                    exponent = exponent * 10 + Int(bytes[index] - 48)
                    index += 1
                    expDigits += 1
                }
                guard expDigits > 0 else { return nil }
                if expNegative { exponent = -exponent }
            }
            guard index == bytes.count else { return nil }
            guard let firstNonZero else {
                (significant, paddingZeros, scale, isNegative) = (0..<0, 0, 0, false)
                return
            }
            let scale = fractionCount - exponent
            if scale <= 0 {
                // Every digit stays, and zeros follow them.
                (significant, paddingZeros, self.scale) = (firstNonZero..<lastDigit + 1, -scale, 0)
            } else {
                // Trailing zeros right of the point go (a point among them is not a digit).
                var end = lastDigit + 1
                var stripped = 0
                while stripped < scale && end - 1 > lastNonZero {
                    end -= 1
                    if bytes[end] != UInt8(ascii: ".") { stripped += 1 }
                }
                (significant, paddingZeros, self.scale) = (firstNonZero..<end, 0, scale - stripped)
            }
            isNegative = negative
        }

        /// Calls `body` with each significant digit's value, then each padding zero.
        @inline(__always)
        func forEachDigit(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt8) -> Bool) {
            for index in significant where bytes[index] != UInt8(ascii: ".") {
                guard body(bytes[index] &- 48) else { return }
            }
            for _ in 0..<paddingZeros {
                guard body(0) else { return }
            }
        }

        func digits(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            var digits: [UInt8] = []
            digits.reserveCapacity(significant.count + paddingZeros)
            forEachDigit(bytes) { digit in
                digits.append(digit)
                return true
            }
            return digits
        }
    }

    public var isZero: Bool { digits.isEmpty }

    /// Canonical text: no exponent, no trailing zeros, `-` only for non-zero values.
    public var description: String {
        if digits.isEmpty { return "0" }
        let leadingZeros = max(0, scale - digits.count + 1)
        let count = (isNegative ? 1 : 0) + leadingZeros + digits.count + (scale > 0 ? 1 : 0)
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func put(_ byte: UInt8) {
                out[at] = byte
                at += 1
            }
            if isNegative { put(UInt8(ascii: "-")) }
            // Digits with the point `scale` from the end; zeros first when it falls before them.
            let all = leadingZeros + digits.count
            for position in 0..<all {
                if scale > 0 && position == all - scale { put(UInt8(ascii: ".")) }
                put(48 + (position < leadingZeros ? 0 : digits[position - leadingZeros]))
            }
            return at
        }
    }
}
