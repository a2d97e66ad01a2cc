import Testing
@testable import Pipeline

@Suite struct OperationsSettingsTests {
    @Test func backupFolderKeepAndMetricsComeFromTheEnvironment() async throws {
        let settings = try await Settings.load(environment: [
            "BILLWH_BACKUP_DIR": "/var/backups/billwh", "BILLWH_BACKUP_KEEP": "3", "BILLWH_METRICS_FILE": "/m/billwh.prom",
        ])
        #expect(settings.backup == BackupSettings(directory: "/var/backups/billwh", keep: 3))
        #expect(settings.metricsFile == "/m/billwh.prom")
        #expect(try await Settings.load(environment: [:]).backup == nil)
    }

    @Test func badValuesSayWhatToDo() async {
        await #expect(throws: SettingsError.self) { try await Settings.load(environment: ["BILLWH_BACKUP_DIR": "/b", "BILLWH_BACKUP_KEEP": "0"]) }
        do {
            _ = try await Settings.load(environment: ["BILLWH_FILE_GROUP": "no-such-group-billwh"])
            Issue.record("an unknown group was accepted")
        } catch {
            #expect("\(error)".contains("groupadd no-such-group-billwh"))
        }
    }
}

@Suite struct IngestSettingsTests {
    @Test func theLargestDocumentComesFromTheEnvironment() async throws {
        #expect(try await Settings.load(environment: ["BILLWH_MAX_DOCUMENT_MB": "64"]).maxDocumentBytes == 64 << 20)
        #expect(try await Settings.load(environment: [:]).maxDocumentBytes == 512 << 20)
        for bad in ["0", "x", "5000", "-1"] {
            do {
                _ = try await Settings.load(environment: ["BILLWH_MAX_DOCUMENT_MB": bad])
                Issue.record("BILLWH_MAX_DOCUMENT_MB=\(bad) was accepted")
            } catch {
                #expect("\(error)".contains("BILLWH_MAX_DOCUMENT_MB must be a whole number of MiB"))
            }
        }
    }
}
