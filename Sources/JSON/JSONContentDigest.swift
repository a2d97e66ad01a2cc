import Crypto

/// A digest of what a JSON text says rather than how it is spelled. Members may come in any
/// order and names in any ASCII case (the vendors' contracts allow both), and white space and
/// string escapes are spelling too; a number's text is not (amounts are kept as sent). So a
/// document the vendor sends again in another order is known for the one already kept.
///
/// Built bottom-up, one digest per value: memory grows with nesting and the widest object, not
/// with the document (a tree of a large invoice would cost several times its size).
package enum JSONContentDigest {
    /// The digest of one whole JSON text, or nil when it is not JSON.
    package static func of(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var parser = JSONParser(buffer)
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        guard let digest = try? parser.digestValue() else { return nil }
        parser.skipWhitespace()
        return parser.index == buffer.count ? Array(digest) : nil
    }
}

extension JSONParser {
    /// Each value's digest starts with its kind; a name or text is preceded by its length, so no
    /// two different values feed the same bytes.
    mutating func digestValue() throws(JSONParseError) -> SHA256.Digest {
        guard let byte = peek() else { throw error("the text ends too early") }
        var hasher = SHA256()
        func feed(_ tag: UInt8, _ text: some Collection<UInt8>) {
            hasher.update(data: [tag])
            withUnsafeBytes(of: UInt64(text.count).littleEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Array(text))
        }
        switch byte {
        case UInt8(ascii: "{"):
            var members: [(name: [UInt8], value: SHA256.Digest)] = []
            try container(closedBy: UInt8(ascii: "}")) { (parser) throws(JSONParseError) in
                let name = try parser.memberName().utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
                members.append((name, try parser.digestValue()))
            }
            members.sort { a, b in
                a.name != b.name ? a.name.lexicographicallyPrecedes(b.name) : a.value.lexicographicallyPrecedes(b.value)
            }
            feed(UInt8(ascii: "{"), [])
            for member in members {
                feed(UInt8(ascii: ":"), member.name)
                member.value.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        case UInt8(ascii: "["):
            feed(UInt8(ascii: "["), [])
            try container(closedBy: UInt8(ascii: "]")) { (parser) throws(JSONParseError) in
                try parser.digestValue().withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        case UInt8(ascii: "\""): feed(UInt8(ascii: "s"), try parseString().utf8)
        case UInt8(ascii: "-"), 48...57: feed(UInt8(ascii: "n"), try parseNumber().utf8)
        case UInt8(ascii: "t"): try literal("true"); feed(UInt8(ascii: "t"), [])
        case UInt8(ascii: "f"): try literal("false"); feed(UInt8(ascii: "f"), [])
        case UInt8(ascii: "n"): try literal("null"); feed(UInt8(ascii: "z"), [])
        default: throw error("unexpected character")
        }
        return hasher.finalize()
    }
}
