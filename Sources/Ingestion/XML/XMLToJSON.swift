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
        converter(listNames).value(element)
    }

    /// Parses an XML document `<root ...><element>...</element>...</root>` and returns each
    /// direct child named `element` with its exact byte range (from its `<` to the end of its
    /// end tag, so it can be stored verbatim) and its JSON shape. Names are matched ignoring ASCII
    /// case and a namespace prefix. Returns nil when the root element is not named `root`.
    package static func parseEnvelope(_ bytes: [UInt8], root: String, element: String,
                                     listNames: Set<String>) throws(XMLParseError) -> [(range: Range<Int>, value: JSONValue)]? {
        let cursor = XMLEnvelopeCursor(bytes)
        let converter = converter(listNames)
        var result: [(range: Range<Int>, value: JSONValue)] = []
        while let child = try cursor.next() {
            if asciiCaseInsensitiveEquals(child.localName, element) { result.append((child.range, converter.value(child))) }
        }
        guard let name = cursor.rootName, asciiCaseInsensitiveEquals(XMLElement.localName(of: name), root) else { return nil }
        return result
    }

    private static func converter(_ listNames: Set<String>) -> XMLToJSONConverter {
        XMLToJSONConverter(listNames: Set(listNames.map { asciiLowercased($0) }))
    }
}

private struct XMLToJSONConverter {
    /// Lowercased (ASCII) local names.
    let listNames: Set<String>

    func value(_ element: XMLElement) -> JSONValue {
        if isNil(element) { return .null }
        let name = element.localName
        if element.children.isEmpty {
            if isBlank(element.text) {
                return listNames.contains(asciiLowercased(name)) ? .array([]) : .null
            }
            return .string(element.text)
        }
        let childNames = element.children.map(\.localName)
        if isListContainer(name: name, childNames: childNames) {
            return .array(element.children.map(value))
        }
        var groups: [(key: String, values: [JSONValue])] = []
        groups.reserveCapacity(childNames.count)
        // Most objects have a handful of names, where a linear search beats hashing; the index
        // is built only for wide ones.
        var position: [String: Int]?
        for (child, childName) in zip(element.children, childNames) {
            let childValue = value(child)
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
    func isNil(_ element: XMLElement) -> Bool {
        element.attributes.contains { attribute in
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
