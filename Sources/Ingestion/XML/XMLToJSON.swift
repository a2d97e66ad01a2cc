import JSON

// Turning XML elements into the `JSONValue` shapes the JSON decoders read, so an XML answer
// (2tCloud without `Accept: application/json`, docs/vendors.md) goes through the same
// decoder as a JSON one.
//
// Rules, for one element (names compared without their namespace prefix):
// - an attribute `<prefix>:nil` with value `true` or `1` (e.g. `xsi:nil="true"`) → `.null`;
// - no child elements and only whitespace (or nothing) as text → `.array([])` when the name is
//   one of `listNames` (ASCII case ignored), else `.null`;
// - no child elements and other text → `.string(text)`, exactly as sent (numbers stay strings;
//   the decoders accept numbers sent as strings);
// - a list container → `.array` of its children, even with 0 or 1 child. A container is an
//   element whose children all have the same name and whose own name is that name + "s"
//   (`PriceLines`/`PriceLine`, ASCII case ignored) or is one of `listNames`;
// - otherwise → `.object` keyed by the children's names (prefix removed) in document order;
//   a name occurring more than once becomes one `.array` member at its first position.
//   Text between child elements is ignored, and so are other attributes.
//
// Known limits of this mapping: a repeated element that is *not* inside a container and occurs
// once is an object, not a one-element array (XML does not say which it is); list containers
// whose plural is not name + "s" (e.g. `Entries`/`Entry`) are only recognised through
// `listNames`; a wrapper named like a plural of its only child kind (e.g. `Totals` holding
// only `Total` elements) would become an array.
extension XMLReader {
    /// The JSON shape of `element` (see the rules above).
    package static func jsonValue(_ element: XMLElement, listNames: Set<String>) -> JSONValue {
        XMLToJSONConverter(listNames).value(element)
    }

    /// The JSON shape of a whole document's root, built bottom-up without the tree.
    package static func jsonDocument(_ bytes: [UInt8], listNames: Set<String>) throws(XMLParseError) -> XMLJSONNode {
        try parse(bytes, builder: XMLJSONBuilder(listNames: listNames))
    }

    /// Parses an XML document `<root ...><element>...</element>...</root>` and returns each
    /// direct child named `element` with its exact byte range (from its `<` to the end of its
    /// end tag, so it can be stored verbatim) and its JSON shape. Names are matched ignoring ASCII
    /// case and a namespace prefix. Returns nil when the root element is not named `root`.
    package static func parseEnvelope(_ bytes: [UInt8], root: String, element: String,
                                     listNames: Set<String>) throws(XMLParseError) -> [(range: Range<Int>, value: JSONValue)]? {
        let cursor = XMLShapeCursor(bytes, listNames: listNames)
        var result: [(range: Range<Int>, value: JSONValue)] = []
        while let child = try cursor.next() {
            if asciiCaseInsensitiveEquals(child.localName, element) { result.append((child.range, child.value)) }
        }
        guard let name = cursor.rootName, asciiCaseInsensitiveEquals(XMLElement.localName(of: name), root) else { return nil }
        return result
    }
}

/// One element's JSON shape, kept until its parent is complete (`XMLJSONBuilder`).
package struct XMLJSONNode {
    /// The qualified name as written.
    package var name: String
    /// `name` without its namespace prefix.
    package var localName: String
    package var value: JSONValue
    /// The bytes of the whole element in the input.
    package var range: Range<Int>
    /// The qualified name of the first element below this one, in document order, whose local
    /// name is one the builder watches for (ASCII case ignored).
    package var watchedBelow: String?
}

/// Builds each element's JSON shape (the rules above) from its children's as it completes:
/// the tree of a large document is never built, only its JSON shape.
struct XMLJSONBuilder: XMLNodeBuilder {
    let converter: XMLToJSONConverter
    /// Local names `XMLJSONNode.watchedBelow` reports.
    let watched: [String]

    init(listNames: Set<String>, watching watched: [String] = []) {
        converter = XMLToJSONConverter(listNames)
        self.watched = watched
    }

    func node(name: String, attributes: [XMLAttribute], children: [XMLJSONNode], text: String, range: Range<Int>,
              isEmpty: Bool) -> XMLJSONNode {
        let localName = XMLElement.localName(of: name)
        let value = converter.isNil(attributes)
            ? JSONValue.null : converter.value(localName: localName, text: text, children: children.map { ($0.localName, $0.value) })
        var below: String?
        for child in children {
            if watched.contains(where: { asciiCaseInsensitiveEquals(child.localName, $0) }) { below = child.name; break }
            if let found = child.watchedBelow { below = found; break }
        }
        return XMLJSONNode(name: name, localName: localName, value: value, range: range, watchedBelow: below)
    }
}

struct XMLToJSONConverter {
    /// Lowercased (ASCII) local names.
    let listNames: Set<String>

    init(_ listNames: Set<String>) {
        self.listNames = Set(listNames.map { asciiLowercased($0) })
    }

    func value(_ element: XMLElement) -> JSONValue {
        if isNil(element.attributes) { return .null }
        return value(localName: element.localName, text: element.text, children: element.children.map { ($0.localName, value($0)) })
    }

    /// An element that is not nil, from its children's local names and shapes.
    func value(localName name: String, text: String, children: [(name: String, value: JSONValue)]) -> JSONValue {
        if children.isEmpty {
            if isBlank(text) {
                return listNames.contains(asciiLowercased(name)) ? .array([]) : .null
            }
            return .string(text)
        }
        let childNames = children.map(\.name)
        if isListContainer(name: name, childNames: childNames) {
            return .array(children.map(\.value))
        }
        var groups: [(key: String, values: [JSONValue])] = []
        groups.reserveCapacity(childNames.count)
        // Most objects have a handful of names, where a linear search beats hashing; the index
        // is built only for wide ones.
        var position: [String: Int]?
        for (childName, childValue) in children {
            if position == nil, groups.count > 16 {
                position = Dictionary(groups.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
            }
            let existing: Int?
            if let position { existing = position[childName] } else { existing = groups.firstIndex { $0.key == childName } }
            if let i = existing {
                groups[i].values.append(childValue)
            } else {
                position?[childName] = groups.count
                groups.append((childName, [childValue]))
            }
        }
        return .object(JSONObject(groups.map { ($0.key, $0.values.count == 1 ? $0.values[0] : .array($0.values)) }))
    }

    func isListContainer(name: String, childNames: [String]) -> Bool {
        let first = childNames[0]
        guard childNames.allSatisfy({ asciiCaseInsensitiveEquals($0, first) }) else { return false }
        return asciiCaseInsensitiveEquals(name, first + "s") || listNames.contains(asciiLowercased(name))
    }

    /// `xsi:nil="true"` under any prefix.
    func isNil(_ attributes: [XMLAttribute]) -> Bool {
        attributes.contains { attribute in
            guard attribute.name.utf8.count > 4, attribute.name.hasSuffix(":nil") else { return false }
            let value = attribute.value.trimmingXMLSpace
            return value == "1" || asciiCaseInsensitiveEquals(value, "true")
        }
    }

    func isBlank(_ text: String) -> Bool {
        text.utf8.allSatisfy(isXMLSpace)
    }
}

private func asciiLowercased(_ s: String) -> String {
    String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
}

/// XML's whitespace, which is JSON's too: space, tab, LF, CR.
func isXMLSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

extension String {
    /// Without leading and trailing XML whitespace, by bytes (`"\r\n"` is one Character, equal
    /// to neither `"\r"` nor `"\n"`); the string itself when there is none to drop.
    package var trimmingXMLSpace: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last, isXMLSpace(first) || isXMLSpace(last) else { return self }
        guard let start = utf8.firstIndex(where: { !isXMLSpace($0) }), let end = utf8.lastIndex(where: { !isXMLSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
