import Configuration
import Foundation
import Warehouse

/// Where `nightly` keeps a backup after each run that committed: `BILLWH_BACKUP_DIR`, with
/// the newest `BILLWH_BACKUP_KEEP` copies kept (default 7).
package struct BackupSettings: Sendable, Equatable {
    package static let defaultKeep = 7
    package var directory: String
    package var keep: Int

    package init(directory: String, keep: Int = defaultKeep) {
        self.directory = directory
        self.keep = keep
    }
}

extension Settings {
    static func backup(_ config: ConfigReader) throws -> BackupSettings? {
        // Read with or without a folder: a value that does not parse is refused now, not on the
        // day backups are turned on.
        let keep = try wholeNumber(config, ["billwh", "backup", "keep"], variable: "BILLWH_BACKUP_KEEP",
                                   default: BackupSettings.defaultKeep, range: 1...10_000, unit: "copies")
        guard let directory = config.string(forKey: ["billwh", "backup", "dir"]), !directory.isEmpty else { return nil }
        return BackupSettings(directory: directory, keep: keep)
    }

    static func fileAccess(_ config: ConfigReader) throws -> FileAccess {
        guard let group = config.string(forKey: ["billwh", "file", "group"]), !group.isEmpty else { return .ownerDefault }
        do { return try FileAccess.from(environment: ["BILLWH_FILE_GROUP": group]) } catch {
            throw SettingsError.invalid("\(error)")
        }
    }
}
