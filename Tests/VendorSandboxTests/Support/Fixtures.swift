import VendorSandbox

/// A fixed "today": the tests never depend on the wall clock.
let testToday = "2025-06-15"

/// The demo data set (seed 42, 2023-10-01 … testToday), generated once.
let demoData = CopacoSandboxData.generate(seed: 42, from: "2023-10-01", to: testToday)

let fullKey = [("X-Api-Key", "sandbox-copaco-key")]
let limitedKey = [("X-Api-Key", "sandbox-copaco-limited-key")]

/// Starts a sandbox on an ephemeral port, runs `body`, stops it (also when `body` throws).
func withSandbox<T>(data: CopacoSandboxData = demoData,
                    configure: (inout SandboxConfiguration) -> Void = { _ in },
                    _ body: (VendorSandbox, Int) async throws -> T) async throws -> T {
    var configuration = SandboxConfiguration(copacoData: data, today: testToday)
    configure(&configuration)
    let sandbox = VendorSandbox(configuration: configuration)
    let port = try await sandbox.start()
    do {
        let result = try await body(sandbox, port)
        await sandbox.stop()
        return result
    } catch {
        await sandbox.stop()
        throw error
    }
}

/// `YYYY-MM-DD` -> `YYYYMMDD`
func compact(_ iso: String) -> String { iso.replacingOccurrences(of: "-", with: "") }

/// Adds days to a `YYYY-MM-DD` date (proleptic Gregorian, no zone).
func addDays(_ iso: String, _ days: Int) -> String {
    let parts = iso.split(separator: "-").map { Int($0)! }
    func toDays(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
    }
    var n = toDays(parts[0], parts[1], parts[2]) + days
    let era = n / 146_097
    n -= era * 146_097
    let yoe = (n - n / 1460 + n / 36524 - n / 146_096) / 365
    let doy = n - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func p(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
    return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))"
}
