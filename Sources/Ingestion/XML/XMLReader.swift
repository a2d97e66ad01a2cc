// A small, non-validating XML 1.0 reader over UTF-8 bytes, for the XML some vendor APIs
// answer with (2tCloud without `Accept: application/json`, docs/vendors.md).
//
// Supported: an optional UTF-8 byte order mark, the XML declaration, comments, processing
// instructions, elements with attributes (single or double quotes; a namespace prefix stays
// part of the name, namespaces are not resolved), self-closing elements, character data with
// the five predefined entities and decimal/hexadecimal character references, CDATA sections.
// Line ends are normalised as XML 1.0 requires (CR LF and lone CR become LF), and attribute
// values get the XML 1.0 whitespace normalisation (tab, LF, CR become a space).
//
// Refused, with the byte offset and a short reason: any document type declaration (see
// `markupDeclarationError`), entities other than the five predefined ones, mismatched or
// unclosed tags, invalid UTF-8 or characters XML 1.0 does not allow, a declared encoding other
// than UTF-8, more than one root element, text outside the root, and nesting deeper than
// `maxDepth`. The reader does not recurse, so hostile nesting cannot exhaust the stack.

import JSON

/// One attribute as written in the start tag, its value with references decoded.
package struct XMLAttribute: Sendable, Equatable {
    /// The qualified name as written, e.g. `xsi:nil`.
    package var name: String
    package var value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One element of the parsed tree.
///
/// Note: on Apple platforms Foundation also has a class named `XMLElement`; code that imports
/// both Foundation and this module may need to write `Ingestion.XMLElement`.
package struct XMLElement: Sendable, Equatable {
    /// The qualified name as written, e.g. `Invoice` or `ns:Invoice`.
    package var name: String
    /// The attributes in document order.
    package var attributes: [XMLAttribute]
    /// The child elements in document order.
    package var children: [XMLElement]
    /// The character data directly inside this element (not inside its children), concatenated
    /// in document order, references decoded, CDATA included. Between child elements this is
    /// usually indentation whitespace.
    package var text: String
    /// The bytes of the whole element in the input: from its `<` to the `>` of its end tag or
    /// of its `/>`.
    package var range: Range<Int>
    /// True for a self-closing element and for an element with neither child elements nor
    /// character data (comments and processing instructions do not count).
    package var isEmpty: Bool

    package init(name: String, attributes: [XMLAttribute] = [], children: [XMLElement] = [], text: String = "",
                range: Range<Int>, isEmpty: Bool) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.range = range
        self.isEmpty = isEmpty
    }

    /// The name without its namespace prefix: `Invoice` for `ns:Invoice`.
    package var localName: String { Self.localName(of: name) }

    /// `name` without its namespace prefix.
    package static func localName(of name: String) -> String {
        guard let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")) else { return name }
        return String(name[name.utf8.index(after: colon)...])
    }

    /// The value of the first attribute with this exact qualified name.
    package func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

package struct XMLParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Offset in bytes from the start of the input (a byte order mark included).
    package let offset: Int
    package let reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    package var description: String { "invalid XML at byte \(offset): \(reason)" }
}

/// What the reader makes of each element once its end tag is read, from its parts and what
/// it made of the element's children: the tree itself (`XMLTreeBuilder`), or something smaller
/// built bottom-up, so that a large document never exists as a tree (`XMLJSONBuilder`).
protocol XMLNodeBuilder {
    associatedtype Node
    func node(name: String, attributes: [XMLAttribute], children: [Node], text: String, range: Range<Int>, isEmpty: Bool) -> Node
}

/// Builds the `XMLElement` tree.
struct XMLTreeBuilder: XMLNodeBuilder {
    func node(name: String, attributes: [XMLAttribute], children: [XMLElement], text: String, range: Range<Int>,
              isEmpty: Bool) -> XMLElement {
        XMLElement(name: name, attributes: attributes, children: children, text: text, range: range, isEmpty: isEmpty)
    }
}

/// Builds nothing: a pass that only checks the bytes and learns the root's name.
struct XMLCheckOnly: XMLNodeBuilder {
    func node(name: String, attributes: [XMLAttribute], children: [Void], text: String, range: Range<Int>, isEmpty: Bool) {}
}

package enum XMLReader {
    /// Element nesting deeper than this is refused.
    package static let maxDepth = 256

    /// The root's qualified name, reading no further than the root's first child (checked,
    /// not built); nil when the bytes fail before the root's start tag.
    package static func rootName(_ bytes: [UInt8]) -> String? {
        let cursor = XMLNodeCursor(bytes, builder: XMLCheckOnly())
        _ = try? cursor.next()
        return cursor.rootName
    }

    /// Parses one whole XML document and returns what `builder` made of its root.
    static func parse<Builder: XMLNodeBuilder>(_ bytes: [UInt8], builder: Builder) throws(XMLParseError) -> Builder.Node {
        try bytes.withUnsafeBufferPointer { (buffer) throws(XMLParseError) -> Builder.Node in
            var reader = Reader(buffer, builder: builder)
            return try reader.parseDocument()
        }
    }

    /// Parses one whole XML document and returns its root element.
    package static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> XMLElement {
        try parse(bytes, builder: XMLTreeBuilder())
    }

    /// A cheap check before parsing: after an optional UTF-8 byte order mark and whitespace,
    /// the first byte is `<`.
    package static func looksLikeXML(_ bytes: [UInt8]) -> Bool {
        var i = 0
        if bytes.starts(with: UTF8Sequence.byteOrderMark) { i = UTF8Sequence.byteOrderMark.count }
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            case UInt8(ascii: "<"): return true
            default: return false
            }
        }
        return false
    }
}

/// An XML document read one child of its root at a time: what `Builder` makes of each child is
/// handed out and dropped, so that a response of any size holds one invoice, not all of
/// them. Well-formedness is checked as by `XMLReader.parse`, with the same errors at the same
/// offsets; an error after some children surfaces when the cursor reaches it.
final class XMLNodeCursor<Builder: XMLNodeBuilder> {
    let bytes: [UInt8]
    private let builder: Builder
    private var index = 0
    private var state = Reader<Builder>.ParseState()
    private var ended = false

    init(_ bytes: [UInt8], builder: Builder) {
        self.bytes = bytes
        self.builder = builder
    }

    /// The root's qualified name, once its start tag was read.
    var rootName: String? { state.rootName }

    /// The next complete element directly inside the root; nil at the document's end, once all
    /// of it was read and found well-formed.
    func next() throws(XMLParseError) -> Builder.Node? {
        guard !ended else { return nil }
        let child = try bytes.withUnsafeBufferPointer { (buffer) throws(XMLParseError) -> Builder.Node? in
            var reader = Reader(buffer, builder: builder)
            reader.index = index
            defer { index = reader.index }
            return try reader.parse(&state, handingOutChildrenOfRoot: true)
        }
        if child == nil { ended = true }
        return child
    }
}

/// The root's children as their JSON shapes (`XMLJSONBuilder`), no tree built: the cursor
/// other modules use. It is concrete, since a generic one called from another module would run
/// unspecialised, every element through witness tables.
package final class XMLShapeCursor {
    private let cursor: XMLNodeCursor<XMLJSONBuilder>
    package init(_ bytes: [UInt8], listNames: Set<String>, watching watched: [String] = []) {
        cursor = XMLNodeCursor(bytes, builder: XMLJSONBuilder(listNames: listNames, watching: watched))
    }
    package var bytes: [UInt8] { cursor.bytes }
    /// The root's qualified name, once its start tag was read.
    package var rootName: String? { cursor.rootName }
    package func next() throws(XMLParseError) -> XMLJSONNode? { try cursor.next() }
}

// MARK: - The reader

private struct Reader<Builder: XMLNodeBuilder> {
    let bytes: UnsafeBufferPointer<UInt8>
    let builder: Builder
    var index = 0

    /// An element whose end tag has not been read yet.
    struct Frame {
        var start: Int
        var nameRange: Range<Int>
        var name: String
        var attributes: [XMLAttribute]
        var children: [Builder.Node] = []
        /// Text kept as a slice of the input while it is a single segment without references
        /// or CR, so the common leaf needs no copy before becoming a String.
        var rawText: Range<Int>? = nil
        /// Text once it needed decoding or has more than one segment.
        var textBuffer: [UInt8] = []
        var usesBuffer = false
        var hasText = false

        mutating func appendRaw(_ range: Range<Int>, from bytes: UnsafeBufferPointer<UInt8>) {
            guard !range.isEmpty else { return }
            hasText = true
            if !usesBuffer, rawText == nil { rawText = range; return }
            switchToBuffer(bytes)
            textBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }

        mutating func switchToBuffer(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard !usesBuffer else { return }
            usesBuffer = true
            if let raw = rawText {
                textBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[raw]))
                rawText = nil
            }
        }

        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            // The bytes were validated as UTF-8 while scanning.
            if usesBuffer { return String(decoding: textBuffer, as: UTF8.self) }
            if let raw = rawText { return String(decoding: UnsafeBufferPointer(rebasing: bytes[raw]), as: UTF8.self) }
            return ""
        }
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, builder: Builder) {
        self.bytes = bytes
        self.builder = builder
    }

    func error(_ reason: String, at offset: Int? = nil) -> XMLParseError {
        XMLParseError(offset: offset ?? index, reason: reason)
    }

    @inline(__always) func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    @inline(__always) func startsWith(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for i in 0..<count where bytes[index + i] != literal.utf8Start[i] { return false }
        return true
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    mutating func skipSpace() {
        while index < bytes.count, Reader.isSpace(bytes[index]) { index += 1 }
    }

    // MARK: Document

    mutating func parseDocument() throws(XMLParseError) -> Builder.Node {
        var state = ParseState()
        _ = try parse(&state, handingOutChildrenOfRoot: false)
        return state.root!
    }

    /// Where a parse stands between calls of `parse`.
    struct ParseState {
        var begun = false
        var stack: [Frame] = []
        var root: Builder.Node?
        /// The root element's name, once its start tag was read.
        var rootName: String?
    }

    /// Parses on from `state`. With `handingOutChildrenOfRoot`, each element directly inside the
    /// root is returned as soon as it is complete, and not kept in the root; nil once the whole
    /// document was read and found well-formed (`state.root` then holds the root).
    mutating func parse(_ state: inout ParseState, handingOutChildrenOfRoot: Bool) throws(XMLParseError) -> Builder.Node? {
        if !state.begun {
            state.begun = true
            if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
                throw error("UTF-16 is not supported; only UTF-8", at: 0)
            }
            if bytes.starts(with: UTF8Sequence.byteOrderMark) { index = UTF8Sequence.byteOrderMark.count }
            // Strictly the declaration must be the very first thing; leading whitespace (which some
            // servers emit) is tolerated.
            skipSpace()
            if startsWith("<?xml"), let after = peek(5), Reader.isSpace(after) || after == UInt8(ascii: "?") {
                try parseXMLDeclaration()
            }
        }

        /// A complete element: handed out, or kept in its parent (or as the root).
        func complete(_ element: Builder.Node, _ state: inout ParseState) -> Builder.Node? {
            if state.stack.isEmpty {
                state.root = element
            } else if handingOutChildrenOfRoot && state.stack.count == 1 {
                return element
            } else {
                state.stack[state.stack.count - 1].children.append(element)
            }
            return nil
        }

        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "<") {
                guard let next = peek(1) else { throw error("the document ends inside a tag") }
                switch next {
                case UInt8(ascii: "/"):
                    guard let frame = state.stack.popLast() else { throw error("an end tag without a start tag") }
                    try parseEndTag(of: frame)
                    let element = builder.node(
                        name: frame.name, attributes: frame.attributes, children: frame.children,
                        text: frame.text(bytes), range: frame.start..<index,
                        isEmpty: frame.children.isEmpty && !frame.hasText)
                    if let child = complete(element, &state) { return child }
                case UInt8(ascii: "?"):
                    try skipProcessingInstruction()
                case UInt8(ascii: "!"):
                    if startsWith("<!--") {
                        try skipComment()
                    } else if startsWith("<![CDATA[") {
                        guard !state.stack.isEmpty else { throw error("a CDATA section outside the root element") }
                        try parseCDATA(into: &state.stack[state.stack.count - 1])
                    } else {
                        throw markupDeclarationError()
                    }
                default:
                    if state.stack.isEmpty, state.root != nil { throw error("more than one root element") }
                    guard state.stack.count < XMLReader.maxDepth else {
                        throw error("elements nested deeper than \(XMLReader.maxDepth)")
                    }
                    let start = index
                    let (frame, selfClosing) = try parseStartTag()
                    if state.stack.isEmpty { state.rootName = frame.name }
                    if selfClosing {
                        let element = builder.node(name: frame.name, attributes: frame.attributes, children: [], text: "",
                                                   range: start..<index, isEmpty: true)
                        if let child = complete(element, &state) { return child }
                    } else {
                        state.stack.append(frame)
                    }
                }
            } else if state.stack.isEmpty {
                guard Reader.isSpace(b) else {
                    throw error(state.root == nil ? "text before the root element" : "text after the root element")
                }
                index += 1
            } else {
                try parseText(into: &state.stack[state.stack.count - 1])
            }
        }
        if let open = state.stack.last {
            throw error("the element <\(open.name)> opened at byte \(open.start) is not closed")
        }
        guard state.root != nil else { throw error("no root element") }
        return nil
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: only the encoding matters,
    /// because bytes in another encoding would be misread.
    mutating func parseXMLDeclaration() throws(XMLParseError) {
        let start = index
        index += 5
        while true {
            skipSpace()
            guard let b = peek() else { throw error("the XML declaration is not closed", at: start) }
            if b == UInt8(ascii: "?") {
                guard peek(1) == UInt8(ascii: ">") else { throw error("expected '?>'") }
                index += 2
                return
            }
            let nameStart = index
            while let c = peek(), c != UInt8(ascii: "="), !Reader.isSpace(c), c != UInt8(ascii: "?") { index += 1 }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
            guard !name.isEmpty else { throw error("expected a name in the XML declaration") }
            skipSpace()
            guard peek() == UInt8(ascii: "=") else { throw error("expected '=' in the XML declaration") }
            index += 1
            skipSpace()
            let valueStart = index + 1
            let value = try parseAttributeValue()
            if name == "encoding" {
                let lower = value.lowercased()
                guard lower == "utf-8" || lower == "utf8" || lower == "us-ascii" || lower == "ascii" else {
                    throw error("the declared encoding \(value) is not supported; only UTF-8", at: valueStart)
                }
            }
        }
    }

    /// `<!DOCTYPE ...>` (and any other `<!` declaration) is refused outright rather than
    /// ignored: a DTD is where entities are declared, and honouring them opens the classic
    /// attacks (exponential "billion laughs" expansion, external entities reading local files or
    /// making requests). Skipping it instead would silently turn its entities into "unknown
    /// entity" errors or wrong text. No billing API needs a DTD.
    func markupDeclarationError() -> XMLParseError {
        if startsWith("<!DOCTYPE") {
            return error("a document type declaration (DOCTYPE) is not allowed")
        }
        return error("a markup declaration ('<!') is not allowed here")
    }

    // MARK: Tags

    /// Reads a name: letters, digits, `_`, `:`, `-`, `.` and any non-ASCII character (checked to
    /// be valid UTF-8), not starting with a digit, `-` or `.`.
    mutating func parseName(_ what: String) throws(XMLParseError) -> Range<Int> {
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "_"), UInt8(ascii: ":"):
                index += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                guard index > start else { throw error("\(what) may not start with '\(Character(Unicode.Scalar(b)))'") }
                index += 1
            case 0x80...:
                _ = try decodeScalar()
            default:
                guard index > start else { throw error("expected \(what)") }
                return start..<index
            }
        }
        throw error("the document ends inside a tag")
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// From `<` of a start tag to after its `>` or `/>`.
    mutating func parseStartTag() throws(XMLParseError) -> (Frame, selfClosing: Bool) {
        let start = index
        index += 1
        let nameRange = try parseName("an element name")
        var attributes: [XMLAttribute] = []
        while true {
            let hadSpace = index < bytes.count && Reader.isSpace(bytes[index])
            skipSpace()
            guard let b = peek() else { throw error("the document ends inside a tag") }
            if b == UInt8(ascii: ">") {
                index += 1
                return (Frame(start: start, nameRange: nameRange, name: string(nameRange), attributes: attributes), false)
            }
            if b == UInt8(ascii: "/") {
                guard peek(1) == UInt8(ascii: ">") else { throw error("expected '/>'") }
                index += 2
                return (Frame(start: start, nameRange: nameRange, name: string(nameRange), attributes: attributes), true)
            }
            guard hadSpace else { throw error("expected whitespace before an attribute") }
            let attributeStart = index
            let name = string(try parseName("an attribute name"))
            skipSpace()
            guard peek() == UInt8(ascii: "=") else { throw error("expected '=' after the attribute name \(name)") }
            index += 1
            skipSpace()
            let value = try parseAttributeValue()
            if attributes.contains(where: { $0.name == name }) {
                throw error("the attribute \(name) appears twice", at: attributeStart)
            }
            attributes.append(XMLAttribute(name: name, value: value))
        }
    }

    /// From `</` to after `>`, checking the name against the open element.
    mutating func parseEndTag(of frame: Frame) throws(XMLParseError) {
        let start = index
        index += 2
        let nameRange = try parseName("an element name")
        let matches = nameRange.count == frame.nameRange.count
            && zip(nameRange, frame.nameRange).allSatisfy { bytes[$0] == bytes[$1] }
        guard matches else {
            throw error("the end tag </\(string(nameRange))> does not match <\(frame.name)> opened at byte \(frame.start)",
                        at: start)
        }
        skipSpace()
        guard peek() == UInt8(ascii: ">") else {
            throw error(index < bytes.count ? "expected '>' to close the end tag" : "the document ends inside a tag")
        }
        index += 1
    }

    /// A quoted attribute value with references decoded and whitespace normalised.
    mutating func parseAttributeValue() throws(XMLParseError) -> String {
        guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw error("an attribute value must be quoted")
        }
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("an attribute value is not closed") }
            let b = bytes[index]
            switch b {
            case quote:
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "<"):
                throw error("'<' is not allowed in an attribute value")
            case UInt8(ascii: "&"):
                try parseReference(into: &out)
            case 0x0D:
                // CR LF and a lone CR are one line end, which normalises to one space.
                index += 1
                if peek() == 0x0A { index += 1 }
                out.append(0x20)
            case 0x09, 0x0A:
                index += 1
                out.append(0x20)
            case 0x80...:
                let start = index
                _ = try decodeScalar()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            default:
                guard b >= 0x20 else { throw error("a control character is not allowed in XML") }
                index += 1
                out.append(b)
            }
        }
    }

    // MARK: Content

    /// Character data up to the next `<`, appended to the open element's text.
    mutating func parseText(into frame: inout Frame) throws(XMLParseError) {
        var segmentStart = index
        while index < bytes.count {
            let b = bytes[index]
            if b < 0x80 {
                switch b {
                case UInt8(ascii: "<"):
                    frame.appendRaw(segmentStart..<index, from: bytes)
                    return
                case UInt8(ascii: "&"):
                    frame.appendRaw(segmentStart..<index, from: bytes)
                    frame.hasText = true
                    frame.switchToBuffer(bytes)
                    try parseReference(into: &frame.textBuffer)
                    segmentStart = index
                case 0x0D:
                    normaliseLineEnd(from: segmentStart, into: &frame)
                    segmentStart = index
                case UInt8(ascii: "]"):
                    if peek(1) == UInt8(ascii: "]"), peek(2) == UInt8(ascii: ">") {
                        throw error("']]>' is not allowed in text")
                    }
                    index += 1
                case 0x09, 0x0A, 0x20...:
                    index += 1
                default:
                    throw error("a control character is not allowed in XML")
                }
            } else {
                _ = try decodeScalar()
            }
        }
        frame.appendRaw(segmentStart..<index, from: bytes)
    }

    /// A CR or CRLF at `index` becomes one LF in the text (XML's line-end normalisation); the
    /// text before it, from `segmentStart`, is kept first.
    @inline(__always)
    mutating func normaliseLineEnd(from segmentStart: Int, into frame: inout Frame) {
        frame.appendRaw(segmentStart..<index, from: bytes)
        frame.hasText = true
        frame.switchToBuffer(bytes)
        frame.textBuffer.append(0x0A)
        index += 1
        if peek() == 0x0A { index += 1 }
    }

    /// `<![CDATA[ ... ]]>`: the content is text as is (line ends normalised).
    mutating func parseCDATA(into frame: inout Frame) throws(XMLParseError) {
        let start = index
        index += 9
        var segmentStart = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]"), peek(2) == UInt8(ascii: ">") {
                frame.appendRaw(segmentStart..<index, from: bytes)
                index += 3
                return
            }
            if b == 0x0D {
                normaliseLineEnd(from: segmentStart, into: &frame)
                segmentStart = index
            } else if b >= 0x80 {
                _ = try decodeScalar()
            } else if b < 0x20, b != 0x09, b != 0x0A {
                throw error("a control character is not allowed in XML")
            } else {
                index += 1
            }
        }
        throw error("a CDATA section is not closed", at: start)
    }

    /// `&name;`, `&#decimal;` or `&#xhex;`, decoded as UTF-8 into `out`.
    mutating func parseReference(into out: inout [UInt8]) throws(XMLParseError) {
        let start = index
        index += 1
        if peek() == UInt8(ascii: "#") {
            index += 1
            let hex = peek() == UInt8(ascii: "x")
            if hex { index += 1 }
            var value: UInt32 = 0
            var digits = 0
            while let b = peek(), b != UInt8(ascii: ";") {
                let digit: UInt32
                switch b {
                case 48...57: digit = UInt32(b - 48)
                case 65...70 where hex: digit = UInt32(b - 55)
                case 97...102 where hex: digit = UInt32(b - 87)
                default: throw error("a bad character reference", at: start)
                }
                value = value &* (hex ? 16 : 10) &+ digit
                digits += 1
                guard value <= 0x10FFFF, digits <= 8 else { throw error("a character reference out of range", at: start) }
                index += 1
            }
            guard peek() == UInt8(ascii: ";"), digits > 0 else { throw error("a bad character reference", at: start) }
            index += 1
            guard let scalar = Unicode.Scalar(value), Reader.isXMLChar(value) else {
                throw error("a character reference to a character XML does not allow", at: start)
            }
            appendUTF8(scalar, to: &out)
            return
        }
        let nameStart = index
        while let b = peek(), b != UInt8(ascii: ";"), index - nameStart < 32 {
            guard (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) else { break }
            index += 1
        }
        let name = string(nameStart..<index)
        guard peek() == UInt8(ascii: ";"), !name.isEmpty else {
            throw error("'&' must start a reference such as &amp;", at: start)
        }
        index += 1
        switch name {
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "amp": out.append(UInt8(ascii: "&"))
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        default: throw error("unknown entity &\(name);", at: start)
        }
    }

    func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    // MARK: Comments and processing instructions

    mutating func skipComment() throws(XMLParseError) {
        let start = index
        index += 4
        while index + 2 < bytes.count {
            if bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-"), bytes[index + 2] == UInt8(ascii: ">") {
                index += 3
                return
            }
            index += 1
        }
        throw error("a comment is not closed", at: start)
    }

    mutating func skipProcessingInstruction() throws(XMLParseError) {
        let start = index
        index += 2
        let target = try parseName("a processing instruction target")
        if target.count == 3, string(target).lowercased() == "xml" {
            throw error("the XML declaration is only allowed at the very start", at: start)
        }
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: ">") {
                index += 2
                return
            }
            index += 1
        }
        throw error("a processing instruction is not closed", at: start)
    }

    // MARK: UTF-8

    /// Checks one multi-byte UTF-8 sequence at `index` (whose first byte is >= 0x80), that it
    /// is the shortest form, not a surrogate, and a character XML allows; moves past it.
    @inline(__always)
    mutating func decodeScalar() throws(XMLParseError) -> UInt32 {
        let b0 = bytes[index]
        let length: Int
        var scalar: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; scalar = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(b0 & 0x07)
        default: throw error("invalid UTF-8")
        }
        guard index + length <= bytes.count else { throw error("invalid UTF-8 (a truncated sequence)") }
        for i in 1..<length {
            let b = bytes[index + i]
            guard b & 0xC0 == 0x80 else { throw error("invalid UTF-8") }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
            throw error("invalid UTF-8")
        }
        guard scalar != 0xFFFE, scalar != 0xFFFF else { throw error("a character XML does not allow") }
        index += length
        return scalar
    }

    /// XML 1.0 `Char`.
    static func isXMLChar(_ c: UInt32) -> Bool {
        switch c {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
