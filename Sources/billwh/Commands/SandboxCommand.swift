import ArgumentParser
import Foundation
import VendorSandbox
import Warehouse

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve the local fake vendor APIs on 127.0.0.1 until stopped (Ctrl-C).",
        discussion: "Generated, seeded data shaped like the vendors' APIs (docs/vendors.md). Point billwh at it with the variables it prints.")
    @Option(parsing: .unconditional, help: "Port to listen on (0 = any free port).", transform: PortArgument.parse) var port: Int = 8090
    @Option(help: "Seed of the generated data.") var seed: UInt64 = 42
    @Option(help: ArgumentHelp("Last day of the generated data, YYYY-MM-DD (default: today, UTC).", valueName: "date"),
            transform: CalendarDate.argument) var today: CalendarDate?
    @Option(help: ArgumentHelp("First day of the generated data, YYYY-MM-DD (default: 2023-10-01).", valueName: "date"),
            transform: CalendarDate.argument) var from = Self.demoFrom
    @Option(help: "Copaco end customers (volume knob, for benchmarks).") var customers: Int = 8
    @Option(help: "Copaco metered lines per usage subscription, times this (volume knob, for benchmarks).") var scale: Int = 1
    @Option(help: ArgumentHelp(
        "Change the documents' structure as a vendor's API might (repeatable): rename:PriceLines=PriceLineItems, drop:SKU, upper-case-keys, extra-fields, totals-off.",
        discussion: "To see what billwh does when a vendor renames or drops a field (docs/vendor-changes.md).", valueName: "change"))
    var drift: [SandboxDrift] = []
    @Option(help: ArgumentHelp(
        "Arm a fault (repeatable): 503:3 (the next 3 requests answer 503; any 4xx/5xx), 429:2 (rate limited, Retry-After: 1), slow:1500 (every request waits 1.5 s), truncate:1 (a body cut off half-way), invalid-json:1, mutate-fields (extra members, other order and letter cases).",
        discussion: "To rehearse a vendor outage: billwh retries, then reports the endpoint failed and commits the rest (exit 2).", valueName: "fault"))
    var fault: [SandboxFault] = []

    static let demoFrom = CalendarDate(year: 2023, month: 10, day: 1)!
    static let mostCustomers = 20_000
    static let largestScale = 20

    func validate() throws {
        let last = today ?? CalendarDate.today()
        guard from <= last else {
            throw ValidationError("--from \(from) is after \(today == nil ? "today" : "--today") \(last): there would be no data to serve")
        }
        // Bounds well past the benchmarks' volumes, before the data is generated in memory.
        guard (0...Self.mostCustomers).contains(customers), (1...Self.largestScale).contains(scale) else {
            throw ValidationError("--customers takes 0 to \(Self.mostCustomers) and --scale 1 to \(Self.largestScale)")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let last = (today ?? CalendarDate.today()).description
            var configuration = SandboxConfiguration.demo(today: last, seed: seed)
            if from != Self.demoFrom || customers != 8 || scale != 1 {
                configuration.copacoData = .generate(seed: seed, from: from.description, to: last, customers: customers, linesPerSubscriptionScale: scale)
                configuration.twotcloudData = .generate(seed: seed, from: from.description, to: last)
            }
            configuration.port = port
            let sandbox = VendorSandbox(configuration: configuration)
            sandbox.faults.setDrift(drift)
            for fault in fault { fault.arm(sandbox.faults) }
            _ = try await sandbox.start()
            Console.out(sandbox.describe() + "\n")
            // Serve until interrupted; the process exit closes the socket.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
