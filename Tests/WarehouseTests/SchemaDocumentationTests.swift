import Foundation
import GRDB
import Testing
import TestSupport
@testable import Warehouse

/// docs/schema.md is the analysts' map of the file: every table and view a migrated warehouse
/// holds is named there, so a migration cannot add one without documenting it.
@Suite struct SchemaDocumentationTests {
    static let schemaDoc = OwnershipTests.root.appendingPathComponent("docs/schema.md")

    @Test func everyTableAndViewIsDocumented() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        let queue = warehouse.queue
        let names = try queue.read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        #expect(names.count > 10)
        let doc = try String(contentsOf: Self.schemaDoc, encoding: .utf8)
        let words = Set(doc.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
        let missing = names.filter { !words.contains($0) }
        #expect(missing == [], "docs/schema.md does not name: \(missing.joined(separator: ", "))")
    }
}
