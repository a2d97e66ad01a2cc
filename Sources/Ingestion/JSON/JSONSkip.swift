/// Validating a value without building it: the same checks, errors and offsets as
/// `parseValue`, no allocation. Used for the parts of a document that are parsed later, one
/// piece at a time (a monthly invoice's customers), so they are checked once and built once.
extension JSONParser {
    mutating func skipValue() throws(JSONParseError) {
        guard let byte = peek() else { throw error("the text ends too early") }
        switch byte {
        case UInt8(ascii: "{"): try skipObject()
        case UInt8(ascii: "["): try skipArray()
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), 48...57: try skipNumber()
        default: throw error("unexpected character")
        }
    }

    mutating func skipObject() throws(JSONParseError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            try skipString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try skipValue()
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    mutating func skipArray() throws(JSONParseError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try skipValue()
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    /// A number's grammar (RFC 8259), checked without making its text (`parseNumber` adds that).
    mutating func skipNumber() throws(JSONParseError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 48, first <= 57 else { throw error("a number needs digits") }
        if first == 48 {
            index += 1
            if let next = peek(), next >= 48, next <= 57 { throw error("a number may not start with 0") }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), d >= 48, d <= 57 else { throw error("a decimal point needs digits after it") }
            skipDigits()
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), d >= 48, d <= 57 else { throw error("an exponent needs digits") }
            skipDigits()
        }
    }

    /// `parseString`'s checks in its order: control characters and escapes as they come, the
    /// UTF-8 of the raw bytes once the string is closed (escaped scalars are always valid, so
    /// the text is valid exactly when every raw run between escapes is).
    mutating func skipString() throws(JSONParseError) {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        var runStart = index
        var invalidUTF8 = false
        var highInRun = false
        while true {
            guard index < bytes.count else { throw error("a string is not closed") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                if highInRun, !Self.isValidUTF8(bytes, runStart..<index) { invalidUTF8 = true }
                index += 1
                break
            }
            if b < 0x20 { throw error("a control character inside a string must be escaped") }
            if b >= 0x80 { highInRun = true; index += 1; continue }
            if b != UInt8(ascii: "\\") { index += 1; continue }
            if highInRun, !Self.isValidUTF8(bytes, runStart..<index) { invalidUTF8 = true }
            highInRun = false
            index += 1
            guard let escape = peek() else { throw error("a string is not closed") }
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                break
            case UInt8(ascii: "u"):
                _ = try unicodeEscape()
            default:
                throw error("unknown escape in a string")
            }
            runStart = index
        }
        if invalidUTF8 { throw JSONParseError(offset: start, reason: "a string is not valid UTF-8") }
    }

    /// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let count: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: count = 1
            case 0xE0: count = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED: count = 2; high = 0x9F
            case 0xF0: count = 3; low = 0x90
            case 0xF1...0xF3: count = 3
            case 0xF4: count = 3; high = 0x8F
            default: return false
            }
            guard i + count < end else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= low, b1 <= high else { return false }
            var k = 2
            while k <= count {
                guard bytes[i + k] >= 0x80, bytes[i + k] <= 0xBF else { return false }
                k += 1
            }
            i += count + 1
        }
        return true
    }
}
