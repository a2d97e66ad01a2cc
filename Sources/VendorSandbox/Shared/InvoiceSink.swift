import JSON

/// Where `InvoiceRenderer` writes a document: JSON (`{"Header":{…},"Customers":[…]}`) or
/// 2tCloud's XML (`<Invoice><Header>…</Header><Customers><Customer>…`). The document's walk is
/// written once; a sink decides how a member, a list and a value look on the wire.
protocol InvoiceSink {
    /// 2tCloud's XML names a few things its own way (`Street`, the header's tax fields).
    var isXML: Bool { get }
    /// A named nested object / element.
    mutating func open(_ name: StaticString)
    mutating func close(_ name: StaticString)
    /// A named list; XML writes an empty `Customers` self-closing.
    mutating func openList(_ name: StaticString, selfClosingWhenEmpty: Bool)
    mutating func closeList(_ name: StaticString, selfClosingWhenEmpty: Bool)
    /// One entry of a list (XML names it, JSON does not).
    mutating func openItem(_ name: StaticString)
    mutating func closeItem(_ name: StaticString)
    /// Text; nil is `null` / self-closing.
    mutating func text(_ name: StaticString, _ value: String?)
    /// Text under a name from the data (Copaco's `VendorDetails`).
    mutating func text(named name: String, _ value: String)
    mutating func int(_ name: StaticString, _ value: Int?)
    /// A number from its exact text (a JSON number, XML text).
    mutating func number(_ name: StaticString, _ text: String)
    mutating func money(_ name: StaticString, _ micros: Int64)
    /// `YYYY-MM-DDT00:00:00`
    mutating func dateTime(_ name: StaticString, _ isoDay: String)
    mutating func bool(_ name: StaticString, _ value: Bool)
}

extension InvoiceSink {
    mutating func openList(_ name: StaticString) { openList(name, selfClosingWhenEmpty: false) }
    mutating func closeList(_ name: StaticString) { closeList(name, selfClosingWhenEmpty: false) }
}

extension JSONWriter: InvoiceSink {
    var isXML: Bool { false }
    mutating func open(_ name: StaticString) { key(name); beginObject() }
    mutating func close(_ name: StaticString) { endObject() }
    mutating func openList(_ name: StaticString, selfClosingWhenEmpty: Bool) { key(name); beginArray() }
    mutating func closeList(_ name: StaticString, selfClosingWhenEmpty: Bool) { endArray() }
    mutating func openItem(_ name: StaticString) { beginObject() }
    mutating func closeItem(_ name: StaticString) { endObject() }
    mutating func text(_ name: StaticString, _ value: String?) { key(name); optionalString(value) }
    mutating func text(named name: String, _ value: String) { key(name); string(value) }
    mutating func int(_ name: StaticString, _ value: Int?) { key(name); if let value { int(value) } else { null() } }
    mutating func number(_ name: StaticString, _ text: String) { key(name); numberText(text) }
    mutating func money(_ name: StaticString, _ micros: Int64) { key(name); money(micros) }
    mutating func dateTime(_ name: StaticString, _ isoDay: String) { key(name); dateTime(isoDay) }
    mutating func bool(_ name: StaticString, _ value: Bool) { key(name); bool(value) }
}

extension XMLWriter: InvoiceSink {
    var isXML: Bool { true }
    mutating func openList(_ name: StaticString, selfClosingWhenEmpty: Bool) { if selfClosingWhenEmpty { empty(name) } else { open(name) } }
    mutating func closeList(_ name: StaticString, selfClosingWhenEmpty: Bool) { if !selfClosingWhenEmpty { close(name) } }
    mutating func openItem(_ name: StaticString) { open(name) }
    mutating func closeItem(_ name: StaticString) { close(name) }
    mutating func int(_ name: StaticString, _ value: Int?) { text(name, value.map(String.init)) }
    mutating func number(_ name: StaticString, _ text: String) { self.text(name, text) }
    mutating func bool(_ name: StaticString, _ value: Bool) { text(name, value ? "true" : "false") }

    mutating func text(named name: String, _ value: String) {
        indent()
        bytes.append(UInt8(ascii: "<"))
        XMLWriter.appendEscaped(name, to: &bytes)
        bytes.append(UInt8(ascii: ">"))
        XMLWriter.appendEscaped(value, to: &bytes)
        bytes.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/")])
        XMLWriter.appendEscaped(name, to: &bytes)
        bytes.append(UInt8(ascii: ">"))
        newline()
    }
}
