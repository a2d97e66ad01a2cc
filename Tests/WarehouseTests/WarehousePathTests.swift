import Testing
@testable import Warehouse

/// `--db` and `$BILLWH_DB` name a file: SQLite's in-memory name and its URIs would take a run's
/// data nowhere, or to another file than the one locked.
@Suite struct WarehousePathTests {
    @Test func sqlitesSpecialNamesAreFileNames() throws {
        #expect(WarehouseDatabase.resolvePath(":memory:", environment: [:]) == "./:memory:")
        #expect(WarehouseDatabase.resolvePath("file:plain.sqlite?mode=memory", environment: [:]) == "./file:plain.sqlite?mode=memory")
        #expect(WarehouseDatabase.resolvePath(nil, environment: ["BILLWH_DB": "file:w.sqlite"]) == "./file:w.sqlite")
        #expect(WarehouseDatabase.resolvePath("/srv/billwh/w.sqlite", environment: [:]) == "/srv/billwh/w.sqlite")
        #expect(WarehouseDatabase.resolvePath(nil, environment: [:]) == "billwh.sqlite")
    }
}
