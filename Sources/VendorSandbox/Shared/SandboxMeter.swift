/// A metered product of a catalog: usage billed in arrears, a quantity drawn each month.
struct SandboxMeter: Sendable {
    let sku: String
    let name: String
    let unitMicros: Int64
    let quantityType: String
    /// Range of the monthly quantity, micro-units.
    let minMicros: Int64
    let maxMicros: Int64
    /// Decimals the metered quantity carries (0…6).
    let decimals: Int
}
