import Testing
@testable import Warehouse

/// `ExactDecimal` and `Money` read numbers in place (`ExactDecimal.Number`); they must agree,
/// value for value and error for error, with the plain reading below (digits collected, then
/// padded, stripped and checked), which is how they read numbers before.
@Suite struct NumberParsingTests {
    /// The plain reading: nil for text that is not a number.
    static func reference(_ text: String) -> (digits: [UInt8], scale: Int, negative: Bool)? {
        let utf8 = Array(text.utf8)
        var index = 0
        var negative = false
        if index < utf8.count, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
            negative = utf8[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: [UInt8] = []
        var fractionCount = 0
        var sawPoint = false
        while index < utf8.count {
            let byte = utf8[index]
            if byte >= 48 && byte <= 57 {
                mantissa.append(byte - 48)
                if sawPoint { fractionCount += 1 }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard !mantissa.isEmpty else { return nil }
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
                guard exponent < 10_000 else { return nil }
                exponent = exponent * 10 + Int(utf8[index] - 48)
                index += 1
                expDigits += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard index == utf8.count else { return nil }
        var scale = fractionCount - exponent
        if scale < 0 {
            mantissa.append(contentsOf: repeatElement(0, count: -scale))
            scale = 0
        }
        while scale > 0, mantissa.last == 0 {
            mantissa.removeLast()
            scale -= 1
        }
        let significant = Array(mantissa.drop { $0 == 0 })
        return significant.isEmpty ? ([], 0, false) : (significant, scale, negative)
    }

    /// The plain reading's amount in micros, or the error it gives.
    static func referenceMoney(_ text: String) -> Result<Int64, MoneyError> {
        guard let (digits, scale, negative) = reference(text) else { return .failure(.notANumber(text)) }
        guard scale <= Money.scale else { return .failure(.tooManyDecimals(text)) }
        var magnitude: Int64 = 0
        for digit in digits + Array(repeating: 0, count: Money.scale - scale) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return .failure(.outOfRange(text)) }
            magnitude = next
        }
        if magnitude >= 1_000_000_000_000_000_000 { return .failure(.outOfRange(text)) }
        return .success(negative ? -magnitude : magnitude)
    }

    /// The canonical text, written out the plain way.
    static func referenceText(_ digits: [UInt8], scale: Int, negative: Bool) -> String {
        if digits.isEmpty { return "0" }
        var text = String(repeating: "0", count: max(0, scale - digits.count + 1)) + digits.map { String($0) }.joined()
        if scale > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -scale)) }
        return negative ? "-" + text : text
    }

    static func check(_ text: String) {
        let expected = reference(text)
        let decimal = try? ExactDecimal(parsing: text)
        #expect(decimal?.digits == expected?.digits, "\(text)")
        #expect(decimal?.scale == expected?.scale, "\(text)")
        #expect(decimal?.isNegative == expected?.negative, "\(text)")
        if let decimal, let expected {
            #expect(decimal.description == referenceText(expected.digits, scale: expected.scale, negative: expected.negative), "\(text)")
        }
        let money: Result<Int64, MoneyError>
        do { money = .success(try Money(parsing: text).micros) } catch { money = .failure(error) }
        #expect(money == referenceMoney(text), "\(text)")
        // Substrings are read through the same path as Strings.
        #expect((try? ExactDecimal(parsing: "x\(text)".dropFirst())) == decimal, "\(text)")
    }

    @Test(arguments: ["0", "-0", "+0", "0.0", "-0.000", ".5", "5.", ".", "-", "", "00012.3400", "1E3", "1e-3",
                      "0E-10", "1.5E+2", "25e-6", "12.5000000", "1.2345678", "0.0000001", "9223372036854.775807",
                      "9223372036854.775808", "-9223372036854.775807", "1e400", "1e10000", "1e9999", "1.e2", ".0e1",
                      "100.00e-2", "0.10E1", "1..2", "1e", "1e+", "--1", "+-1", "1 ", " 1", "0x10", "1_000", "١",
                      "999999999999.999999", "1000000000000", "-1e12"])
    func agreesOnEdges(text: String) {
        Self.check(text)
    }

    /// Property: number-like text built at random, mostly valid, read alike both ways.
    @Test func agreesOnRandomNumbers() {
        var rng = SplitMix64(seed: 15)
        let pieces = ["0", "00", "1", "5", "9", "10", "000000", "123456789", ".", "-", "+", "e", "E", "e-", "E+", "x", " "]
        for _ in 0..<20_000 {
            var text = ""
            if rng.chance(200) {
                for _ in 0..<rng.int(0...6) { text += pieces[rng.int(0...pieces.count - 1)] }
            } else {
                if rng.chance(300) { text += rng.chance(500) ? "-" : "+" }
                for _ in 0..<rng.int(0...14) { text += String(rng.int(0...9)) }
                if rng.chance(600) { text += "." }
                for _ in 0..<rng.int(0...12) { text += rng.chance(300) ? "0" : String(rng.int(0...9)) }
                if rng.chance(250) {
                    text += rng.chance(500) ? "e" : "E"
                    if rng.chance(600) { text += rng.chance(500) ? "-" : "+" }
                    text += String(rng.int(0...25))
                }
            }
            Self.check(text)
        }
    }
}
