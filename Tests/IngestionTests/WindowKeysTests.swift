import Testing
@testable import Ingestion

/// A window's keys are told apart byte for byte, as the warehouse's tables tell them apart.
@Suite struct WindowKeysTests {
    @Test func storedAndQuarantinedKeysAreHeldByteForByte() {
        var keys = WindowKeys()
        keys.store(.init("INV-1"))
        keys.quarantine("INV-2")
        #expect(keys.wasStored(.init("INV-1")) && !keys.wasStored(.init("INV-2")) && !keys.wasStored(.init("inv-1")) && !keys.wasStored(.init("INV-1 ")))
        #expect(keys.holds("INV-1") && keys.holds("INV-2") && !keys.holds("INV-3"))
        // "é" composed and decomposed: equal as Swift strings, two keys to SQLite and the vendor.
        keys.store(.init("FACT-\u{E9}"))
        #expect(keys.wasStored(.init("FACT-\u{E9}")) && !keys.wasStored(.init("FACT-e\u{301}")))
        for number in 0..<100_000 { keys.store(.init("RESELLER-NL-2026-LONGKEY-\(number)")) }
        #expect((0..<100_000).allSatisfy { keys.wasStored(.init("RESELLER-NL-2026-LONGKEY-\($0)")) })
        #expect(!(100_000..<200_000).contains { keys.wasStored(.init("RESELLER-NL-2026-LONGKEY-\($0)")) })
    }
}
