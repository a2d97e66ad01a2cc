import JSON
import Warehouse

/// Text as XML 1.0 character data, for the cells of an xlsx sheet.
///
/// `&`, `<`, `>` become entities and CR becomes `&#13;` (an XML reader would turn a raw CR into
/// LF). Characters XML 1.0 cannot hold at all (control characters other than tab, LF and CR,
/// U+FFFE, U+FFFF) are written as `_xHHHH_`, the escape Excel and LibreOffice read back as the
/// character; a literal `_x` followed by four hex digits and `_` gets its `_` escaped the same
/// way so that it is not decoded. Bytes that are not UTF-8 become U+FFFD: a reader refuses
/// the whole file otherwise.
enum XMLText {
    static func append(_ text: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var index = 0
        let count = text.count
        var runStart = 0
        @inline(__always) func flushRun(_ end: Int) {
            if end > runStart { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<end])) }
        }
        while index < count {
            let byte = text[index]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<")
                && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "_") {
                index += 1
                continue
            }
            flushRun(index)
            switch byte {
            case UInt8(ascii: "&"): buffer.append(contentsOf: amp); index += 1
            case UInt8(ascii: "<"): buffer.append(contentsOf: lt); index += 1
            case UInt8(ascii: ">"): buffer.append(contentsOf: gt); index += 1
            case 0x0D: buffer.append(contentsOf: cr); index += 1
            case 0x09, 0x0A: buffer.append(byte); index += 1
            case UInt8(ascii: "_"):
                if looksEscaped(text, at: index) { appendEscape(0x5F, to: &buffer) } else { buffer.append(byte) }
                index += 1
            case ..<0x20: appendEscape(UInt32(byte), to: &buffer); index += 1
            default:
                let length = UTF8Sequence.length(text, at: index, end: text.count)
                if length == 0 {
                    buffer.append(contentsOf: replacement)
                    index += 1
                } else if length == 3 && byte == 0xEF && text[index + 1] == 0xBF && (text[index + 2] == 0xBE || text[index + 2] == 0xBF) {
                    appendEscape(text[index + 2] == 0xBE ? 0xFFFE : 0xFFFF, to: &buffer)
                    index += 3
                } else {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[index..<(index + length)]))
                    index += length
                }
            }
            runStart = index
        }
        flushRun(count)
    }

    /// `_xHHHH_` at `index`.
    static func looksEscaped(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < text.count, text[index + 1] == UInt8(ascii: "x"), text[index + 6] == UInt8(ascii: "_") else { return false }
        return (index + 2...index + 5).allSatisfy { isHex(text[$0]) }
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    static func appendEscape(_ scalar: UInt32, to buffer: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        buffer.append(contentsOf: [UInt8(ascii: "_"), UInt8(ascii: "x")])
        for shift in stride(from: 12, through: 0, by: -4) { buffer.append(hex[Int((scalar >> UInt32(shift)) & 0xF)]) }
        buffer.append(UInt8(ascii: "_"))
    }

    static let amp = Array("&amp;".utf8)
    static let lt = Array("&lt;".utf8)
    static let gt = Array("&gt;".utf8)
    static let cr = Array("&#13;".utf8)
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
}
