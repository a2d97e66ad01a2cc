import Foundation
import Ingestion
import Warehouse

/// Where an endpoint stands in its vendor's API lifecycle. Copaco's policy: Stable endpoints
/// only gain fields; Beta and Development ones may rename, remove or replace fields at any
/// time; a Stable version is deprecated and shut down six months later (End-of-life).
package enum LifecycleStatus: String, Sendable, CaseIterable {
    case stable = "Stable"
    case beta = "Beta"
    case development = "Development"
    case deprecated = "Deprecated"
    case endOfLife = "End-of-life"

    /// Parses a status as written in the override setting, ignoring case, spaces and dashes.
    package init?(parsing text: String) {
        let folded = text.lowercased().filter { $0.isLetter }
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased().filter { $0.isLetter } == folded }) else { return nil }
        self = match
    }
}

/// One endpoint's lifecycle entry.
package struct EndpointLifecycle: Sendable, Equatable {
    package var vendor: VendorID
    package var endpoint: String
    /// The API version it applies to; nil: every version.
    package var version: String?
    package var status: LifecycleStatus
    package var deprecatedOn: CalendarDate?
    package var endOfLife: CalendarDate?
    /// Where the entry comes from (the vendor's published table, or the user's setting).
    package var source: String

    package init(vendor: VendorID, endpoint: String, version: String?, status: LifecycleStatus,
                deprecatedOn: CalendarDate? = nil, endOfLife: CalendarDate? = nil, source: String) {
        self.vendor = vendor
        self.endpoint = endpoint
        self.version = version
        self.status = status
        self.deprecatedOn = deprecatedOn
        self.endOfLife = endOfLife
        self.source = source
    }

    /// What `nightly` should say before it calls the endpoint on `today`, if anything.
    package func warning(today: CalendarDate) -> String? {
        let name = "\(vendor)/\(endpoint) \(version ?? "")".trimmingCharacters(in: .whitespaces)
        if let endOfLife, endOfLife <= today {
            return "\(name) reached its end of life on \(endOfLife): the vendor may switch it off at any time; move to its successor version (BILLWH_\(vendor.rawValue.uppercased())_API_VERSION)"
        }
        if let endOfLife, endOfLife <= today.adding(days: Self.warningDays) {
            return "\(name) reaches its end of life on \(endOfLife), in \(endOfLife.daysSinceEpoch - today.daysSinceEpoch) days: move to its successor version (BILLWH_\(vendor.rawValue.uppercased())_API_VERSION) before then"
        }
        if status == .deprecated || status == .endOfLife {
            return "\(name) is \(status.rawValue)\(endOfLife.map { " (end of life \($0))" } ?? ""): plan the move to its successor version"
        }
        return nil
    }

    /// How long before an end of life `nightly` starts warning.
    package static let warningDays = 60
}

/// The lifecycle of every endpoint billwh calls, as the vendors publish it, with the user's
/// overrides (`BILLWH_ENDPOINT_LIFECYCLE`) on top: the day a vendor announces a deprecation, a
/// user records it without waiting for a new billwh.
package struct LifecycleRegistry: Sendable {
    package var entries: [EndpointLifecycle]

    package init(entries: [EndpointLifecycle]) { self.entries = entries }

    /// What billwh ships: Copaco's published table for the endpoints it calls; 2tCloud and
    /// Copper publish none, so their endpoints count as Stable.
    package static let published = LifecycleRegistry(entries: [
        EndpointLifecycle(vendor: .copaco, endpoint: CopacoConnector.invoicesName, version: "v1", status: .stable,
                          source: "Copaco's published lifecycle table"),
        EndpointLifecycle(vendor: .copaco, endpoint: CopacoConnector.customerSpecificationsName, version: "v1", status: .stable,
                          source: "Copaco's published lifecycle table"),
        EndpointLifecycle(vendor: .copaco, endpoint: CopacoConnector.exampleInvoicesName, version: "v1", status: .stable,
                          source: "Copaco's published lifecycle table"),
    ] + ["v1", "v2", "v3", "v4"].flatMap { version in
        // The versions 2tCloud's API has; another one is unknown, as for Copaco.
        [TwoTCloudConnector.invoicesName, TwoTCloudConnector.customerInvoicesName, TwoTCloudConnector.consolidatedName].map {
            EndpointLifecycle(vendor: .twotcloud, endpoint: $0, version: version, status: .stable,
                              source: "not published (legacy platform)")
        }
    } + [
        EndpointLifecycle(vendor: .copper, endpoint: "custom_field_definitions", version: "v1", status: .stable,
                          source: "not published"),
        EndpointLifecycle(vendor: .copper, endpoint: "companies", version: "v1", status: .stable,
                          source: "not published"),
    ])

    /// The entry for an endpoint at a version: the last one for that version or for every
    /// version (overrides come after the shipped entries, so they win). An endpoint at a
    /// version nobody has described is unknown (nil).
    package func lookup(_ vendor: VendorID, _ endpoint: String, version: String) -> EndpointLifecycle? {
        guard let entry = entries.last(where: {
            $0.vendor == vendor && $0.endpoint.lowercased() == endpoint.lowercased()
                && ($0.version == nil || $0.version?.lowercased() == version.lowercased())
        }) else { return nil }
        var found = entry
        found.version = version
        return found
    }

    /// The registry with the entries of an override setting added (later entries win):
    /// `vendor/endpoint[@version]=Status[,deprecated=YYYY-MM-DD][,eol=YYYY-MM-DD]`, separated by
    /// `;` or new lines, e.g. `copaco/invoices@v1=Deprecated,eol=2027-06-30`.
    package func overridden(by text: String) throws(LifecycleSettingError) -> LifecycleRegistry {
        var registry = self
        for item in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let entry = item.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            registry.entries.append(try Self.parse(entry))
        }
        return registry
    }

    static func parse(_ entry: String) throws(LifecycleSettingError) -> EndpointLifecycle {
        let form = "vendor/endpoint[@version]=Status[,deprecated=YYYY-MM-DD][,eol=YYYY-MM-DD]"
        guard let equals = entry.firstIndex(of: "=") else { throw LifecycleSettingError("\(entry): expected \(form)") }
        let target = entry[..<equals].trimmingCharacters(in: .whitespaces)
        let parts = entry[entry.index(after: equals)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let names = target.split(separator: "@", maxSplits: 1)
        let path = names[0].split(separator: "/", maxSplits: 1)
        guard path.count == 2, !path[0].isEmpty, !path[1].isEmpty else { throw LifecycleSettingError("\(entry): expected \(form)") }
        let vendor = VendorID(rawValue: path[0].lowercased())
        guard [VendorID.copaco, .twotcloud, .copper].contains(vendor) else {
            throw LifecycleSettingError("\(entry): unknown vendor \(path[0]) (copaco, twotcloud, copper)")
        }
        guard let statusText = parts.first, let status = LifecycleStatus(parsing: statusText) else {
            throw LifecycleSettingError("\(entry): the status must be one of \(LifecycleStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // An entry for an endpoint billwh does not call would never warn: a typo must not hide a deprecation.
        let known = published.entries.filter { $0.vendor == vendor }.map(\.endpoint).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard let endpoint = known.first(where: { $0.lowercased() == path[1].lowercased() }) else {
            throw LifecycleSettingError("\(entry): \(vendor) has no endpoint \(path[1]) that billwh calls (\(known.joined(separator: ", ")))")
        }
        var lifecycle = EndpointLifecycle(vendor: vendor, endpoint: endpoint, version: names.count == 2 ? String(names[1]) : nil,
                                          status: status, source: "BILLWH_ENDPOINT_LIFECYCLE")
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pair.count == 2, let date = CalendarDate(parsing: pair[1]) else {
                throw LifecycleSettingError("\(entry): \(part): expected deprecated=YYYY-MM-DD or eol=YYYY-MM-DD")
            }
            switch pair[0] {
            case "deprecated": lifecycle.deprecatedOn = date
            case "eol", "end-of-life", "endoflife": lifecycle.endOfLife = date
            default: throw LifecycleSettingError("\(entry): \(part): expected deprecated=YYYY-MM-DD or eol=YYYY-MM-DD")
            }
        }
        // Dates that contradict the status or each other: which one the vendor meant is a guess.
        if lifecycle.endOfLife != nil || lifecycle.deprecatedOn != nil, ![.deprecated, .endOfLife].contains(status) {
            throw LifecycleSettingError("\(entry): a deprecation or end-of-life date goes with Deprecated or End-of-life, not \(status.rawValue)")
        }
        if let deprecated = lifecycle.deprecatedOn, let end = lifecycle.endOfLife, deprecated > end {
            throw LifecycleSettingError("\(entry): deprecated on \(deprecated) is after the end of life \(end)")
        }
        return lifecycle
    }
}

package struct LifecycleSettingError: Error, CustomStringConvertible, Sendable {
    package var description: String
    init(_ description: String) { self.description = "BILLWH_ENDPOINT_LIFECYCLE: \(description)" }
}
