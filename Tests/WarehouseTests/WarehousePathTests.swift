import Foundation
import Testing
import TestSupport
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

    /// A file with a second name (a hard link) is refused for writing: SQLite would keep a WAL,
    /// and billwh a run lock, per name. Reading it is left alone, and one name again is fine.
    @Test func aFileWithTwoNamesIsNotWritten() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        try warehouse.queue.close()
        let alias = warehouse.folder.appendingPathComponent("alias.sqlite").path
        #expect(link(warehouse.path, alias) == 0)
        for path in [warehouse.path, alias] {
            #expect {
                try WarehouseDatabase.openForWriting(path: path)
            } throws: { error in
                guard case WarehouseError.severalNames(path, links: 2)? = error as? WarehouseError else { return false }
                return "\(error)".contains("-samefile \(path)")
            }
        }
        try WarehouseDatabase.openReadOnly(path: alias).close()
        #expect(unlink(alias) == 0)
        try WarehouseDatabase.openForWriting(path: warehouse.path).close()
    }
}

@Suite struct ByteCountTextTests {
    @Test func smallFilesAreNotZeroMegabytes() {
        #expect(byteCountText(999) == "999 bytes")
        #expect(byteCountText(999_424) == "999 kB")
        #expect(byteCountText(1_250_000) == "1.2 MB")
        #expect(byteCountText(41_900_000) == "41 MB")
    }
}
