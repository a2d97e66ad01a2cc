import JSON
import Warehouse

/// What only the sandbox's documents write: money and the vendors' date-time form.
extension JSONWriter {
    /// Money in micro-units as an exact JSON number: `12.5`, `-0.000001`, `20`.
    mutating func money(_ micros: Int64) {
        valuePrefix()
        Money.append(micros: micros, minimumDecimals: 0, to: &bytes)
    }

    /// A date as the Copaco API renders it: `YYYY-MM-DDT00:00:00`.
    mutating func dateTime(_ isoDay: String) {
        valuePrefix()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: isoDay.utf8)
        append("T00:00:00")
        bytes.append(UInt8(ascii: "\""))
    }
}
