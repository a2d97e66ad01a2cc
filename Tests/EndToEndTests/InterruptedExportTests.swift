import Foundation
import Testing

/// An export stopped by SIGTERM (a service manager, `kill`) leaves neither its destination nor
/// its hidden temporary file, and ends by that signal as it would have; the destination an
/// earlier export wrote is left as it was.
@Suite struct InterruptedExportTests {
    @Test(arguments: ["csv", "xlsx"])
    func aTerminatedExportLeavesNoFileBehind(format: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-interrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("w.sqlite").path
        // Enough rows that the export is still writing when the signal comes.
        let fill = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, sku, currency,
                                   cost_micros, sell_micros, margin_micros, match_status, match_rule)
            SELECT 'copaco', 'INV' || (i / 100), '2026-01-15', 'C' || (i % 977), 'SKU' || (i % 13), 'EUR',
                   i * 1000, i * 1100, i * 100, 'matched', 'invoice_row_hash' FROM n
            """
        #expect(try await runBillwh(["migrate", "--db", db]).status == 0)
        let filled = try await runBillwh(["query", "--write", "--db", db, fill])
        #expect(filled.status == 0, "\(filled.stderr)")
        let out = folder.appendingPathComponent("purchases.\(format)")
        try Data("earlier export\n".utf8).write(to: out)

        let process = Process()
        process.executableURL = try billwhBinary()
        process.arguments = ["export", "purchases", "--db", db, "--format", format, "--out", out.path]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Its temporary file appears once it writes; the signal comes while it does.
        let deadline = ContinuousClock.now + .seconds(60)
        var temporary: String?
        while temporary == nil && process.isRunning && ContinuousClock.now < deadline {
            temporary = try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix(".purchases.\(format).") }
            if temporary == nil { try await Task.sleep(for: .milliseconds(2)) }
        }
        #expect(temporary != nil, "the export ended before its temporary file was seen")
        kill(process.processIdentifier, SIGTERM)
        #expect(await awaitExit(process, timeout: .seconds(60)))
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)

        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix("w.sqlite") }
        #expect(left == ["purchases.\(format)"])
        #expect(try String(contentsOf: out, encoding: .utf8) == "earlier export\n")
    }
}
