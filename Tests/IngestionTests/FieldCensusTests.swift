import Ingestion
import Testing

/// The census counts every document's paths, whether it carries the same fields as the
/// documents before it (counted together) or not.
@Suite struct FieldCensusTests {
    func counts(_ documents: [[String]], into census: FieldCensus = FieldCensus()) -> [String: String] {
        for paths in documents {
            var fields = DocumentFields()
            for path in paths { fields.note(path) }
            census.add(fields)
        }
        return Dictionary(uniqueKeysWithValues: census.paths.map { ($0.key, "\($0.path) \($0.documents)") })
    }

    @Test func runsOfAlikeDocumentsCountLikeEachOnItsOwn() {
        let documents = [["A", "B"], ["A", "B"], ["A", "B"], ["A"], ["A", "B"], ["a", "B"], ["a", "B"], ["B", "a"], ["C"]]
        #expect(counts(documents) == ["a": "a 8", "b": "B 7", "c": "C 1"])
        // Read part way, then counted on: what was read is not counted twice.
        let census = FieldCensus()
        _ = counts(Array(documents.prefix(2)), into: census)
        #expect(counts(Array(documents.dropFirst(2)), into: census) == ["a": "a 8", "b": "B 7", "c": "C 1"])
        #expect(census.documents == documents.count)
    }

    /// An object keyed by ids (one name per line or per customer) counts its first names one
    /// by one and the rest as one `.*` path: the census, and the vendor_fields rows it becomes,
    /// stay bounded.
    @Test func anObjectKeyedByIDsCountsItsNamesPastTheLimitAsOne() {
        let memo = FieldPathMemo()
        let census = FieldCensus()
        for document in 0..<50 {
            var fields = DocumentFields(memo: memo)
            fields.note("Invoices[].Header")
            for line in 0..<100 {
                let id = "Invoices[].VendorDetails.ID\(document * 100 + line)"
                fields.note(id)
            }
            census.add(fields)
        }
        let paths = census.paths.map(\.path)
        let limit = FieldPathMemo.namesPerObject
        #expect(paths.filter { $0.hasPrefix("Invoices[].VendorDetails.ID") }.count == limit)
        #expect(paths.contains("Invoices[].VendorDetails.*") && paths.contains("Invoices[].Header"))
        #expect(paths.count == limit + 2, "\(paths.count) paths")
    }

    @Test func aCensusAbsorbedAddsItsCounts() {
        let mine = FieldCensus(), theirs = FieldCensus()
        _ = counts([["A"], ["A"]], into: mine)
        _ = counts([["A", "B"], ["A", "B"]], into: theirs)
        mine.absorb(theirs)
        #expect(counts([], into: mine) == ["a": "A 4", "b": "B 2"])
        #expect(mine.documents == 4)
    }
}
