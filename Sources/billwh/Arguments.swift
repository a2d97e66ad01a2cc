import ArgumentParser
import Export
import HTMLReport
import Ingestion
import Pipeline
import Reconciliation
import Replica
import VendorSandbox
import Warehouse

// Command-line values parsed once, at the edge, into the types the modules take.

extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) {
        guard let date = try? Self.argument(argument) else { return nil }
        self = date
    }

    /// The option's value, or why it is none (ArgumentParser shows the reason after its own
    /// "invalid value" line, where `init?(argument:)` could give none).
    static func argument(_ text: String) throws -> CalendarDate {
        if text.count == 10, let date = CalendarDate(parsing: text) { return date }
        let shape = text.count == 10 && text.enumerated().allSatisfy { index, character in
            index == 4 || index == 7 ? character == "-" : character.isASCII && character.isNumber
        }
        throw ValidationError(shape ? "no such day in the calendar" : "a date is YYYY-MM-DD, e.g. 2026-10-31")
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}

extension VendorID: ExpressibleByArgument {
    public init?(argument: String) {
        let vendor = VendorID(rawValue: argument.lowercased())
        guard Settings.knownVendors.contains(vendor) else { return nil }
        self = vendor
    }

    public static var allValueStrings: [String] { Settings.knownVendors.map(\.rawValue) }
}

/// `--since` / `--until`: an inclusive window of invoice dates.
struct DateRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First invoice date, YYYY-MM-DD (inclusive; without it, ingest reads the lookback window ending at --until, rederive everything up to it).", valueName: "date"),
            transform: CalendarDate.argument)
    var since: CalendarDate?
    @Option(help: ArgumentHelp("Last invoice date, YYYY-MM-DD (inclusive; default today).", valueName: "date"), transform: CalendarDate.argument)
    var until: CalendarDate?

    func validate() throws {
        if let since, let until, since > until { throw ValidationError("--since must not be after --until") }
    }

    /// The dates given; `--until` alone ends the window `start(until)` begins; nil for neither.
    func window(today: CalendarDate, withoutSince start: (CalendarDate) -> CalendarDate) -> DateWindow? {
        switch (since, until) {
        case (nil, nil): nil
        case (nil, let until?): DateWindow(start: start(until), end: until)
        case (let since?, let until): DateWindow(start: since, end: until ?? max(today, since))
        }
    }
}

/// `--port` of the servers: 0 (any free port) to 65535. Read unconditionally, so that
/// `--port -1` is refused as a port rather than taken for a missing value.
enum PortArgument {
    static func parse(_ text: String) throws -> Int {
        guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("a port is 0 (any free port) to 65535") }
        return port
    }
}

extension SandboxDrift: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension SandboxFault: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension Month: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension ReportLocale: ExpressibleByArgument {}

extension QueryFormat: ExpressibleByArgument {}

extension ExportFormat: ExpressibleByArgument {}

extension FailOnConditions: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

/// `report exceptions|margin --format`: the query formats a report offers.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case table, csv, json

    var queryFormat: QueryFormat {
        switch self {
        case .table: .table
        case .csv: .csv
        case .json: .json
        }
    }
}

extension Reports.MarginGrouping: ExpressibleByArgument {}

extension DateBasis: ExpressibleByArgument {}

extension SchemaName: ExpressibleByArgument {
    public init?(argument: String) {
        guard let name = try? SchemaName(argument) else { return nil }
        self = name
    }
}
