/// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), checked
/// where vendor bytes are read (JSON strings) and where text is written (the xlsx's XML).
package enum UTF8Sequence {
    /// The byte-order mark some servers put before a UTF-8 body (and Excel wants before a CSV).
    package static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Why a body that is no JSON object from its first byte is none: a UTF-16 or UTF-32 body
    /// (a byte-order mark, or a NUL byte in its first four) would otherwise read as plain
    /// "invalid JSON", which sends the reader looking at the content instead of the encoding.
    package static func notAnObject(start: some Collection<UInt8>) -> String {
        let head = Array(start.prefix(4))
        let wide = head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE]) || head.contains(0)
        return wide ? "the response is UTF-16 or UTF-32 (a byte-order mark or a NUL byte at its start), not the UTF-8 the contract sends"
                    : "the response is not a JSON object"
    }

    /// The length of the well-formed sequence that starts at `index` (a byte >= 0x80) and ends
    /// by `end`, or 0 if there is none.
    @inlinable
    package static func length(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch bytes[index] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard index + length <= end, bytes[index + 1] >= low, bytes[index + 1] <= high else { return 0 }
        for offset in 2..<length where bytes[index + offset] < 0x80 || bytes[index + offset] > 0xBF { return 0 }
        return length
    }

    /// Whether every byte of `range` belongs to a well-formed sequence.
    @inlinable
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound {
            if bytes[index] < 0x80 { index += 1; continue }
            let length = length(bytes, at: index, end: range.upperBound)
            if length == 0 { return false }
            index += length
        }
        return true
    }
}
