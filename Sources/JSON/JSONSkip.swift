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
        try container(closedBy: UInt8(ascii: "}")) { (parser) throws(JSONParseError) in
            guard parser.peek() == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
            try parser.skipString()
            try parser.memberColon()
            try parser.skipValue()
        }
    }

    mutating func skipArray() throws(JSONParseError) {
        try container(closedBy: UInt8(ascii: "]")) { (parser) throws(JSONParseError) in try parser.skipValue() }
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
                if highInRun, !UTF8Sequence.isValid(bytes, runStart..<index) { invalidUTF8 = true }
                index += 1
                break
            }
            if b < 0x20 { throw JSONParseError.stringContent(offset: index, "a control character inside a string must be escaped") }
            if b >= 0x80 { highInRun = true; index += 1; continue }
            if b != UInt8(ascii: "\\") { index += 1; continue }
            if highInRun, !UTF8Sequence.isValid(bytes, runStart..<index) { invalidUTF8 = true }
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
        if invalidUTF8 { throw JSONParseError.notUTF8(offset: start) }
    }
}
