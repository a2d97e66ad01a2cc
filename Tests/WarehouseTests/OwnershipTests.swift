import Foundation
import GRDB
import Testing
import TestSupport
@testable import Warehouse

/// One owner per table: each table of the warehouse is written (INSERT, UPDATE, DELETE,
/// REPLACE) by the module docs/architecture.md names, and by no other. The check reads the SQL
/// in `Sources/` as text, so a new statement in the wrong module fails here before review.
@Suite struct OwnershipTests {
    /// Table → the modules that may write it (docs/architecture.md, "Who writes what").
    static let owners: [String: Set<String>] = [
        "schema_migrations": ["Warehouse"],
        "raw_documents": ["Ingestion"], "documents": ["Ingestion"], "staging_lines": ["Ingestion"],
        "quarantine": ["Ingestion"], "ingest_runs": ["Ingestion"], "vendor_fields": ["Ingestion"],
        "missing_documents": ["Ingestion"],
        "reconcile_queue": ["Warehouse"], "reconcile_queue_groups": ["Warehouse"],
        "purchases": ["Reconciliation"], "closed_months": ["Reconciliation"], "period_events": ["Reconciliation"],
        "runs": ["Pipeline"], "crm_companies": ["Vendors"], "crm_customer_numbers": ["Vendors"], "crm_publications": ["Vendors"],
        "crm_sync_state": ["Vendors"],
        "replica_warehouse": ["Warehouse"], "replica_consumers": ["Warehouse"], "replica_changes": ["Warehouse"],
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `(module, file, table)` for every write statement in the sources (migrations aside).
    static func writes(in sources: URL) throws -> [(module: String, file: String, table: String)] {
        let pattern = try Regex(#"(?i)\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+([a-z_]+)"#)
        var found: [(String, String, String)] = []
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        // Replica's statements write the PostgreSQL copy; it reads the warehouse from a
        // snapshot and logs through Warehouse's ReplicaChangeLog.
        for module in modules.sorted() where module != "Replica" {
            guard let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: sources.appendingPathComponent(module).appendingPathComponent(file), encoding: .utf8)
                for match in text.matches(of: pattern) {
                    if let table = match.output[1].substring { found.append((module, "\(module)/\(file)", String(table).lowercased())) }
                }
            }
        }
        return found
    }

    /// The tables of a freshly migrated warehouse.
    static func tables() throws -> Set<String> {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        let queue = warehouse.queue
        return Set(try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") })
    }

    static func violations(in sources: URL) throws -> [String] {
        let tables = try tables()
        return try writes(in: sources).filter { tables.contains($0.table) }.compactMap { write in
            let allowed = owners[write.table] ?? []
            return allowed.contains(write.module) ? nil
                : "\(write.file) writes \(write.table), which \(allowed.isEmpty ? "has no owner in docs/architecture.md" : "belongs to \(allowed.sorted().joined(separator: ", "))")"
        }
    }

    @Test func everyTableIsWrittenByItsOwnerOnly() throws {
        let violations = try Self.violations(in: Self.root.appendingPathComponent("Sources"))
        #expect(violations == [])
    }

    @Test func everyTableHasAnOwner() throws {
        #expect(try Self.tables().subtracting(Self.owners.keys).sorted() == [])
    }

    /// The check itself fails on a planted write in the wrong module.
    @Test func aWriteInTheWrongModuleIsCaught() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-owners-src-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = folder.appendingPathComponent("Export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try #"try db.execute(sql: "UPDATE purchases SET sell_micros = 0")"#.write(to: export.appendingPathComponent("Sneaky.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.violations(in: folder) == ["Export/Sneaky.swift writes purchases, which belongs to Reconciliation"])
    }
}
