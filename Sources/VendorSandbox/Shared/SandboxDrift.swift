import JSON
import Warehouse

/// A change a vendor makes to its documents' structure, as Beta and Development endpoints may
/// at any time: what billwh must notice instead of reading a document as empty. Applied to
/// every JSON data document of the paths it is set for (`SandboxFaults.setDrift`).
package enum SandboxDrift: Sendable, Hashable {
    /// Every member named `from` (in any letter case), at any depth, is named `to`.
    case renameKey(from: String, to: String)
    /// Every member named so (in any letter case), at any depth, is left out.
    case dropKey(String)
    /// Every member name in upper case (names are matched ignoring case: nothing may change).
    case upperCaseKeys
    /// Unknown members added to every object (nothing may change).
    case extraFields
    /// The document's `Totals.TotalExclVAT` is 1.00 more than its lines add up to.
    case totalsOff

    /// The command-line form: `rename:PriceLines=PriceLineItems`, `drop:SKU`, `upper-case-keys`,
    /// `extra-fields`, `totals-off`.
    package init?(parsing text: String) {
        switch text {
        case "upper-case-keys": self = .upperCaseKeys
        case "extra-fields": self = .extraFields
        case "totals-off": self = .totalsOff
        default:
            if text.hasPrefix("drop:"), text.count > 5 {
                self = .dropKey(String(text.dropFirst(5)))
            } else if text.hasPrefix("rename:"), let equals = text.firstIndex(of: "="),
                      case let from = text[text.index(text.startIndex, offsetBy: 7)..<equals], !from.isEmpty,
                      case let to = text[text.index(after: equals)...], !to.isEmpty {
                self = .renameKey(from: String(from), to: String(to))
            } else {
                return nil
            }
        }
    }

    static func apply(_ drifts: [SandboxDrift], to node: JSONValue) -> JSONValue {
        drifts.reduce(node) { node, drift in drift.apply(to: node, depth: 0) }
    }

    func apply(to node: JSONValue, depth: Int) -> JSONValue {
        switch node {
        case .object(let object):
            var out: [(String, JSONValue)] = []
            for (name, value) in object.members {
                let inner = apply(to: value, depth: depth + 1)
                switch self {
                case .renameKey(let from, let to) where name.lowercased() == from.lowercased():
                    out.append((to, inner))
                case .dropKey(let key) where name.lowercased() == key.lowercased():
                    continue
                case .upperCaseKeys:
                    out.append((name.uppercased(), inner))
                case .totalsOff where depth == 0 && name.lowercased() == "totals":
                    out.append((name, Self.raisedNetTotal(inner)))
                default:
                    out.append((name, inner))
                }
            }
            if self == .extraFields { out.append(("XDriftNote", .object([("Added", .string("by the vendor")), ("Level", .number("\(depth)"))]))) }
            return .object(out)
        case .array(let items):
            return .array(items.map { apply(to: $0, depth: depth + 1) })
        default:
            return node
        }
    }

    static func raisedNetTotal(_ totals: JSONValue) -> JSONValue {
        guard case .object(let object) = totals else { return totals }
        return .object(object.members.map { name, value in
            guard name.lowercased() == "totalexclvat", case .number(let text) = value,
                  let amount = try? Money(parsing: text) else { return (name, value) }
            return (name, .number(Money(micros: amount.micros + Money.microsPerUnit).description))
        })
    }
}
