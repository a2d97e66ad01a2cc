import Warehouse

/// A vendor the warehouse knows: the names used in the database and on the command line.
package struct VendorID: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Comparable {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
    package static let copaco = VendorID(rawValue: "copaco")
    package static let twotcloud = VendorID(rawValue: "twotcloud")
    package static let copper = VendorID(rawValue: "copper")
    package var description: String { rawValue }
    package static func < (a: VendorID, b: VendorID) -> Bool { a.rawValue < b.rawValue }
}

/// Incoming = vendor → reseller (cost); outgoing = reseller → customer (selling price);
/// cross-check = a vendor's own merge of both, kept in raw for comparison only (never staged).
package enum Direction: String, Sendable {
    case incoming, outgoing
    case crossCheck = "crosscheck"

    /// Whether documents of this direction become staging lines (and so purchases).
    package var isStaged: Bool { self != .crossCheck }
}

/// One API endpoint of a vendor and what its documents mean to the warehouse.
package struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    package let name: String
    package let path: String
    package let version: String
    package let direction: Direction

    package init(name: String, path: String, version: String, direction: Direction) {
        self.name = name
        self.path = path
        self.version = version
        self.direction = direction
    }

    package var description: String { name }
}

/// A typed price line, one row of `staging_lines`.
package struct StagingLine: Sendable, Equatable {
    /// What identifies the customer for reconciliation, as the vendor's matching rule says
    /// (Copaco: `CustomerNumber`; 2tCloud: `AccountID`); empty when unknown.
    package var customerKey: String = ""
    package var customerAccountID: String?
    package var customerNumber: String?
    package var customerName: String?
    package var subscriptionID: String?
    package var subscriptionName: String?
    package var lineRef: String?
    package var uid: String?
    package var rowHash: String?
    package var sku: String?
    package var description: String?
    package var chargeType: String?
    /// Exactly as sent; `quantityNorm` is its canonical form for comparisons.
    package var quantity: String?
    package var quantityNorm: String?
    package var unitPrice: Money?
    package var amount: Money
    package var vat: Money?
    package var periodStart: CalendarDate?
    package var periodEnd: CalendarDate?

    package init(amount: Money) { self.amount = amount }
}

/// A document decoded whole into what staging needs: its header and every line.
package struct DecodedDocument: Sendable, Equatable {
    package var header: DocumentHeader
    package var lines: [StagingLine]

    package init(header: DocumentHeader, lines: [StagingLine]) {
        self.header = header
        self.lines = lines
    }

    package init(key: String, date: CalendarDate, type: String?, currency: String, lines: [StagingLine], statedTotal: Money? = nil) {
        self.init(header: DocumentHeader(key: key, date: date, type: type, currency: currency, statedTotal: statedTotal), lines: lines)
    }

    package var key: String { get { header.key } set { header.key = newValue } }
    package var date: CalendarDate { get { header.date } set { header.date = newValue } }
    package var type: String? { get { header.type } set { header.type = newValue } }
    package var currency: String { get { header.currency } set { header.currency = newValue } }
    package var statedTotal: Money? { get { header.statedTotal } set { header.statedTotal = newValue } }
}

/// One document as it came over the wire (its exact bytes) and what decoding made of it.
package struct FetchedDocument: Sendable {
    package var raw: [UInt8]
    /// The document's key where it could be read even though decoding failed.
    package var keyHint: String?
    package var result: Result<DecodedDocument, DocumentRejection>

    package init(raw: [UInt8], keyHint: String?, result: Result<DecodedDocument, DocumentRejection>) {
        self.raw = raw
        self.keyHint = keyHint
        self.result = result
    }
}

/// Why a document (or a whole response) cannot be used; kept with its bytes in quarantine.
package struct DocumentRejection: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
    package var description: String { reason }
}

/// What a document says about itself, read before its lines.
package struct DocumentHeader: Sendable, Equatable {
    package var key: String
    package var date: CalendarDate
    package var type: String?
    package var currency: String
    /// The document's own total excluding VAT, where the vendor sends one (checked by `billwh check`).
    package var statedTotal: Money?

    package init(key: String, date: CalendarDate, type: String?, currency: String, statedTotal: Money? = nil) {
        self.key = key
        self.date = date
        self.type = type
        self.currency = currency
        self.statedTotal = statedTotal
    }
}

/// A document's lines, decoded on demand and handed over one at a time, so that a document of
/// hundreds of thousands of lines is never held whole. Throws `DocumentRejection` for a line
/// that does not decode (the whole document is then rejected); what `emit` throws passes through.
package struct LineSource {
    let produce: ((StagingLine) throws -> Void) throws -> Void
    /// The match groups of the lines, once all were read, where the source worked them out on
    /// its own thread (DecodeAhead); nil when the reader must.
    package let groups: (() -> TouchedGroups)?

    package init(groups: (() -> TouchedGroups)? = nil, _ produce: @escaping ((StagingLine) throws -> Void) throws -> Void) {
        self.produce = produce
        self.groups = groups
    }
    package init(_ lines: [StagingLine]) { self.init { emit in for line in lines { try emit(line) } } }

    package func forEach(_ emit: (StagingLine) throws -> Void) throws {
        try withoutActuallyEscaping(emit) { emit in try produce(emit) }
    }

    /// Every line, or the rejection.
    package func collect() throws(DocumentRejection) -> [StagingLine] {
        var lines: [StagingLine] = []
        do { try forEach { lines.append($0) } } catch let rejection as DocumentRejection { throw rejection } catch {
            throw DocumentRejection("\(error)")
        }
        return lines
    }
}

/// One document of a response as the writer reads it: its exact bytes, and its header with a
/// source of its lines — or why it cannot be used.
package struct StreamedDocument {
    /// The document's exact bytes: a slice of the response, not a copy.
    package var raw: ArraySlice<UInt8>
    package var keyHint: String?
    package var result: Result<(header: DocumentHeader, lines: LineSource), DocumentRejection>
    /// `sha256Hex(raw)` when the stream has it already (DecodeAhead hashes on its own thread).
    package var contentSHA256: String?

    package init(raw: ArraySlice<UInt8>, keyHint: String?, result: Result<(header: DocumentHeader, lines: LineSource), DocumentRejection>,
                contentSHA256: String? = nil) {
        self.raw = raw
        self.keyHint = keyHint
        self.result = result
        self.contentSHA256 = contentSHA256
    }

    /// The content hash the warehouse keys raw versions and quarantine sightings by.
    package var contentHash: String { contentSHA256 ?? sha256Hex(raw) }

    /// A document decoded whole.
    package init(_ document: FetchedDocument) {
        self.raw = document.raw[...]
        self.keyHint = document.keyHint
        self.result = document.result.map { decoded in (decoded.header, LineSource(decoded.lines)) }
    }

    /// Decodes every line now: a line's rejection becomes the document's.
    package func collected() -> FetchedDocument {
        let result = self.result.flatMap { (header, lines) -> Result<DecodedDocument, DocumentRejection> in
            Result { () throws(DocumentRejection) in DecodedDocument(header: header, lines: try lines.collect()) }
        }
        return FetchedDocument(raw: Array(raw), keyHint: keyHint, result: result)
    }
}
