import Foundation
import GRDB
import Pipeline
import PostgresNIO
@testable import Replica
import Reconciliation
import Testing
import VendorSandbox
import Warehouse

/// `billwh replicate` against a real PostgreSQL server (PostgresServer): the replica answers
/// the same queries as the warehouse after a first copy, a re-issue, a closed month, kill -9
/// and a server restart; analysts' role cannot write.
@Suite(.serialized, .enabled(if: PostgresServer.available, "Debian's postgresql is not installed: run scripts/setup"))
struct ReplicaEndToEndTests {
    /// Queries both engines answer alike (NULL and '' compare equal: CSV cannot tell them apart).
    static let comparisons = [
        "SELECT vendor, match_status, count(*) AS n, sum(cost_micros) AS cost, sum(sell_micros) AS sell, sum(margin_micros) AS margin FROM purchases GROUP BY vendor, match_status ORDER BY vendor, match_status",
        "SELECT vendor, direction, count(*) AS n, sum(amount_micros) AS amount, sum(vat_micros) AS vat FROM staging_lines GROUP BY vendor, direction ORDER BY vendor, direction",
        "SELECT purchase_id, vendor, invoice_id, invoice_date, customer_key, customer_number, customer_name, subscription_id, sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed, cost_micros, sell_micros, margin_micros, match_status, match_rule, match_candidates, match_group, outgoing_document, incoming_line_id, outgoing_line_id, crm_company_id, crm_company_name, adjusts_month, adjusts_purchase_ids, document_type, vat_micros FROM purchases ORDER BY purchase_id",
        "SELECT line_id, raw_id, vendor, endpoint, direction, document_key, document_date, document_type, currency, line_index, customer_key, customer_number, customer_name, subscription_id, row_hash, match_group, sku, description, quantity, quantity_norm, unit_price_micros, amount_micros, vat_micros, period_start, period_end FROM staging_lines ORDER BY line_id",
        "SELECT vendor, endpoint, document_key, direction, document_date, current_raw_id, versions, stated_total_micros FROM documents ORDER BY vendor, endpoint, document_key",
        "SELECT ingest_id, run_id, vendor, endpoint, window_start, window_end, status, documents, lines, quarantined FROM ingest_runs ORDER BY ingest_id",
        "SELECT quarantine_id, vendor, endpoint, document_key, reason, content_sha256 FROM quarantine ORDER BY quarantine_id",
        "SELECT month, note FROM closed_months ORDER BY month",
        "SELECT event_id, month, action, reason FROM period_events ORDER BY event_id",
        "SELECT company_id, name, customer_numbers, date_modified FROM crm_companies ORDER BY company_id",
        "SELECT customer_number, company_id FROM crm_customer_numbers ORDER BY customer_number, company_id",
    ]

    struct Fixture {
        var harness: Harness
        let server: PostgresServer

        /// The sandbox's history backfilled and reconciled into a warehouse, and a PostgreSQL
        /// server to replicate it to.
        static func backfilled(twotcloud: Bool = true, copper: Bool = true) async throws -> Fixture {
            var harness = try await Harness.start(twotcloud: twotcloud)
            if copper { harness = harness.withCopper() }
            let fixture: Fixture
            do {
                fixture = Fixture(harness: harness, server: try PostgresServer.start())
            } catch {
                await harness.stop()
                throw error
            }
            do {
                _ = try await harness.backfillAndReconcile()
            } catch {
                await fixture.stop()
                throw error
            }
            return fixture
        }

        func stop() async {
            server.stop()
            await harness.stop()
        }

        var environment: [String: String] {
            ["BILLWH_REPLICA_PASSWORD_FILE": (try? server.passwordFile()) ?? ""]
        }

        func replicate(_ extra: [String] = [], schema: String = "billwh") async throws -> ProcessResult {
            try await runBillwh(["replicate", "--db", harness.databasePath, "--to", server.url, "--schema", schema] + extra,
                          environment: environment)
        }

        /// Starts `billwh replicate` without waiting for it.
        func launchReplicate(_ extra: [String] = []) throws -> Process {
            let process = Process()
            process.executableURL = try billwhBinary()
            process.arguments = ["replicate", "--db", harness.databasePath, "--to", server.url] + extra
            process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        /// Every comparison query through `billwh query` and through psql on the replica, as
        /// parsed CSV rows.
        func expectEqual(schema: String = "billwh", sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for sql in ReplicaEndToEndTests.comparisons {
                let sqlite = try await runBillwh(["query", sql, "--db", harness.databasePath, "--format", "csv"])
                #expect(sqlite.status == 0, "\(sqlite.stderr)", sourceLocation: sourceLocation)
                let pg = try server.psql("SET search_path TO \(schema); \(sql)")
                #expect(pg.status == 0, "\(pg.output)", sourceLocation: sourceLocation)
                let (left, right) = (try csvRows(sqlite.stdout), try csvRows(pg.output))
                #expect(left.count == right.count, "\(sql): \(left.count) rows in the warehouse, \(right.count) in the replica", sourceLocation: sourceLocation)
                if left != right {
                    let first = zip(left, right).first { $0 != $1 }
                    Issue.record("\(sql): the replica differs, first at \(String(describing: first))", sourceLocation: sourceLocation)
                }
            }
        }

        func pgScalar(_ sql: String, schema: String = "billwh") throws -> String {
            let result = try server.psql("SET search_path TO \(schema); \(sql)")
            return result.output.split(separator: "\n").dropFirst().first.map(String.init) ?? "<\(result.output)>"
        }
    }

    /// RFC 4180 rows (quoted fields, CRLF or LF): psql and billwh quote differently, alike once parsed.
    static func csvRows(_ text: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, wasQuoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append(c); characters.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true; wasQuoted = true
            } else if c == "," { row.append(field); field = ""; wasQuoted = false
            } else if c == "\r" { continue
            } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""; wasQuoted = false
            } else { field.unicodeScalars.append(c) }
        }
        if !field.isEmpty || wasQuoted || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test func demoDataReplicatesWithExactTypesAndEqualAnswers() async throws {
        let fixture = try await Fixture.backfilled()
        try await stopping(fixture) {
            let first = try await fixture.replicate(["--with-raw"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("whole copy: first replicate"))
            #expect(!first.stderr.contains(fixture.server.password) && !first.stdout.contains(fixture.server.password))
            try await fixture.expectEqual()

            // Exact types: BIGINT micros, DATE, NUMERIC quantities as sent, BYTEA raw.
            let types = try fixture.server.psql("""
                SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
                WHERE table_schema = 'billwh' AND (table_name, column_name) IN (('purchases', 'cost_micros'), ('purchases', 'invoice_date'),
                    ('purchases', 'quantity_bought'), ('raw_documents', 'payload'), ('staging_lines', 'quantity'), ('purchases_readable', 'cost'))
                ORDER BY 1
                """).output
            for expected in ["purchases.cost_micros bigint", "purchases.invoice_date date", "purchases.quantity_bought numeric",
                             "raw_documents.payload bytea", "staging_lines.quantity numeric", "purchases_readable.cost numeric"] {
                #expect(types.contains(expected), "\(types)")
            }
            // Raw payloads byte for byte: their SHA-256 is the one the warehouse recorded.
            #expect(try fixture.pgScalar("SELECT count(*) FROM raw_documents WHERE encode(sha256(payload), 'hex') <> content_sha256") == "0")
            #expect(try fixture.pgScalar("SELECT count(*) FROM raw_documents") == String(try fixture.harness.scalar("SELECT count(*) FROM raw_documents")))
            // The readable view's NUMERIC amounts sum to the micros exactly.
            let micros = try fixture.harness.scalar("SELECT sum(cost_micros) FROM purchases")
            let readable = try fixture.pgScalar("SELECT sum(cost) * 1000000 = \(micros) FROM purchases_readable")
            #expect(readable == "t")
            // Secrets and internal queues stay behind.
            let tables = Set(try fixture.server.psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'billwh'").output
                .split(separator: "\n").map(String.init))
            #expect(tables.contains("purchases") && tables.contains("crm_companies"), "\(tables)")
            for hidden in ["reconcile_queue", "reconcile_queue_groups", "replica_changes", "replica_consumers", "runs", "schema_migrations"] {
                #expect(!tables.contains(hidden), "\(tables)")
            }

            // Nothing changed: nothing but the small tables is written again.
            let again = try await fixture.replicate(["--with-raw"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("0 changes"), "\(again.stderr)")
            #expect(!again.stderr.contains("purchases "), "\(again.stderr)")
            try await fixture.expectEqual()

            // Without --with-raw the replica drops the raw documents.
            #expect(try await fixture.replicate().status == 0)
            #expect(try fixture.pgScalar("SELECT count(*) FROM raw_documents") == "0")
        }
    }

    /// Rows changed by hand in the replica are outside the warehouse's change log: the next
    /// incremental run leaves them, `--full` copies the warehouse again and the replica is equal.
    @Test func aReplicaChangedByHandIsMadeEqualByAFullCopy() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            #expect(try await fixture.replicate().status == 0)
            let edit = try fixture.server.psql("SET search_path TO billwh; DELETE FROM purchases WHERE purchase_id IN (SELECT purchase_id FROM purchases ORDER BY purchase_id LIMIT 5); UPDATE staging_lines SET amount_micros = amount_micros + 1 WHERE line_id = (SELECT min(line_id) FROM staging_lines)")
            #expect(edit.status == 0, "\(edit.output)")
            let purchases = try fixture.harness.scalar("SELECT count(*) FROM purchases")
            #expect(try await fixture.replicate().status == 0)
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases") == String(purchases - 5))
            let full = try await fixture.replicate(["--full"])
            #expect(full.status == 0, "\(full.stderr)")
            #expect(full.stderr.contains("--full"), "\(full.stderr)")
            try await fixture.expectEqual()
            // `--to` without `--schema` takes BILLWH_REPLICA_SCHEMA: one schema per warehouse,
            // never the default one another warehouse may be using.
            let fromEnvironment = try await runBillwh(["replicate", "--db", fixture.harness.databasePath, "--to", fixture.server.url],
                                                      environment: fixture.environment.merging(["BILLWH_REPLICA_SCHEMA": "from_env"]) { $1 })
            #expect(fromEnvironment.status == 0 && fromEnvironment.stderr.contains("/from_env:"), "\(fromEnvironment.stderr)")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases", schema: "from_env") == String(purchases))
        }
    }

    /// A write through `billwh query --write` bypasses the change log: the next replicate copies
    /// the warehouse whole instead of reporting nothing to do, and the one after is incremental.
    @Test func aWarehouseChangedByHandIsCopiedWhole() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            #expect(try await fixture.replicate().status == 0)
            let harness = fixture.harness
            let read = try await runBillwh(["query", "--db", harness.databasePath, "SELECT count(*) FROM purchases"])
            #expect(read.status == 0)
            #expect(try await fixture.replicate().stderr.contains("copying the whole warehouse") == false)
            let edit = try await runBillwh(["query", "--write", "--db", harness.databasePath,
                                            "DELETE FROM purchases WHERE purchase_id IN (SELECT purchase_id FROM purchases ORDER BY purchase_id LIMIT 5)"])
            #expect(edit.status == 0, "\(edit.stderr)")
            let copy = try await fixture.replicate()
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(copy.stderr.contains("written by hand"), "\(copy.stderr)")
            try await fixture.expectEqual()
            let next = try await fixture.replicate()
            #expect(next.status == 0 && !next.stderr.contains("copying the whole warehouse"), "\(next.stderr)")
        }
    }

    @Test func aReissueAndItsReconcileShowAsDeletionsInTheReplica() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            let harness = fixture.harness
            #expect(try await fixture.replicate().status == 0)
            let target = try #require(harness.sandbox.copacoData.documents(.invoices, from: "2026-01-01", to: "2026-10-31").first)
            let oldLines = try harness.read { try Int64.fetchAll($0, sql: "SELECT line_id FROM staging_lines WHERE document_key = ?", arguments: [target.invoiceID]) }
            let oldPurchases = try harness.read { try Int64.fetchAll($0, sql: "SELECT purchase_id FROM purchases WHERE invoice_id = ?", arguments: [target.invoiceID]) }
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            // The nightly hook: BILLWH_REPLICA_URL set, `nightly` replicates after its run.
            let env = harness.environment.merging(fixture.environment) { $1 }
                .merging(["BILLWH_REPLICA_URL": fixture.server.url, "BILLWH_LOOKBACK_DAYS": "1200"]) { $1 }
            let nightly = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(nightly.status == 0, "\(nightly.stderr)")
            #expect(nightly.stderr.contains("replica postgres://billwh_admin@127.0.0.1"), "\(nightly.stderr)")
            #expect(!nightly.stderr.contains(fixture.server.password))
            try await fixture.expectEqual()
            let ids = { (list: [Int64]) in list.map(String.init).joined(separator: ",") }
            // The old version's lines and the rebuilt groups' purchases left both sides alike.
            #expect(try fixture.pgScalar("SELECT count(*) FROM staging_lines WHERE line_id IN (\(ids(oldLines))) AND document_key = '\(target.invoiceID)'")
                    == String(try harness.scalar("SELECT count(*) FROM staging_lines WHERE line_id IN (\(ids(oldLines))) AND document_key = '\(target.invoiceID)'")))
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases WHERE purchase_id IN (\(ids(oldPurchases)))")
                    == String(try harness.scalar("SELECT count(*) FROM purchases WHERE purchase_id IN (\(ids(oldPurchases)))")))
            #expect(try fixture.pgScalar("SELECT count(*) FROM staging_lines WHERE line_id IN (\(ids(oldLines)))") == "0")
            #expect(try fixture.pgScalar("SELECT count(*) FROM staging_lines WHERE document_key = '\(target.invoiceID)'")
                    == String(try harness.scalar("SELECT count(*) FROM staging_lines WHERE document_key = '\(target.invoiceID)'")))
            #expect(try fixture.pgScalar("SELECT versions FROM documents WHERE document_key = '\(target.invoiceID)'") == "2")

            // A full reconcile deletes and rebuilds every row: still equal.
            _ = try harness.runner.reconcile(full: true)
            let full = try await fixture.replicate()
            #expect(full.status == 0, "\(full.stderr)")
            try await fixture.expectEqual()
        }
    }

    @Test func aClosedMonthAndItsAdjustments() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            let harness = fixture.harness
            #expect(try await runBillwh(["close", "--db", harness.databasePath, "--month", "2026-03"]).status == 0)
            #expect(try await fixture.replicate().status == 0)
            try await fixture.expectEqual()
            let target = try #require(harness.sandbox.copacoData.documents(.invoices, from: "2026-03-01", to: "2026-03-31").first)
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            _ = try await harness.backfillAndReconcile()
            let adjustments = try harness.scalar("SELECT count(*) FROM purchases WHERE adjusts_month = '2026-03'")
            #expect(adjustments > 0)
            let after = try await fixture.replicate()
            #expect(after.status == 0, "\(after.stderr)")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases WHERE adjusts_month = '2026-03'") == String(adjustments))
            try await fixture.expectEqual()
            // Reopening takes the adjustments away again.
            #expect(try await runBillwh(["reopen", "--db", harness.databasePath, "--month", "2026-03", "--reason", "re-issued"]).status == 0)
            #expect(try await fixture.replicate().status == 0)
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases WHERE adjusts_month IS NOT NULL") == "0")
            try await fixture.expectEqual()
        }
    }

    @Test func killedAtRandomPointsOrCutByARestartThenConverges() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: true, copper: false)
        try await stopping(fixture) {
            let harness = fixture.harness
            // How long a whole copy takes here, to spread the kills over it.
            let clock = ContinuousClock()
            let started = clock.now
            #expect(try await fixture.replicate(["--with-raw"]).status == 0)
            let took = clock.now - started
            var random = SplitMix64(seed: 2026)
            let target = try #require(harness.sandbox.copacoData.documents(.invoices, from: "2026-01-01", to: "2026-10-31").dropFirst(3).first)
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            _ = try await harness.backfillAndReconcile()
            for round in 0..<6 {
                // Even rounds start from a stale schema of another warehouse (a whole copy), odd
                // ones from the incremental change.
                // (--full: without it, another warehouse's copy is left as it is.)
                let arguments = round % 2 == 0 ? ["--with-raw", "--full"] : ["--with-raw"]
                if round % 2 == 0 {
                    #expect(try fixture.server.psql("UPDATE billwh.replica_state SET warehouse_id = 'other'").status == 0)
                }
                let process = try fixture.launchReplicate(arguments)
                let delay = Double(random.next() % 1000) / 1000 * took.seconds
                try await Task.sleep(for: .seconds(delay))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let rerun = try await fixture.replicate(arguments)
                #expect(rerun.status == 0, "round \(round) after \(delay) s: \(rerun.stderr)")
                try await fixture.expectEqual()
            }

            // A server restart in the middle of a whole copy.
            #expect(try fixture.server.psql("UPDATE billwh.replica_state SET warehouse_id = 'other'").status == 0)
            let process = try fixture.launchReplicate(["--with-raw", "--full"])
            try await Task.sleep(for: took / 3)
            try fixture.server.restart()
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!process.isRunning)
            let rerun = try await fixture.replicate(["--with-raw", "--full"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            try await fixture.expectEqual()
            #expect(try fixture.pgScalar("SELECT count(*) FROM raw_documents") == String(try harness.scalar("SELECT count(*) FROM raw_documents")))
        }
    }

    @Test func aSecondReplicateExits75AndAnOlderReplicaIsUpgradedInPlace() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            let configuration = PostgresConnection.Configuration(
                host: "127.0.0.1", port: fixture.server.port, username: fixture.server.superuser, password: fixture.server.password,
                database: "postgres", tls: .disable)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: fixture.harness.logs.logger)
            // An older billwh's replica: schema version 1 only (no readable views).
            try await connection.query("BEGIN", logger: fixture.harness.logs.logger)
            try await ReplicaSchema.upgrade(connection, schema: try SchemaName("reseller_a"), upTo: 1, logger: fixture.harness.logs.logger)
            try await connection.query("COMMIT", logger: fixture.harness.logs.logger)
            #expect(try fixture.server.psql("SELECT count(*) FROM reseller_a.purchases_readable").status != 0)
            try await connection.query("SELECT pg_advisory_lock(hashtextextended('billwh replicate reseller_a', 0))", logger: fixture.harness.logs.logger)
            let busy = try await fixture.replicate(schema: "reseller_a")
            #expect(busy.status == 75, "\(busy.stderr)")
            #expect(busy.stderr.contains("another billwh replicate") && busy.stderr.contains("server process"), "\(busy.stderr)")
            try await connection.query("SELECT pg_advisory_unlock_all()", logger: fixture.harness.logs.logger)
            try await connection.close()
            let upgraded = try await fixture.replicate(schema: "reseller_a")
            #expect(upgraded.status == 0, "\(upgraded.stderr)")
            try await fixture.expectEqual(schema: "reseller_a")
            #expect(try fixture.pgScalar("SELECT max(version) FROM replica_ddl", schema: "reseller_a") == String(ReplicaSchema.latest))
            // An older replica holding rows: back to version 1 (no export columns, no views). The
            // upgrade adds the columns and fills them by copying the warehouse whole.
            let downgrade = try fixture.server.psql("""
                SET search_path TO reseller_a; DROP VIEW purchases_export; DROP VIEW purchases_readable; DROP VIEW staging_lines_readable;
                ALTER TABLE purchases DROP COLUMN document_type, DROP COLUMN vat_micros; ALTER TABLE quarantine DROP COLUMN kind;
                DELETE FROM replica_ddl WHERE version > 1;
                """)
            #expect(downgrade.status == 0, "\(downgrade.output)")
            let refilled = try await fixture.replicate(schema: "reseller_a")
            #expect(refilled.status == 0, "\(refilled.stderr)")
            #expect(refilled.stderr.contains("upgraded from version 1"), "\(refilled.stderr)")
            try await fixture.expectEqual(schema: "reseller_a")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases_export WHERE document_type IS NULL", schema: "reseller_a") == "0")
            // Bad usage is 64; a wrong password names what to check without printing it.
            #expect(try await fixture.replicate(schema: "Bad-Name").status == 64)
            let wrong = try await runBillwh(["replicate", "--db", fixture.harness.databasePath,
                                       "--to", "postgres://billwh_admin:not-it@127.0.0.1:\(fixture.server.port)/postgres?sslmode=disable"])
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("password") && !wrong.stderr.contains("not-it"), "\(wrong.stderr)")
        }
    }

    /// Restored from a backup, the warehouse is still the replica's: the next replicate copies
    /// it whole (its rows may be older than the replica's) and exits 0, and later ones go on
    /// by its changes; another warehouse is still refused.
    @Test func aRestoredWarehouseIsCopiedWholeNotRefused() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            let db = fixture.harness.databasePath
            #expect(try await fixture.replicate().status == 0)
            let backups = fixture.harness.directory.appendingPathComponent("backups").path
            let backup = try await runBillwh(["backup", "--db", db, "--to", backups])
            #expect(backup.status == 0, "\(backup.stderr)")
            let restore = try await runBillwh(["restore", "--db", db, "--from", backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
            #expect(restore.status == 0, "\(restore.stderr)")
            let whole = try await fixture.replicate()
            #expect(whole.status == 0 && whole.stderr.contains("restored from a backup since"), "\(whole.stderr)")
            try await fixture.expectEqual()
            let again = try await fixture.replicate()
            #expect(again.status == 0 && !again.stderr.contains("copying the whole warehouse"), "\(again.stderr)")
            try await fixture.expectEqual()
        }
    }

    /// What a mistyped --db or --schema must not do: a missing warehouse is refused (it used to
    /// be created empty and copied over the replica), another warehouse's copy is left as it is
    /// (exit 1, naming --full), and a failed first replicate leaves no registered replica that
    /// would keep the change log from being pruned.
    @Test func aMistypedDatabaseOrSchemaLeavesAnotherReplicaAsItIs() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            #expect(try await fixture.replicate().status == 0)
            let purchases = try fixture.pgScalar("SELECT count(*) FROM purchases")
            #expect(purchases != "0")
            let typo = fixture.harness.directory.appendingPathComponent("typo.sqlite").path
            let missing = try await runBillwh(["replicate", "--db", typo, "--to", fixture.server.url, "--schema", "billwh"],
                                              environment: fixture.environment)
            #expect(missing.status == 1 && missing.stderr.contains("no warehouse at \(typo)"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo))

            let other = fixture.harness.directory.appendingPathComponent("other.sqlite").path
            #expect(try await runBillwh(["migrate", "--db", other]).status == 0)
            let refused = try await runBillwh(["replicate", "--db", other, "--to", fixture.server.url, "--schema", "billwh"],
                                              environment: fixture.environment)
            #expect(refused.status == 1 && refused.stderr.contains("holds the copy of another warehouse")
                    && refused.stderr.contains("--full"), "\(refused.stderr)")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases") == purchases)
            let replaced = try await runBillwh(["replicate", "--db", other, "--to", fixture.server.url, "--schema", "billwh", "--full"],
                                               environment: fixture.environment)
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases") == "0")
            // Back to this warehouse, with a view someone dropped put back by --full.
            #expect(try fixture.server.psql("DROP VIEW billwh.purchases_readable").status == 0)
            let back = try await fixture.replicate(["--full"])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(try fixture.pgScalar("SELECT count(*) FROM purchases_readable") == purchases)
            try await fixture.expectEqual()

            let unreachable = try await runBillwh(["replicate", "--db", fixture.harness.databasePath, "--schema", "billwh",
                                                   "--to", "postgres://billwh@127.0.0.1:1/warehouse?sslmode=disable"],
                                                  environment: fixture.environment)
            #expect(unreachable.status == 1, "\(unreachable.stderr)")
            let consumers = try await runBillwh(["query", "--db", fixture.harness.databasePath, "--format", "csv",
                                                 "SELECT count(*) AS n FROM replica_consumers WHERE target LIKE '127.0.0.1:1/%'"])
            #expect(consumers.stdout.split(whereSeparator: \.isNewline) == ["n", "0"], "\(consumers.stdout)")
            // A replica that is gone can be forgotten, without a call to its server.
            let registered = "SELECT count(*) AS n FROM replica_consumers"
            let before = try await runBillwh(["query", "--db", fixture.harness.databasePath, "--format", "csv", registered])
            let forget = try await runBillwh(["replicate", "--db", fixture.harness.databasePath, "--schema", "billwh", "--forget",
                                              "--to", "postgres://billwh@127.0.0.1:1/warehouse?sslmode=disable"], environment: fixture.environment)
            #expect(forget.status == 0 && forget.stderr.contains("was not a registered replica"), "\(forget.stderr)")
            let forgotten = try await runBillwh(["replicate", "--db", fixture.harness.databasePath, "--schema", "billwh", "--forget",
                                                 "--to", fixture.server.url], environment: fixture.environment)
            #expect(forgotten.status == 0 && forgotten.stderr.contains("forgotten"), "\(forgotten.stderr)")
            let after = try await runBillwh(["query", "--db", fixture.harness.databasePath, "--format", "csv", registered])
            #expect(Int(after.stdout.split(whereSeparator: \.isNewline).last ?? "") == Int(before.stdout.split(whereSeparator: \.isNewline).last ?? "")! - 1)
        }
    }

    /// A server with TLS on and a self-signed certificate (Debian's default): prefer and require
    /// encrypt without checking it, as libpq does; verify-full refuses it, saying what to do,
    /// and accepts it with sslrootcert naming the certificate.
    @Test func tlsModesAsLibpqMeansThem() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            let certificate = try fixture.server.enableTLS()
            let base = "postgres://\(fixture.server.superuser)@127.0.0.1:\(fixture.server.port)/postgres"
            func replicate(_ url: String) async throws -> ProcessResult {
                try await runBillwh(["replicate", "--db", fixture.harness.databasePath, "--to", url], environment: fixture.environment)
            }
            for url in [base, base + "?sslmode=require"] {
                let run = try await replicate(url)
                #expect(run.status == 0, "\(url): \(run.stderr)")
            }
            let ssl = try fixture.server.psql("SELECT count(*) FROM pg_stat_ssl WHERE ssl")
            #expect(ssl.status == 0, "\(ssl.output)")
            let unverified = try await replicate(base + "?sslmode=verify-full")
            #expect(unverified.status == 1 && unverified.stderr.contains("sslrootcert=FILE"), "\(unverified.stderr)")
            let verified = try await replicate(base + "?sslmode=verify-full&sslrootcert=\(certificate)")
            #expect(verified.status == 0, "\(verified.stderr)")
            try await fixture.expectEqual()
        }
    }

    /// A reader inside one transaction (a BI tool's report of several queries) sees the replica
    /// as it was when the transaction began while a replicate commits: rows are deleted, not
    /// truncated (TRUNCATE is not MVCC-safe), and the replicate does not wait for the reader.
    @Test func aReaderInsideATransactionKeepsItsSnapshotWhileAReplicateCommits() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            #expect(try await fixture.replicate().status == 0)
            let runs = try fixture.pgScalar("SELECT count(*) FROM ingest_runs")
            let configuration = PostgresConnection.Configuration(
                host: "127.0.0.1", port: fixture.server.port, username: fixture.server.superuser, password: fixture.server.password,
                database: "postgres", tls: .disable)
            let logger = fixture.harness.logs.logger
            let reader = try await PostgresConnection.connect(configuration: configuration, id: 11, logger: logger)
            try await reader.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
            _ = try await reader.query("SELECT count(*) FROM billwh.purchases", logger: logger).collect()
            for extra in [[], ["--full"]] {
                let again = try await fixture.replicate(extra)
                #expect(again.status == 0, "\(again.stderr)")
                var seen = -1
                for try await count in try await reader.query("SELECT count(*)::int FROM billwh.ingest_runs", logger: logger).decode(Int.self) {
                    seen = count
                }
                #expect(String(seen) == runs, "after replicate \(extra)")
            }
            try await reader.query("COMMIT", logger: logger)
            try await reader.close()
        }
    }

    /// The schema's DDL and the first copy commit together: a first replicate that fails part
    /// way leaves no tables for an analyst to read as an empty warehouse.
    @Test func aFirstReplicateThatFailsLeavesNoEmptyTables() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            // Someone's own table where a later DDL version puts a view: that version fails,
            // after the tables of the earlier ones were created.
            #expect(try fixture.server.psql("CREATE SCHEMA reseller_b; CREATE TABLE reseller_b.purchases_export (x int)").status == 0)
            let failed = try await fixture.replicate(schema: "reseller_b")
            #expect(failed.status == 1, "\(failed.stderr)")
            #expect(failed.stderr.contains("purchases_export"), "\(failed.stderr)")
            let tables = try fixture.server.psql("""
                SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'reseller_b'
                """)
            #expect(tables.output.split(separator: "\n").dropFirst().first == "purchases_export", "\(tables.output)")
            #expect(try fixture.server.psql("DROP TABLE reseller_b.purchases_export").status == 0)
            let first = try await fixture.replicate(schema: "reseller_b")
            #expect(first.status == 0, "\(first.stderr)")
            try await fixture.expectEqual(schema: "reseller_b")
        }
    }

    @Test func theAnalystRoleReadsButCannotWrite() async throws {
        let fixture = try await Fixture.backfilled(twotcloud: false, copper: false)
        try await stopping(fixture) {
            #expect(try await fixture.replicate().status == 0)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts/replica-analyst-role.sql").path
            let setup = try fixture.server.psqlFile(script, variables: ["role": "analyst_a", "schemas": "billwh"])
            #expect(setup.status == 0 && setup.output.contains("\\password analyst_a"), "\(setup.output)")
            // The password is the administrator's to set (psql's \password, in real life).
            #expect(try fixture.server.psql("ALTER ROLE analyst_a PASSWORD 'analyst-pw'").status == 0)
            // Twice: the script is idempotent, and keeps the password.
            #expect(try fixture.server.psqlFile(script, variables: ["role": "analyst_a", "schemas": "billwh"]).status == 0)
            let read = try fixture.server.psql("SELECT count(*) FROM billwh.purchases_readable", user: "analyst_a", password: "analyst-pw")
            #expect(read.status == 0, "\(read.output)")
            #expect(read.output.contains(String(try fixture.harness.scalar("SELECT count(*) FROM purchases"))))
            for write in ["DELETE FROM billwh.purchases", "UPDATE billwh.purchases SET cost_micros = 0",
                          "INSERT INTO billwh.closed_months VALUES ('2000-01', now(), NULL)", "CREATE TABLE billwh.mine (x int)",
                          "TRUNCATE billwh.staging_lines", "CREATE TABLE public.mine (x int)"] {
                let attempt = try fixture.server.psql(write, user: "analyst_a", password: "analyst-pw")
                #expect(attempt.status != 0, "\(write) was allowed")
                // Even a session that turns read-only transactions off has no privilege to write.
                let readWrite = try fixture.server.psql(write, user: "analyst_a", password: "analyst-pw",
                                                        options: "-c default_transaction_read_only=off")
                #expect(readWrite.status != 0, "\(write) was allowed")
                #expect(readWrite.output.contains("permission denied"), "\(write): \(readWrite.output)")
            }
            // Tables a later replicate creates are readable too (default privileges).
            #expect(try fixture.server.psql("SELECT count(*) FROM billwh.replica_state", user: "analyst_a", password: "analyst-pw").status == 0)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
