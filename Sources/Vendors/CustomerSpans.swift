import Ingestion
import JSON
import Warehouse

/// A `Customers[]` entry read without building its tree: one pass over its bytes finds where
/// each member the line decoder reads is (a `JSONSpan` per field of the customer, of each
/// subscription and of each price line) and counts the field paths for the census; text is made
/// only for the fields read. `InvoiceSkeleton.customerLines` then reads it through
/// `SpanObject` exactly as it reads a `JSONObject`. Building the tree was most of decoding's
/// time: an object, a string per name and a value per member, for every price line.
///
/// One reader serves the customers of one document in turn (its buffers are reused); its
/// census memo is handed on to the next document's reader (`census`), with the paths it
/// spelled out, and notes into each document's `DocumentFields` what that one has not yet.
/// A value type, so that its hot loops need no run-time exclusivity checks; a `SpanObject`
/// holds a copy (of references).
struct CustomerSpans {
    let body: [UInt8]
    /// Per level, `level.fields.count` slots per object, objects in document order.
    private(set) var spans: [[JSONSpan]] = [[], [], []]
    /// Per level, the objects' children: which objects of the next level are theirs, and the
    /// first element of the array that is not an object.
    private(set) var children: [[Children]] = [[], []]
    private(set) var census = [CensusMemo(), CensusMemo(), CensusMemo()]
    /// The first field the customer read last names twice in one object (names match ignoring
    /// case), with that object's level: the document is then rejected, as with the tree
    /// (`InvoiceSkeleton.repeatedField(in:)`).
    private(set) var repeated: (field: InvoiceField, level: InvoiceField.Level)?

    struct Children {
        var objects: Range<Int>
        var notAnObject: (index: Int, kind: String)?
    }

    /// The names a level's slots match (`InvoiceField.name`), in slot order.
    private static let names: [[String]] = InvoiceField.Level.allCases.map { level in
        level.fields.map { InvoiceField(rawValue: $0)!.name }
    }

    /// Per level, the slots by the length of their names, names lower-cased.
    private static let tables: [SlotTable] = names.map(SlotTable.init)

    /// A level's names, flat: looking one up copies no array (a table of arrays retained and
    /// released one per candidate, for every member read).
    struct SlotTable {
        struct Candidate {
            var slot: Int
            /// Where its lower-cased name starts in `pool`.
            var start: Int
        }
        let pool: [UInt8]
        /// By the length of their names.
        let candidates: [Candidate]
        /// `firstOfLength[n]..<firstOfLength[n + 1]`: the candidates whose names are `n` long.
        let firstOfLength: [Int]

        init(_ names: [String]) {
            let lowercased = names.map { $0.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 } }
            let longest = lowercased.map(\.count).max() ?? 0
            var pool: [UInt8] = [], candidates: [Candidate] = [], firstOfLength: [Int] = []
            for length in 0...longest + 1 {
                firstOfLength.append(candidates.count)
                for (slot, name) in lowercased.enumerated() where name.count == length {
                    candidates.append(Candidate(slot: slot, start: pool.count))
                    pool += name
                }
            }
            self.pool = pool
            self.candidates = candidates
            self.firstOfLength = firstOfLength
        }
    }

    /// `arrayPath`: the customers array's path as the document spells it. `census`: the memo
    /// the previous document's reader left (`census`), if any.
    init(_ body: [UInt8], arrayPath: String, census: [CensusMemo]? = nil) {
        self.body = body
        if let census { self.census = census }
        self.census[0].enter(arrayPath + "[]")
    }

    /// The slot the member's name is read into at `level`, if any (ASCII case ignored).
    /// `table`: the level's (`Self.tables[level]`, looked up once per object).
    private static func slot(of name: JSONMemberName, level: Int, table: SlotTable, parser: JSONParser) -> Int? {
        if name.escaped {
            let text = parser.text(of: name)
            return names[level].firstIndex { asciiCaseInsensitiveEquals(text, $0) }
        }
        let count = name.range.count
        guard count + 1 < table.firstOfLength.count else { return nil }
        var index = table.firstOfLength[count]
        let end = table.firstOfLength[count + 1]
        while index < end {
            let candidate = table.candidates[index]
            if parser.name(name, matchesLowercased: table.pool, at: candidate.start) { return candidate.slot }
            index += 1
        }
        return nil
    }

    /// Reads the customer object at `range` of the body (validated JSON), noting its field paths
    /// in `fields` as `DocumentFields.walk` would; the customer is then `SpanObject(self)`.
    mutating func read(_ range: Range<Int>, fields: inout DocumentFields) throws(JSONParseError) {
        for level in spans.indices { spans[level].removeAll(keepingCapacity: true) }
        for level in children.indices { children[level].removeAll(keepingCapacity: true) }
        repeated = nil
        try JSONParser.reading(body, range: range) { (parser) throws(JSONParseError) in
            try readObject(&parser, level: .customer, fields: &fields)
        }
    }

    /// At `{`: the object's slots appended to its level.
    private mutating func readObject(_ parser: inout JSONParser, level: InvoiceField.Level, fields: inout DocumentFields) throws(JSONParseError) {
        let base = spans[level.rawValue].count
        spans[level.rawValue].append(contentsOf: repeatElement(JSONSpan.absent, count: level.fields.count))
        let table = Self.tables[level.rawValue]
        let childSlot = level.children?.slot
        var childrenRead = false
        var position = 0
        try parser.readMembers { (parser, name) throws(JSONParseError) in
            defer { position += 1 }
            note(name, at: position, level: level, parser: parser, fields: &fields)
            // The first member of a name is the one read (as `JSONObject`'s lookup finds it); a
            // second one makes the customer ambiguous (`repeated`).
            let slot = Self.slot(of: name, level: level.rawValue, table: table, parser: parser)
            if let slot, spans[level.rawValue][base + slot].kind != .absent, repeated == nil {
                repeated = (InvoiceField(rawValue: level.fields.lowerBound + slot)!, level)
            }
            if let slot, spans[level.rawValue][base + slot].kind == .absent {
                let start = parser.offset
                if slot == childSlot, parser.valueKind == .array, let child = level.childLevel {
                    try readChildren(&parser, level: child, arrayName: name, fields: &fields)
                    childrenRead = true
                    spans[level.rawValue][base + slot] = JSONSpan(kind: .array, range: start..<parser.offset)
                } else {
                    spans[level.rawValue][base + slot] = try Self.readOther(&parser, name: name, prefix: census[level.rawValue].prefix, fields: &fields)
                }
            } else {
                _ = try Self.readOther(&parser, name: name, prefix: census[level.rawValue].prefix, fields: &fields)
            }
        }
        if level.children != nil && !childrenRead {
            let count = spans[level.rawValue + 1].count / (level.childLevel?.fields.count ?? 1)
            children[level.rawValue].append(Children(objects: count..<count))
        }
    }

    /// At `[`: the elements of a structural array, each object read at `level`.
    private mutating func readChildren(_ parser: inout JSONParser, level: InvoiceField.Level, arrayName: JSONMemberName,
                              fields: inout DocumentFields) throws(JSONParseError) {
        let parent = level.rawValue - 1
        census[level.rawValue].enter(array: arrayName, under: census[parent].prefix, parser: parser)
        let slots = level.fields.count
        let first = spans[level.rawValue].count / slots
        var notAnObject: (index: Int, kind: String)?
        try parser.readElements { (parser, index) throws(JSONParseError) in
            if parser.valueKind == .object {
                try readObject(&parser, level: level, fields: &fields)
            } else {
                // Such an element rejects the document, whose census is then taken from its tree.
                let span = parser.skipValidated()
                if notAnObject == nil { notAnObject = (index, span.kindName) }
            }
        }
        children[parent].append(Children(objects: first..<spans[level.rawValue].count / slots, notAnObject: notAnObject))
    }

    /// A member's value the line decoder does not descend into: skipped, except that an object
    /// or array is built to count its field paths (rare: an unknown container, or a wrong type).
    /// Static, with the level's path prefix asked for only then: a method of `self` called from
    /// inside a mutating read retained and released each of its arrays, for every member.
    private static func readOther(_ parser: inout JSONParser, name: JSONMemberName, prefix: @autoclosure () -> String,
                                  fields: inout DocumentFields) throws(JSONParseError) -> JSONSpan {
        let kind = parser.valueKind
        guard kind == .object || kind == .array else { return parser.skipValidated() }
        let start = parser.offset
        let path = prefix() + "." + parser.text(of: name)
        switch try parser.readValue() {
        case .object(let object): fields.walk(object, at: path)
        case .array(let items): fields.walk(items, at: path + "[]")
        default: break
        }
        return JSONSpan(kind: kind, range: start..<parser.offset)
    }

    /// Notes the member's path unless an object before it at this level, in this document, had
    /// the same name at the same position (then it is noted already): `DocumentFields.walk`'s
    /// shortcut, by bytes. A name the memo has from an earlier document is noted with the path
    /// and key spelled out then.
    private mutating func note(_ name: JSONMemberName, at position: Int, level: InvoiceField.Level, parser: JSONParser,
                      fields: inout DocumentFields) {
        let l = level.rawValue
        if position < census[l].names.count, parser.name(name, equals: census[l].names[position].name) {
            guard census[l].names[position].noted != fields.generation else { return }
            census[l].names[position].noted = fields.generation
            fields.note(id: census[l].names[position].id)
            return
        }
        let id = fields.note(census[l].prefix + "." + parser.text(of: name))
        census[l].remember(name.escaped ? CensusMemo.never : parser.bytes(of: name), id: id,
                           noted: fields.generation, at: position)
    }

    /// The field paths noted at one level: its path prefix, and the names last seen at each
    /// position of its objects, with their paths' numbers (`FieldPathMemo.id`) and the
    /// document (`DocumentFields.generation`) that noted them last.
    struct CensusMemo {
        struct Name {
            var name: [UInt8]
            var id = -1
            var noted = -1
        }
        /// Bytes no unescaped name has (0xFF is never in UTF-8).
        static let never: [UInt8] = [0xFF]
        var prefix = ""
        var names: [Name] = []
        /// The array `prefix` was entered by (`enter(array:under:parser:)`): its parent's prefix
        /// and its name's bytes, so that the next object of the same array spells out nothing.
        private var parentPrefix = ""
        private var arrayName = Self.never

        /// Objects under `prefix` follow (a new structural array, perhaps spelled otherwise).
        mutating func enter(_ prefix: String) {
            guard prefix != self.prefix else { return }
            self.prefix = prefix
            names.removeAll()
        }

        /// The elements of the array `name`, a member of objects under `parentPrefix`, follow.
        mutating func enter(array name: JSONMemberName, under parentPrefix: String, parser: JSONParser) {
            if parser.name(name, equals: arrayName), parentPrefix == self.parentPrefix { return }
            enter(parentPrefix + "." + parser.text(of: name) + "[]")
            self.parentPrefix = parentPrefix
            arrayName = name.escaped ? Self.never : parser.bytes(of: name)
        }

        mutating func remember(_ name: [UInt8], id: Int, noted: Int, at position: Int) {
            while names.count < position { names.append(Name(name: Self.never)) }
            let entry = Name(name: name, id: id, noted: noted)
            if position < names.count { names[position] = entry } else { names.append(entry) }
        }
    }
}

extension InvoiceField.Level {
    var childLevel: InvoiceField.Level? { InvoiceField.Level(rawValue: rawValue + 1) }
}

/// A customer, subscription or price line of a `CustomerSpans`, read like a `JSONObject`.
struct SpanObject: InvoiceMembers {
    let reader: CustomerSpans
    let level: InvoiceField.Level
    /// Which object of its level.
    let index: Int

    /// The customer the reader read last.
    init(_ reader: CustomerSpans) { self.init(reader: reader, level: .customer, index: 0) }

    private init(reader: CustomerSpans, level: InvoiceField.Level, index: Int) {
        self.reader = reader
        self.level = level
        self.index = index
    }

    private func span(_ field: InvoiceField) -> JSONSpan {
        reader.spans[level.rawValue][index * level.fields.count + field.slot]
    }

    func field(_ field: InvoiceField) -> FieldValue { FieldValue(span(field), in: reader.body) }

    func isPresent(_ field: InvoiceField) -> Bool { span(field).isPresent }

    func requiredObjects(_ field: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> [SpanObject] {
        precondition(field == level.children, "\(field) is not the structural array of a \(level)")
        let value = span(field)
        switch value.kind {
        case .absent, .null:
            throw DocumentRejection(Drift.missingArray("\(path()).\(field.name)"))
        case .array:
            let children = reader.children[level.rawValue][index]
            if let bad = children.notAnObject {
                throw DocumentRejection("\(path()).\(field.name)[\(bad.index)]: expected an object, got \(bad.kind)")
            }
            let child = level.childLevel!
            return children.objects.map { SpanObject(reader: reader, level: child, index: $0) }
        default:
            throw DocumentRejection("\(path()).\(field.name): expected an array, got \(value.kindName)")
        }
    }
}
