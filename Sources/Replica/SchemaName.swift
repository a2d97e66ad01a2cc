/// A PostgreSQL schema name billwh will quote into SQL: lower-case letters, digits and `_`,
/// starting with a letter, at most 63 bytes (PostgreSQL's identifier limit). One schema per
/// warehouse (per reseller), so that many warehouses can share a server or a Citus cluster.
package struct SchemaName: Sendable, Hashable, CustomStringConvertible {
    package let name: String

    package init(_ name: String) throws(ReplicaError) {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 63
            && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0])
            && bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
        guard valid, !name.hasPrefix("pg_"), name != "information_schema", name != "public" else {
            throw .usage("--schema takes a lower-case name of letters, digits and _ starting with a letter (not pg_…, information_schema or public), at most 63 characters; got \(name.prefix(70))")
        }
        self.name = name
    }

    package static let `default` = try! SchemaName("billwh")

    package var description: String { name }
    /// Quoted for SQL (the name is validated, so quoting cannot be escaped).
    package var quoted: String { "\"\(name)\"" }
}
