import Ingestion
import JSON
import Warehouse

/// One member's value as the field readers see it: absent and `null` are the same (optional
/// fields), and a number keeps its exact text. Both line decoders (the tree's `JSONObject` and
/// the span reader's `SpanObject`) read through these, so their rules and wording are one.
enum FieldValue {
    case missing
    case string(String)
    case number(String)
    case bool(Bool)
    /// An object or array where a field was expected (its `JSONValue.kind`).
    case container(String)

    init(_ value: JSONValue?) {
        switch value {
        case nil, .null?: self = .missing
        case .string(let s)?: self = .string(s)
        case .number(let n)?: self = .number(n)
        case .bool(let b)?: self = .bool(b)
        case let other?: self = .container(other.kind)
        }
    }

    init(_ span: JSONSpan, in body: [UInt8]) {
        switch span.kind {
        case .absent, .null: self = .missing
        case .string: self = .string(span.text(in: body) ?? "")
        case .number: self = .number(span.text(in: body) ?? "")
        case .true: self = .bool(true)
        case .false: self = .bool(false)
        case .object, .array: self = .container(span.kindName)
        }
    }

    var kind: String {
        switch self {
        case .missing: "null"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .container(let kind): kind
        }
    }

    func text(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> String? {
        switch self {
        case .missing: return nil
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .container(let kind): throw DocumentRejection("\(path()).\(name): expected text, got \(kind)")
        }
    }

    /// An identifier the contract types as a number (`AccountID`, `SubscriptionID`): a number
    /// in canonical form, so that `112.0` names what `112` does, whether sent as a number or as
    /// text (XML sends every number as text, which may be wrapped in whitespace); an integer
    /// spelled as text keeps its leading zeros (`"0112"`). An exponent too large to spell out
    /// stays as sent.
    func identifier(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> String? {
        let spelled: String
        switch self {
        case .number(let n): spelled = n
        case .string(let s): spelled = s.trimmingXMLSpace
        default: return try text(name, in: path())
        }
        guard spelled == "-0" || spelled.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) else {
            return spelled
        }
        if let e = spelled.utf8.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }),
           abs(Int(spelled[spelled.utf8.index(after: e)...].drop(while: { $0 == "+" })) ?? .max) > 64 {
            return spelled
        }
        return (try? ExactDecimal(parsing: spelled))?.description ?? spelled
    }

    func requiredText(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> String {
        guard let value = try text(name, in: path()), !value.isEmpty else {
            throw DocumentRejection("\(path()).\(name): missing")
        }
        return value
    }

    /// The exact text of a number, sent as a number or as a string; nil when absent or null.
    /// A string's surrounding whitespace is not part of the number: XML element text (2tCloud
    /// without `Accept`) may be wrapped in it, and XML Schema's decimals ignore it too.
    func numberText(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> String? {
        switch self {
        case .missing: return nil
        case .number(let n): return n
        case .string(let s): return s.trimmingXMLSpace
        case .bool, .container: throw DocumentRejection("\(path()).\(name): expected a number, got \(kind)")
        }
    }

    /// An amount from its exact text. Numbers sent as strings are accepted when they parse.
    func money(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> Money? {
        guard let text = try numberText(name, in: path()) else { return nil }
        do { return try Money(parsing: text) } catch {
            throw DocumentRejection("\(path()).\(name): \(error)")
        }
    }

    func requiredMoney(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> Money {
        guard let value = try money(name, in: path()) else { throw DocumentRejection("\(path()).\(name): missing") }
        return value
    }

    /// A decimal kept as sent plus its canonical form (quantities may exceed 6 decimals).
    func decimal(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> (sent: String, canonical: String)? {
        guard let text = try numberText(name, in: path()) else { return nil }
        do { return (text, try ExactDecimal(parsing: text).description) } catch {
            throw DocumentRejection("\(path()).\(name): \(error)")
        }
    }

    func date(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> CalendarDate? {
        guard let text = try text(name, in: path())?.trimmingXMLSpace, !text.isEmpty else { return nil }
        guard let date = CalendarDate(parsing: text) else {
            throw DocumentRejection("\(path()).\(name): not a date (YYYY-MM-DD[Thh:mm:ss]): \(text.prefix(40))")
        }
        return date
    }

    func requiredDate(_ name: String, in path: @autoclosure () -> String) throws(DocumentRejection) -> CalendarDate {
        guard let value = try date(name, in: path()) else { throw DocumentRejection("\(path()).\(name): missing") }
        return value
    }
}

/// Reading typed fields out of a vendor object: names ignore case, and a wrong type is a
/// rejection naming the field (`FieldValue`).
extension JSONObject {
    func field(_ name: String) -> FieldValue { FieldValue(self[name]) }

    /// The first of `names` (as spelled there) that a second member is named like, ignoring
    /// case; `seen`: names taken out of the object already (a deferred array).
    func repeatedMember(among names: [String], seen: [String] = []) -> String? {
        // A bit per name (a handful of them), checked once per document: no allocation.
        var counted = 0
        for (i, name) in names.enumerated() where seen.contains(name) { counted |= 1 << i }
        for member in members {
            let length = member.key.utf8.count
            guard let i = names.firstIndex(where: { $0.utf8.count == length && asciiCaseInsensitiveEquals(member.key, $0) }) else { continue }
            if counted & (1 << i) != 0 { return names[i] }
            counted |= 1 << i
        }
        return nil
    }

    func text(_ name: String, in path: String) throws(DocumentRejection) -> String? { try field(name).text(name, in: path) }
    func requiredText(_ name: String, in path: String) throws(DocumentRejection) -> String { try field(name).requiredText(name, in: path) }
    func money(_ name: String, in path: String) throws(DocumentRejection) -> Money? { try field(name).money(name, in: path) }
    func requiredDate(_ name: String, in path: String) throws(DocumentRejection) -> CalendarDate { try field(name).requiredDate(name, in: path) }

    func object(_ name: String, in path: String) throws(DocumentRejection) -> JSONObject? {
        switch self[name] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case let other?: throw DocumentRejection("\(path).\(name): expected an object, got \(other.kind)")
        }
    }

    /// A structural array (`Customers`, `Subscriptions`, `PriceLines`): present and empty is an
    /// empty list, but absent or null is a rejection, since a document read as empty because a
    /// name no longer matched would silently drop its lines.
    func requiredObjects(_ name: String, in path: String) throws(DocumentRejection) -> [JSONObject] {
        guard isPresent(name) else { throw DocumentRejection(Drift.missingArray("\(path).\(name)")) }
        return try objects(name, in: path)
    }

    /// Whether the member is there with a value other than `null`.
    func isPresent(_ name: String) -> Bool {
        switch self[name] {
        case nil, .null?: false
        default: true
        }
    }

    /// Array of objects; absent or null is empty.
    func objects(_ name: String, in path: String) throws(DocumentRejection) -> [JSONObject] {
        switch self[name] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [JSONObject] = []
            result.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .object(let o) = item else {
                    throw DocumentRejection("\(path).\(name)[\(index)]: expected an object, got \(item.kind)")
                }
                result.append(o)
            }
            return result
        case let other?: throw DocumentRejection("\(path).\(name): expected an array, got \(other.kind)")
        }
    }
}

/// The wording of rejections that point at a change on the vendor's side.
enum Drift {
    static func missingArray(_ path: String) -> String {
        "\(path): missing (absent, not an empty list) — field renamed or removed by the vendor? The document was quarantined rather than stored without its lines"
    }

    /// A member named twice in one object (names match ignoring case): reading either would be
    /// a guess, and reading the first of `"PriceLines": [], "priceLines": [...]` loses lines.
    static func repeatedMember(_ path: String, _ name: String, in object: String? = nil) -> String {
        "\(path): \(object.map { $0 + " has" } ?? "has") more than one member named \"\(name)\" (names are matched ignoring case): which one holds the data is ambiguous, so the document was quarantined rather than read from either"
    }

    static func missingField(_ path: String, use: String) -> String {
        "\(path): missing, and \(use) needs it — field renamed or removed by the vendor?"
    }
}
