import Warehouse

/// A vendor the warehouse knows: the names used in the database and on the command line.
public struct VendorID: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Comparable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let copaco = VendorID(rawValue: "copaco")
    public static let twotcloud = VendorID(rawValue: "twotcloud")
    public static let copper = VendorID(rawValue: "copper")
    public var description: String { rawValue }
    public static func < (a: VendorID, b: VendorID) -> Bool { a.rawValue < b.rawValue }
}

/// Incoming = vendor → reseller (cost); outgoing = reseller → customer (selling price);
/// cross-check = a vendor's own merge of both, kept in raw for comparison only (never staged).
public enum Direction: String, Sendable {
    case incoming, outgoing
    case crossCheck = "crosscheck"

    /// Whether documents of this direction become staging lines (and so purchases).
    public var isStaged: Bool { self != .crossCheck }
}

/// One API endpoint of a vendor and what its documents mean to the warehouse.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let path: String
    public let version: String
    public let direction: Direction

    public init(name: String, path: String, version: String, direction: Direction) {
        self.name = name
        self.path = path
        self.version = version
        self.direction = direction
    }

    public var description: String { name }
}

/// A typed price line, one row of `staging_lines`.
public struct StagingLine: Sendable, Equatable {
    /// What identifies the customer for reconciliation, as the vendor's matching rule says
    /// (Copaco: `CustomerNumber`; 2tCloud: `AccountID`); empty when unknown.
    public var customerKey: String = ""
    public var customerAccountID: String?
    public var customerNumber: String?
    public var customerName: String?
    public var subscriptionID: String?
    public var subscriptionName: String?
    public var lineRef: String?
    public var uid: String?
    public var rowHash: String?
    public var sku: String?
    public var description: String?
    public var chargeType: String?
    /// Exactly as sent; `quantityNorm` is its canonical form for comparisons.
    public var quantity: String?
    public var quantityNorm: String?
    public var unitPrice: Money?
    public var amount: Money
    public var vat: Money?
    public var periodStart: CalendarDate?
    public var periodEnd: CalendarDate?

    public init(amount: Money) { self.amount = amount }
}

/// A document decoded whole into what staging needs: its header and every line.
public struct DecodedDocument: Sendable, Equatable {
    public var header: DocumentHeader
    public var lines: [StagingLine]

    public init(header: DocumentHeader, lines: [StagingLine]) {
        self.header = header
        self.lines = lines
    }

    public init(key: String, date: CalendarDate, type: String?, currency: String, lines: [StagingLine], statedTotal: Money? = nil) {
        self.init(header: DocumentHeader(key: key, date: date, type: type, currency: currency, statedTotal: statedTotal), lines: lines)
    }

    public var key: String { get { header.key } set { header.key = newValue } }
    public var date: CalendarDate { get { header.date } set { header.date = newValue } }
    public var type: String? { get { header.type } set { header.type = newValue } }
    public var currency: String { get { header.currency } set { header.currency = newValue } }
    public var statedTotal: Money? { get { header.statedTotal } set { header.statedTotal = newValue } }
}

/// One document as it came over the wire (its exact bytes) and what decoding made of it.
public struct FetchedDocument: Sendable {
    public var raw: [UInt8]
    /// The document's key where it could be read even though decoding failed.
    public var keyHint: String?
    public var result: Result<DecodedDocument, DocumentRejection>

    public init(raw: [UInt8], keyHint: String?, result: Result<DecodedDocument, DocumentRejection>) {
        self.raw = raw
        self.keyHint = keyHint
        self.result = result
    }
}

/// Why a document (or a whole response) cannot be used; kept with its bytes in quarantine.
public struct DocumentRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// What a document says about itself, read before its lines.
public struct DocumentHeader: Sendable, Equatable {
    public var key: String
    public var date: CalendarDate
    public var type: String?
    public var currency: String
    /// The document's own total excluding VAT, where the vendor sends one (checked by `billwh check`).
    public var statedTotal: Money?

    public init(key: String, date: CalendarDate, type: String?, currency: String, statedTotal: Money? = nil) {
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
public struct LineSource {
    let produce: ((StagingLine) throws -> Void) throws -> Void

    public init(_ produce: @escaping ((StagingLine) throws -> Void) throws -> Void) { self.produce = produce }
    public init(_ lines: [StagingLine]) { self.produce = { emit in for line in lines { try emit(line) } } }

    public func forEach(_ emit: (StagingLine) throws -> Void) throws {
        try withoutActuallyEscaping(emit) { emit in try produce(emit) }
    }

    /// Every line, or the rejection.
    public func collect() throws(DocumentRejection) -> [StagingLine] {
        var lines: [StagingLine] = []
        do { try forEach { lines.append($0) } } catch let rejection as DocumentRejection { throw rejection } catch {
            throw DocumentRejection("\(error)")
        }
        return lines
    }
}

/// One document of a response as the writer reads it: its exact bytes, and its header with a
/// source of its lines — or why it cannot be used.
public struct StreamedDocument {
    /// The document's exact bytes: a slice of the response, not a copy.
    public var raw: ArraySlice<UInt8>
    public var keyHint: String?
    public var result: Result<(header: DocumentHeader, lines: LineSource), DocumentRejection>
    /// `sha256Hex(raw)` when the stream has it already (DecodeAhead hashes on its own thread).
    public var contentSHA256: String?

    public init(raw: ArraySlice<UInt8>, keyHint: String?, result: Result<(header: DocumentHeader, lines: LineSource), DocumentRejection>,
                contentSHA256: String? = nil) {
        self.raw = raw
        self.keyHint = keyHint
        self.result = result
        self.contentSHA256 = contentSHA256
    }

    /// The content hash the warehouse keys raw versions and quarantine sightings by.
    public var contentHash: String { contentSHA256 ?? sha256Hex(raw) }

    /// A document decoded whole.
    public init(_ document: FetchedDocument) {
        self.raw = document.raw[...]
        self.keyHint = document.keyHint
        self.result = document.result.map { decoded in (decoded.header, LineSource(decoded.lines)) }
    }

    /// Decodes every line now: a line's rejection becomes the document's.
    public func collected() -> FetchedDocument {
        let result = self.result.flatMap { (header, lines) -> Result<DecodedDocument, DocumentRejection> in
            Result { () throws(DocumentRejection) in DecodedDocument(header: header, lines: try lines.collect()) }
        }
        return FetchedDocument(raw: Array(raw), keyHint: keyHint, result: result)
    }
}
