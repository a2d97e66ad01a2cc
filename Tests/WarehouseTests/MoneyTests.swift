import Testing
@testable import Warehouse

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12", 12_000_000), ("12.5", 12_500_000), ("-0.000001", -1), ("1.234567", 1_234_567),
        ("0", 0), ("-0", 0), ("1.5E+2", 150_000_000), ("25e-6", 25), ("12.5000000", 12_500_000),
        ("999999999999.999999", 999_999_999_999_999_999), ("-999999999999.999999", -999_999_999_999_999_999),
    ] as [(String, Int64)])
    func parsesExactly(text: String, micros: Int64) throws {
        #expect(try Money(parsing: text).micros == micros)
    }

    @Test(arguments: ["1.2345678", "0.0000001", "abc", "", "1.2.3", "1e", "--1", "9223372036854.775808", "1e400",
                      // A trillion or more: no invoice line, and sums over such lines would overflow.
                      "1000000000000", "-1e12", "9223372036854.775807"])
    func refusesWhatWouldNeedRoundingOrIsNotANumber(text: String) {
        #expect(throws: MoneyError.self) { try Money(parsing: text) }
    }

    @Test(arguments: [(0, "0.00"), (1, "0.000001"), (-1, "-0.000001"), (12_500_000, "12.50"),
                      (-12_345_600, "-12.3456"), (Int64.min, "-9223372036854.775808")] as [(Int64, String)])
    func formatsWithAtLeastTwoDecimals(micros: Int64, text: String) {
        #expect(Money(micros: micros).formatted() == text)
    }

    @Test func decimalCommaAndNoMinimum() {
        #expect(Money(micros: 12_500_000).formatted(decimalMark: ",") == "12,50")
        #expect(Money(micros: 12_500_000).formatted(minimumDecimals: 0) == "12.5")
        #expect(Money(micros: 3_000_000).formatted(minimumDecimals: 0) == "3")
    }

    /// Property: format then parse gives the same value, over many seeded random amounts.
    @Test func roundTripAndSumsAreExact() throws {
        var rng = SplitMix64(seed: 7)
        var sum: Int64 = 0
        var textSum = Money.zero
        for _ in 0..<20_000 {
            let micros = Int64(bitPattern: rng.next()) % 10_000_000_000_000
            let money = Money(micros: micros)
            #expect(try Money(parsing: money.formatted()) == money)
            #expect(try Money(parsing: money.formatted(minimumDecimals: 0)) == money)
            let small = Money(micros: micros % 100_000_000)
            sum += small.micros
            textSum = try textSum + Money(parsing: small.formatted())
        }
        #expect(textSum.micros == sum)
    }

    @Test func additionRefusesOverflow() {
        #expect(throws: MoneyError.self) { try Money(micros: .max) + Money(micros: 1) }
    }

    @Test func exactDecimalCanonicalForm() throws {
        #expect(try ExactDecimal(parsing: "5.0").description == "5")
        #expect(try ExactDecimal(parsing: "005").description == "5")
        #expect(try ExactDecimal(parsing: "0.12300").description == "0.123")
        #expect(try ExactDecimal(parsing: "-0.0").description == "0")
        #expect(try ExactDecimal(parsing: "1E3").description == "1000")
        #expect(try ExactDecimal(parsing: "12.345678912").description == "12.345678912")
        #expect(try ExactDecimal(parsing: "5.0") == ExactDecimal(parsing: "5"))
    }
}
