/// An exact amount of money in micro-units (1 = 0.000001 of the currency).
///
/// Vendors send amounts as JSON numbers with up to 6 decimals. Parsing them from their text
/// into an integer keeps every sum exact; a binary floating point would not.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let scale = 6
    public static let microsPerUnit: Int64 = 1_000_000

    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public static let zero = Money(micros: 0)

    /// How close a vendor's stated total must come to the exact sum of its lines: to the cent.
    /// Invoices state totals in cents while their lines carry up to 6 decimals, so a total the
    /// vendor rounded is within half a cent of the sum, and a lost or misread line is not.
    public static let totalTolerance = Money(micros: 10_000)

    /// Whether `stated` and the exact `sum` agree to the cent (`totalTolerance`).
    public static func agreesToTheCent(stated: Money, sum: Money) -> Bool {
        let (difference, overflow) = stated.micros.subtractingReportingOverflow(sum.micros)
        return !overflow && difference.magnitude < totalTolerance.micros.magnitude
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.micros < rhs.micros }

    /// Adds, refusing to wrap around: a warehouse total that overflowed would be silently wrong.
    public static func + (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        let (sum, overflow) = lhs.micros.addingReportingOverflow(rhs.micros)
        if overflow { throw .outOfRange("\(lhs) + \(rhs)") }
        return Money(micros: sum)
    }

    /// The largest magnitude a vendor's amount may have: just under a trillion units. Far more
    /// than any invoice line, and small enough that the sums `status`, `check` and the exports
    /// take over a warehouse's lines stay inside 64 bits, where one line near the 64-bit limit
    /// would make them overflow.
    public static let largestAmount = Money(micros: 999_999_999_999_999_999)

    /// Parses a decimal number from its text: `12`, `-0.5`, `1.234567`, `1.5E+2`.
    /// More than 6 significant decimals or a value beyond `largestAmount` is an error,
    /// never a rounding. Trailing zeros past the sixth decimal are accepted: they round nothing.
    public init(parsing text: some StringProtocol) throws(MoneyError) {
        micros = try ExactDecimal.Number.reading(text) { bytes in Self.micros(bytes, text: text) }.get()
    }

    private static func micros(_ bytes: UnsafeBufferPointer<UInt8>, text: some StringProtocol) -> Result<Int64, MoneyError> {
        guard let number = ExactDecimal.Number(scanning: bytes) else { return .failure(.notANumber(String(text))) }
        guard number.scale <= Money.scale else { return .failure(.tooManyDecimals(String(text))) }
        var magnitude: Int64 = 0
        var overflow = false
        number.forEachDigit(bytes) { digit in
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit))
            overflow = o1 || o2
            magnitude = next
            return !overflow
        }
        for _ in number.scale..<Money.scale where !overflow {
            (magnitude, overflow) = magnitude.multipliedReportingOverflow(by: 10)
        }
        if overflow || magnitude > largestAmount.micros { return .failure(.outOfRange(String(text))) }
        return .success(number.isNegative ? -magnitude : magnitude)
    }

    /// Exact text with at least `minimumDecimals` decimals and no exponent: `12.50`, `-0.000001`.
    public func formatted(minimumDecimals: Int = 2, decimalMark: Character = ".") -> String {
        var out = ""
        Money.append(micros: micros, minimumDecimals: minimumDecimals, decimalMark: UInt8(ascii: decimalMark.unicodeScalars.first!), to: &out)
        return out
    }

    public var description: String { formatted() }

    /// Writes the exact text of `micros` into a byte buffer; the hot path of the CSV export.
    public static func append(micros: Int64, minimumDecimals: Int = 2, decimalMark: UInt8 = UInt8(ascii: "."), to buffer: inout [UInt8]) {
        let negative = micros < 0
        // Magnitude as UInt64 so that Int64.min has a representation.
        let magnitude = negative ? UInt64(bitPattern: 0 &- micros) : UInt64(micros)
        let units = magnitude / 1_000_000
        var fraction = magnitude % 1_000_000
        if negative { buffer.append(UInt8(ascii: "-")) }
        appendDecimal(units, to: &buffer)
        var fractionDigits = Money.scale
        while fractionDigits > minimumDecimals && fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        if fractionDigits == 0 { return }
        buffer.append(decimalMark)
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: fractionDigits)
        var rest = fraction
        for index in stride(from: fractionDigits - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        buffer.append(contentsOf: digits)
    }

    static func append(micros: Int64, minimumDecimals: Int, decimalMark: UInt8, to string: inout String) {
        var bytes: [UInt8] = []
        append(micros: micros, minimumDecimals: minimumDecimals, decimalMark: decimalMark, to: &bytes)
        string += String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
        if value < 10 { buffer.append(UInt8(ascii: "0") + UInt8(value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            buffer.append(contentsOf: raw[(20 - count)...])
        }
    }
}

public enum MoneyError: Error, Equatable, CustomStringConvertible {
    case notANumber(String)
    case tooManyDecimals(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .notANumber(let text): "not a decimal number: \(text.prefix(40))"
        case .tooManyDecimals(let text): "more than 6 decimals (would need rounding): \(text.prefix(40))"
        case .outOfRange(let text): "amount out of range (a trillion or more): \(text.prefix(40))"
        }
    }
}
