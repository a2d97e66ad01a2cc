import Warehouse

/// Writes indented XML straight into bytes. Text is escaped (`&amp; &lt; &gt; &quot; &apos;`);
/// an absent or empty value is a self-closing element (`<CostCenter />`).
struct XMLWriter {
    var bytes: [UInt8] = []
    var depth = 0

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ literal: StaticString) { literal.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    mutating func newline() { bytes.append(13); bytes.append(10) }

    mutating func indent() { for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) } }

    private mutating func startTag(_ name: StaticString) {
        bytes.append(UInt8(ascii: "<"))
        raw(name)
        bytes.append(UInt8(ascii: ">"))
    }

    private mutating func endTag(_ name: StaticString) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(UInt8(ascii: "/"))
        raw(name)
        bytes.append(UInt8(ascii: ">"))
    }

    mutating func open(_ name: StaticString) { indent(); startTag(name); newline(); depth += 1 }

    mutating func close(_ name: StaticString) { depth -= 1; indent(); endTag(name); newline() }

    mutating func empty(_ name: StaticString) {
        indent()
        bytes.append(UInt8(ascii: "<"))
        raw(name)
        raw(" />")
        newline()
    }

    /// An element holding text; nil or "" give `<Name />`.
    mutating func text(_ name: StaticString, _ value: String?) {
        guard let value, !value.isEmpty else { empty(name); return }
        indent()
        startTag(name)
        XMLWriter.appendEscaped(value, to: &bytes)
        endTag(name)
        newline()
    }


    mutating func money(_ name: StaticString, _ micros: Int64) {
        indent()
        startTag(name)
        Money.append(micros: micros, minimumDecimals: 0, to: &bytes)
        endTag(name)
        newline()
    }

    /// `YYYY-MM-DDT00:00:00`
    mutating func dateTime(_ name: StaticString, _ isoDay: String) {
        indent()
        startTag(name)
        bytes.append(contentsOf: isoDay.utf8)
        raw("T00:00:00")
        endTag(name)
        newline()
    }

    mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.capacity)
        swap(&out, &bytes)
        return out
    }

    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])             // &amp;
            case UInt8(ascii: "<"): bytes.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])                   // &lt;
            case UInt8(ascii: ">"): bytes.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])                   // &gt;
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])      // &quot;
            case UInt8(ascii: "'"): bytes.append(contentsOf: [0x26, 0x61, 0x70, 0x6F, 0x73, 0x3B])       // &apos;
            case 0x0A, 0x0D, 0x09:
                // Kept as character references so that they survive attribute/whitespace normalisation.
                bytes.append(contentsOf: Array("&#x\(String(byte, radix: 16, uppercase: true));".utf8))
            case 0..<0x20:
                continue // not representable in XML 1.0
            default:
                bytes.append(byte)
            }
        }
    }
}
