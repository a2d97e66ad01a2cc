import Foundation
import Testing
@testable import Warehouse

/// Calendar dates as the vendors send them, and the windows a backfill is cut into.
@Suite struct CalendarDateTests {
    @Test(arguments: [
        ("2026-10-23", "2026-10-23"), ("2026-10-23T00:00:00", "2026-10-23"), ("2026-10-23 13:45:00", "2026-10-23"),
        ("2024-02-29", "2024-02-29"), ("2000-02-29", "2000-02-29"), ("0001-01-01", "0001-01-01"),
    ])
    func readsTheVendorsForms(text: String, expected: String) throws {
        #expect(try #require(CalendarDate(parsing: text)).description == expected)
    }

    @Test(arguments: ["2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01",
                      "2026-01-01Z", "2026/01/01", "２０２６-01-01", "", "0000-01-01", "2026-01-0x", "2026-01-0",
                      "2026-01-01é", "-2026-01-01", " 2026-01-01"])
    func refusesWhatIsNoDate(text: String) {
        #expect(CalendarDate(parsing: text) == nil)
    }

    /// The rule spelled out on a copy of the bytes, against random texts near a date.
    @Test func readsEveryTextAsTheByteRuleDoes() {
        func reference(_ text: String) -> CalendarDate? {
            let bytes = Array(text.utf8)
            guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            if bytes.count > 10, bytes[10] != UInt8(ascii: "T"), bytes[10] != UInt8(ascii: " ") { return nil }
            func number(_ range: Range<Int>) -> Int? {
                range.allSatisfy { (48...57).contains(bytes[$0]) } ? range.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) } : nil
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            return CalendarDate(year: y, month: m, day: d)
        }
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("0123456789-T :Zé/")
        var parsed = 0
        for _ in 0..<20_000 {
            var text = Array("2026-02-28T00:00")
            text.removeLast(Int.random(in: 0...text.count, using: &rng))
            for _ in 0..<Int.random(in: 0...2, using: &rng) where !text.isEmpty {
                text[Int.random(in: 0..<text.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            }
            let string = String(text)
            #expect(CalendarDate(parsing: string) == reference(string), "\(string)")
            #expect(CalendarDate(parsing: string.dropFirst(0)) == reference(string), "a substring: \(string)")
            if reference(string) != nil { parsed += 1 }
        }
        #expect(parsed > 2_000)
    }

    @Test func theCompactQueryFormRoundTrips() throws {
        let date = try #require(CalendarDate(compact: "20260618"))
        #expect(date.description == "2026-06-18" && date.compact == "20260618")
        #expect(CalendarDate(compact: "2026061") == nil && CalendarDate(compact: "20260631") == nil && CalendarDate(compact: "2026-6-18") == nil)
    }

    @Test func daysSinceTheEpochRoundTripOverFourCenturies() {
        var previous: CalendarDate?
        for days in stride(from: -146_097, through: 146_097 * 2, by: 1) {
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            if let previous { #expect(previous < date) }
            previous = date
        }
        #expect(CalendarDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(CalendarDate(year: 2024, month: 12, day: 31)!.adding(days: 1).description == "2025-01-01")
        #expect(CalendarDate(year: 2024, month: 3, day: 1)!.adding(days: -1).description == "2024-02-29")
    }

    @Test func theLookbackIsInclusiveAtBothEnds() {
        let today = CalendarDate(year: 2026, month: 3, day: 1)!
        let window = DateWindow.lookback(days: 31, today: today)
        #expect(window.description == "2026-01-29..2026-03-01")
        #expect(window.dayCount == 32)
        #expect(DateWindow.lookback(days: 0, today: today).dayCount == 1)
        #expect(DateWindow.lookback(days: -5, today: today).dayCount == 1)
        #expect(DateWindow(start: today, end: today.adding(days: -1)) == nil)
    }

    @Test(arguments: [1, 7, 30, 31, 365])
    func chunksCoverTheWindowExactlyOnce(maxDays: Int) {
        let window = DateWindow(start: CalendarDate(year: 2023, month: 10, day: 1)!, end: CalendarDate(year: 2026, month: 11, day: 23)!)!
        let chunks = window.chunks(maxDays: maxDays)
        #expect(chunks.first?.start == window.start && chunks.last?.end == window.end)
        #expect(chunks.allSatisfy { $0.dayCount <= maxDays })
        #expect(chunks.dropLast().allSatisfy { $0.dayCount == maxDays })
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(a.end.adding(days: 1) == b.start) }
        #expect(chunks.reduce(0) { $0 + $1.dayCount } == window.dayCount)
    }
}
