/// What keeps a CSV export from being misread by a spreadsheet.
///
/// - A text field starting with `=`, `+`, `-`, `@`, tab or CR is read as a formula by Excel and
///   LibreOffice (OWASP's "CSV injection"); vendor and CRM text is outside the reseller's
///   control. The spreadsheet variants prefix such a field with `'`, which makes it text.
/// - A value with exactly three decimals (`45.375`) is read as a thousands separator by a
///   spreadsheet in the other locale (45375): amounts and quantities get a fourth decimal
///   (`45.3750`), so that a reader in the wrong locale shows text instead of a wrong number.
enum SpreadsheetSafety {
    static let prefix = UInt8(ascii: "'")

    /// Whether a spreadsheet would take `field` for a formula.
    @inline(__always)
    static func startsFormula(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        switch field.first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: true
        default: false
        }
    }

    /// Whether the decimal text `field` ends in a decimal mark and exactly three digits.
    @inline(__always)
    static func hasThreeDecimals(_ field: UnsafeBufferPointer<UInt8>, mark: UInt8 = UInt8(ascii: ".")) -> Bool {
        let n = field.count
        guard n >= 4, field[n - 4] == mark else { return false }
        return isDigit(field[n - 3]) && isDigit(field[n - 2]) && isDigit(field[n - 1])
    }

    /// Pads an amount or quantity just appended to `buffer` from `start` to four decimals when it
    /// has exactly three.
    @inline(__always)
    static func padThreeDecimals(_ buffer: inout [UInt8], from start: Int, mark: UInt8) {
        let n = buffer.count
        guard n - start >= 4, buffer[n - 4] == mark,
              isDigit(buffer[n - 3]), isDigit(buffer[n - 2]), isDigit(buffer[n - 1]) else { return }
        buffer.append(UInt8(ascii: "0"))
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
