import JSON
import Warehouse

/// Rewrites a rendered document as a vendor's API might, for the `mutateFields` fault.
struct FieldMutator {
    var rng: SplitMix64

    /// Extra members; none of these names equals (ignoring case) a contract field.
    static let extras: [(String, JSONValue)] = [
        ("XRevision", .number("3")),
        ("_links", .object([("self", .string("/api/v1/internal/7f3a")), ("related", .array([.string("/a"), .null]))])),
        ("Tags", .array([.string("nce"), .number("1.5"), .bool(true), .null, .object([("k", .string("v"))])])),
        ("Remark", .string("Opmerking: \"intern\" – niet tonen\nregel 2 \\ €")),
        ("IsPreview", .bool(false)),
        ("Metadata", .object([("Source", .string("billing-v1.7")), ("Nested", .object([("Level", .number("2")), ("Items", .array([.number("0"), .object([("Deep", .null)])]))]))])),
        ("LegacyCode", .null),
        ("ExtraAmount", .number("999.99")),
    ]

    mutating func varyName(_ name: String) -> String {
        switch rng.below(6) {
        case 0: return name.lowercased()
        case 1: return name.uppercased()
        case 2:
            // ID <-> Id, the inconsistency the vendors actually show.
            if name.hasSuffix("ID") { return String(name.dropLast(2)) + "Id" }
            if name.hasSuffix("Id") { return String(name.dropLast(2)) + "ID" }
            return name.lowercased()
        case 3:
            guard let first = name.first else { return name }
            return first.lowercased() + name.dropFirst()
        default: return name
        }
    }

    /// Other letter cases, other member order, extra members. `idsAsId`: every `…ID` becomes
    /// `…Id` (2tCloud's own inconsistency) instead of a varied name.
    mutating func mutate(_ node: JSONValue, idsAsId: Bool = false) -> JSONValue {
        switch node {
        case .object(let object):
            var out: [(String, JSONValue)] = []
            for (name, value) in object.members {
                let renamed = idsAsId && name.hasSuffix("ID") ? String(name.dropLast(2)) + "Id" : varyName(name)
                out.append((renamed, mutate(value, idsAsId: idsAsId)))
            }
            let extraCount = Int(rng.below(3))
            var used = Set<Int>()
            for _ in 0..<extraCount {
                let pick = Int(rng.below(UInt64(FieldMutator.extras.count)))
                if used.insert(pick).inserted { out.append(FieldMutator.extras[pick]) }
            }
            rng.shuffle(&out)
            return .object(out)
        case .array(let items):
            return .array(items.map { mutate($0, idsAsId: idsAsId) })
        default:
            return node
        }
    }
}
