import Foundation
import GRDB

public enum WarehouseError: Error, CustomStringConvertible {
    case missingDatabase(String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .missingDatabase(let path): "no warehouse at \(path): run `billwh migrate --db \(path)` or `billwh nightly` first, or pass --db"
        case .cannotCreate(let path, let reason): "cannot create the warehouse file \(path): \(reason)"
        }
    }
}

/// Opening the warehouse file the same way everywhere: owner-only permissions, WAL, foreign keys.
public enum WarehouseDatabase {
    /// `--db`, else `$BILLWH_DB`, else `./billwh.sqlite` (INTERFACE.md).
    public static func resolvePath(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["BILLWH_DB"], !env.isEmpty { return env }
        return "billwh.sqlite"
    }

    /// Opens (creating if needed) and migrates: every command that writes goes through here.
    public static func openForWriting(path: String) throws -> DatabaseQueue {
        try createOwnerOnly(path: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: config)
        _ = try Migrations.migrate(queue)
        return queue
    }

    /// Opens an existing warehouse without the right to change it (analysts' default).
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw WarehouseError.missingDatabase(path) }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// SQLite would create the file with the umask's permissions; the warehouse holds
    /// commercial data, so it is created readable by its owner only.
    static func createOwnerOnly(path: String) throws {
        if FileManager.default.fileExists(atPath: path) { return }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if fd < 0 {
            if errno == EEXIST { return }
            throw WarehouseError.cannotCreate(path, String(cString: strerror(errno)))
        }
        close(fd)
    }
}
