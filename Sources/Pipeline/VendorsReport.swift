import Foundation
import GRDB
import Ingestion
import Vendors
import Warehouse

/// `billwh vendors`: every endpoint billwh calls, its API version, where it stands in the
/// vendor's lifecycle and when it last answered.
package enum VendorsReport {
    package struct Row: Sendable {
        package var vendor: VendorID
        package var endpoint: String
        package var path: String
        package var version: String
        package var configured: Bool
        /// What billwh uses it for.
        package var use: String
        package var lifecycle: EndpointLifecycle?
        package var lastSuccess: String?
        /// Why it is not called though its vendor is configured (an opt-in left off), if so.
        var off: String?
        /// The ledger's endpoint whose good runs count for this one: Copper's field definitions
        /// are read at the start of every companies run and have no runs of their own.
        var ledgerEndpoint: String?
    }

    /// The endpoints, with the versions the settings choose (the defaults for a vendor that is
    /// not configured).
    package static func rows(settings: Settings) -> [Row] {
        let copaco = CopacoConnector(settings: settings.copaco ?? CopacoConnector.Settings(apiKey: Secret("")))
        let twotcloud = TwoTCloudConnector(settings: settings.twotcloud ?? TwoTCloudConnector.Settings(accountID: "", apiKey: Secret("")))
        var rows: [Row] = []
        func add(_ vendor: VendorID, _ endpoint: Endpoint, configured: Bool, use: String, ledger: Endpoint? = nil) {
            rows.append(Row(vendor: vendor, endpoint: endpoint.name, path: endpoint.path, version: endpoint.version,
                            configured: configured, use: use,
                            lifecycle: settings.lifecycle.lookup(vendor, endpoint.name, version: endpoint.version),
                            ledgerEndpoint: ledger?.name))
        }
        add(.copaco, copaco.invoices, configured: settings.copaco != nil, use: "incoming (cost)")
        add(.copaco, copaco.customerSpecifications, configured: settings.copaco != nil, use: "outgoing (selling price)")
        add(.twotcloud, twotcloud.invoices, configured: settings.twotcloud != nil, use: "incoming (cost)")
        add(.twotcloud, twotcloud.customerInvoices, configured: settings.twotcloud != nil, use: "outgoing (selling price)")
        add(.twotcloud, twotcloud.consolidatedInvoices, configured: settings.twotcloud?.includeConsolidated ?? false,
            use: "cross-check, opt-in")
        if settings.twotcloud != nil && settings.twotcloud?.includeConsolidated != true {
            rows[rows.count - 1].off = "off (BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED)"
        }
        add(.copper, Endpoint(name: "custom_field_definitions", path: "/custom_field_definitions", version: "v1", direction: .crossCheck),
            configured: settings.copper != nil, use: "CRM field names", ledger: CopperSync.endpoint)
        add(.copper, CopperSync.endpoint, configured: settings.copper != nil, use: "CRM companies")
        return rows
    }

    /// Adds when each endpoint last answered, from the run ledger.
    package static func withLastSuccess(_ rows: [Row], _ db: Database) throws -> [Row] {
        try rows.map { row in
            var row = row
            row.lastSuccess = try String.fetchOne(db, sql: """
                SELECT max(finished_at) FROM ingest_runs
                WHERE vendor = ? AND endpoint = ? AND endpoint_version = ? AND status IN ('ok', 'partial')
                """, arguments: [row.vendor.rawValue, row.ledgerEndpoint ?? row.endpoint, row.version])
            return row
        }
    }

    package static func render(_ rows: [Row], today: CalendarDate) -> String {
        var out = TextTable.render(
            header: ["vendor", "endpoint", "version", "status", "deprecated", "end of life", "last success", "used", "source"],
            rows: rows.map { row in
                [row.vendor.rawValue, row.path, row.version, row.lifecycle?.status.rawValue ?? "unknown",
                 row.lifecycle?.deprecatedOn?.description ?? "-", row.lifecycle?.endOfLife?.description ?? "-",
                 row.lastSuccess ?? "never", row.configured ? row.use : row.off ?? "not configured", row.lifecycle?.source ?? "no entry"]
            })
        let warnings = rows.filter(\.configured).compactMap { $0.lifecycle?.warning(today: today) }
        for warning in warnings { out += "  ! \(warning)\n" }
        for row in rows where row.configured && row.lifecycle?.status == .development {
            out += "  ! \(row.vendor)/\(row.endpoint) \(row.version) is in Development: `nightly` refuses it unless BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS=true\n"
        }
        for row in rows where row.configured && row.lifecycle == nil {
            // 2tCloud's versions are known: another one is a typo more likely than a new version.
            let known = row.vendor == .twotcloud ? " (2tCloud's API has v1 to v4: check BILLWH_TWOTCLOUD_API_VERSION)" : ""
            out += "  ! \(row.vendor)/\(row.endpoint) \(row.version): no lifecycle entry for this version\(known); record it with BILLWH_ENDPOINT_LIFECYCLE\n"
        }
        return out
    }
}
