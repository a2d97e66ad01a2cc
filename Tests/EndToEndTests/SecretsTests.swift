import Foundation
import GRDB
import Pipeline
import Testing
import VendorSandbox
import Warehouse

/// Secrets never leak: one scan of everything `billwh` writes — stdout, stderr (the log, at
/// debug level), the in-process log, the database file and its WAL, the lock file, the export,
/// every table dumped through `query` — for every configured credential in every form it
/// travels in (the Copaco key, the 2tCloud key, `account:key`, its base64 Basic token), over the
/// error paths: retries, 401/403 advice, 400 messages of a vendor that echoes credentials,
/// quarantined documents and responses, secret files with wrong permissions, a redirect.
@Suite(.serialized) struct SecretsTests {
    final class Scan {
        var secrets: [String] = []
        var findings: [String] = []
        var scanned = 0

        func text(_ label: String, _ text: String) {
            scanned += 1
            for secret in secrets where text.contains(secret) { findings.append("\(label) holds \(secret.prefix(6))…") }
        }

        func bytes(_ label: String, _ data: Data) {
            scanned += 1
            for secret in secrets where data.range(of: Data(secret.utf8)) != nil { findings.append("\(label) holds \(secret.prefix(6))…") }
        }

        func file(_ path: String) {
            if let data = FileManager.default.contents(atPath: path) { bytes(path, data) }
        }

        func process(_ label: String, _ result: ProcessResult) {
            text("\(label) stdout", result.stdout)
            text("\(label) stderr", result.stderr)
        }
    }

    @Test func noConfiguredSecretAppearsInAnyOutputLogOrFile() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let account = harness.sandbox.configuration.twotcloudAccountID
            let copacoKey = harness.apiKey, twotcloudKey = harness.twotcloudKey
            let wrongCopaco = "wrong-copaco-\(UUID().uuidString)", wrongTwoTCloud = "wrong-2tcloud-\(UUID().uuidString)"
            func basic(_ key: String) -> String { Data("\(account):\(key)".utf8).base64EncodedString() }
            let scan = Scan()
            scan.secrets = [copacoKey, twotcloudKey, "\(account):\(twotcloudKey)", basic(twotcloudKey),
                            wrongCopaco, wrongTwoTCloud, "\(account):\(wrongTwoTCloud)", basic(wrongTwoTCloud)]
            let db = harness.databasePath
            var env = harness.environment
            env["BILLWH_LOG_LEVEL"] = "debug"
            env["BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED"] = "true"
            let faults = harness.sandbox.faults

            // Keep a reader open, so that the runs' WAL is not checkpointed away before it is read.
            _ = try await runBillwh(["migrate", "--db", db])
            let reader = try WarehouseDatabase.openReadOnly(path: db)
            _ = try await reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }

            // 1. Retries, quarantine (documents and a whole response), and vendors echoing the
            //    credentials they were sent in 400 messages.
            faults.failNext(2, status: 503)
            faults.rateLimitNext(1, retryAfter: "0", path: "/v2/")
            faults.truncateNext(1, mode: .chunked, path: "/api/v1/invoices")
            let corrupted = [harness.sandbox.copacoData.documents(.invoices, from: "2026-01-01", to: "2026-11-23")[1].invoiceID,
                             harness.sandbox.twotcloudData.documents(.invoices, from: "2026-01-01", to: "2026-11-23")[0].invoiceID]
            faults.corruptDocument(invoiceID: corrupted[0])
            faults.corruptDocument(invoiceID: corrupted[1], how: .missingHeader)
            faults.invalidJSONNext(1, path: "/v2/consolidatedinvoices")
            faults.failNext(1, status: 400, path: "/api/v1/customer-specifications",
                            message: "X-Api-Key \(copacoKey) is not valid for this window")
            faults.failNext(1, status: 400, path: "/v2/customerinvoices",
                            message: "bad Authorization 'Basic \(basic(twotcloudKey))' (\(account):\(twotcloudKey)); password \(twotcloudKey)")
            // A valid document whose text holds the credentials the request carried.
            let echoing = [harness.sandbox.copacoData.documents(.invoices, from: "2026-01-01", to: "2026-11-23")[2].invoiceID,
                           harness.sandbox.twotcloudData.documents(.invoices, from: "2026-01-01", to: "2026-11-23")[1].invoiceID]
            faults.corruptDocument(invoiceID: echoing[0], how: .companyNameEchoes("(X-Api-Key: \(copacoKey))"))
            faults.corruptDocument(invoiceID: echoing[1], how: .companyNameEchoes("(Basic \(basic(twotcloudKey)) = \(account):\(twotcloudKey))"))
            let echoed = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(echoed.status == 2, "\(echoed.stderr)")
            #expect(try harness.read { db in
                try String.fetchAll(db, sql: "SELECT document_key FROM quarantine WHERE reason LIKE '%holds this request''s credentials%' AND kind = 'redacted' ORDER BY vendor")
            } == echoing)
            // Rederive decodes the redacted copies fine, and must still not make them current: they
            // are no longer the vendor's bytes, and the quarantine is not the decoder's to lift.
            let rederived = try await runBillwh(["rederive", "--db", db], environment: env)
            #expect(rederived.stderr.contains("quarantined kept as they are"), "\(rederived.stderr)")
            #expect(try harness.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM quarantine WHERE reason LIKE '%holds this request''s credentials%' AND resolved_at IS NULL
                    """)
            } == echoing.count)
            #expect(try harness.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM raw_documents WHERE instr(payload, CAST('<redacted>' AS BLOB)) > 0")
            } == 0)
            scan.process("rederive after the echo", rederived)
            for id in echoing { faults.clearCorruption(invoiceID: id) }
            #expect(echoed.stderr.contains("retry") && echoed.stderr.contains("quarantined"), "\(echoed.stderr)")
            #expect(echoed.stderr.contains("HTTP 400") && echoed.stderr.contains("<redacted>"), "\(echoed.stderr)")
            scan.process("nightly with faults", echoed)

            // 2. 401 and 403 with wrong keys (advice, not echoes), and a 2tCloud key bound to another IP.
            var wrong = env
            wrong["BILLWH_COPACO_API_KEY"] = wrongCopaco
            wrong["BILLWH_TWOTCLOUD_API_KEY"] = wrongTwoTCloud
            let refused = try await runBillwh(["nightly", "--db", db], environment: wrong)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("BILLWH_COPACO_API_KEY") && refused.stderr.contains("BILLWH_TWOTCLOUD_API_KEY"))
            scan.process("nightly with wrong keys", refused)
            harness.sandbox.setTwoTCloudAllowedIP("203.0.113.7")
            let forbidden = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(forbidden.status == 2 && forbidden.stderr.contains("IP address"), "\(forbidden.stderr)")
            scan.process("nightly from another IP", forbidden)
            harness.sandbox.setTwoTCloudAllowedIP(nil)

            // 3. Secrets from files: refused while others can read them (the message names the file,
            //    not its content), used once owner-only (and the vendors fixed their documents).
            for id in corrupted { faults.clearCorruption(invoiceID: id) }
            var fromFiles = env
            for (name, value) in [("BILLWH_COPACO_API_KEY", copacoKey), ("BILLWH_TWOTCLOUD_API_KEY", twotcloudKey)] {
                let file = harness.directory.appendingPathComponent(name.lowercased())
                try Data((value + "\n").utf8).write(to: file)
                chmod(file.path, 0o644)
                fromFiles[name] = nil
                fromFiles[name + "_FILE"] = file.path
            }
            let openFiles = try await runBillwh(["nightly", "--db", db], environment: fromFiles)
            #expect(openFiles.status == 64 && openFiles.stderr.contains("chmod 600"), "\(openFiles.stderr)")
            scan.process("nightly with readable secret files", openFiles)
            for name in ["billwh_copaco_api_key", "billwh_twotcloud_api_key"] {
                chmod(harness.directory.appendingPathComponent(name).path, 0o600)
            }
            let fine = try await runBillwh(["nightly", "--db", db], environment: fromFiles)
            #expect(fine.status == 0, "\(fine.stderr)")
            scan.process("nightly with owner-only secret files", fine)

            // 4. A redirect to another host: not followed, so the key never gets there.
            let elsewhere = VendorSandbox(configuration: .demo(today: today.description))
            _ = try await elsewhere.start()
            faults.redirectNext(1, to: "\(elsewhere.baseURL)/api/v1/invoices?startDate=20261101&endDate=20261123", path: "/api/v1/invoices")
            let redirected = try await runBillwh(["ingest", "--vendor", "copaco", "--since", "2026-11-01", "--db", db], environment: env)
            #expect(redirected.status == 2 || redirected.status == 1, "\(redirected.stderr)")
            #expect(redirected.stderr.contains("redirects to \(elsewhere.baseURL)"), "\(redirected.stderr)")
            #expect(elsewhere.requestLog.isEmpty, "\(elsewhere.requestLog)")
            await elsewhere.stop()
            scan.process("ingest redirected", redirected)

            // 5. The same faults in-process: the captured log.
            faults.failNext(1, status: 503)
            faults.failNext(1, status: 400, path: "/api/v1/customer-specifications", message: "key=\(copacoKey)")
            _ = try await harness.runner.nightly()
            scan.text("in-process log", harness.logs.text)

            // 6. What the warehouse holds: the file, its WAL, the lock file, every table through
            //    `query`, `status`, the export.
            scan.file(db)
            let walExists = FileManager.default.fileExists(atPath: db + "-wal")
            #expect(walExists)
            scan.file(db + "-wal")
            scan.file(db + ".lock")
            let tables = try harness.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
            for table in tables {
                let dump = try await runBillwh(["query", "--db", db, "--format", "jsonl", "SELECT * FROM \(table)"])
                #expect(dump.status == 0, "\(dump.stderr)")
                scan.process("query \(table)", dump)
            }
            scan.process("status", try await runBillwh(["status", "--db", db]))
            let csv = harness.directory.appendingPathComponent("p.csv").path
            #expect(try await runBillwh(["export", "purchases", "--db", db, "--out", csv]).status == 0)
            scan.file(csv)
            _ = reader

            // The error paths were really taken, and their traces are in the warehouse.
            #expect(try harness.scalar("SELECT count(*) FROM quarantine") >= 3)
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE error LIKE '%<redacted>%'") >= 2)
            #expect(try harness.scalar("SELECT sum(retries) FROM ingest_runs") >= 3)
            #expect(scan.scanned > 20)
            #expect(scan.findings == [])
        }
    }
}
