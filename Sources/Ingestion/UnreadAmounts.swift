import Warehouse

/// Amounts where billwh reads none: an `ExtendedPrice` anywhere but in a price line. The
/// contracts let vendors add fields, so such a document is read as before; but price lines
/// moved into a new array would leave the books without a word on a first load, where no field
/// is new yet to be reported. The data check `amounts_read` fails on the same paths.
enum UnreadAmounts {
    /// One sentence per path, from a window's field census. 2tCloud's XML answers are counted
    /// in the JSON shape their elements make (`<PriceLines><PriceLine>` is `PriceLines[]`).
    static func warnings(_ census: FieldCensus) -> [String] {
        census.paths
            .filter { entry in
                let path = entry.path.lowercased()
                return path.hasSuffix(LineAmountPath.field) && !path.hasSuffix(LineAmountPath.read)
            }
            .sorted { $0.path < $1.path }
            .map { entry in
                "\(entry.documents) documents hold an amount at \(entry.path), where billwh reads none: lines there are not counted "
                    + "(price lines moved by the vendor?); their bytes are kept in raw_documents, so a decoder that reads them can "
                    + "re-derive them (docs/vendor-changes.md)"
            }
    }
}
