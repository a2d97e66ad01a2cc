/// Where the invoice decoders read a price line's amount, as the end of a `vendor_fields`
/// path in lower case. An `ExtendedPrice` anywhere else is an amount no line counts: the
/// ingest says so per window and the data check `amounts_read` keeps saying so.
package enum LineAmountPath {
    /// The amount's own field, lower case.
    package static let field = ".extendedprice"
    /// The path the decoders read (after the envelope's array), lower case.
    package static let read = ".customers[].subscriptions[].pricelines[].extendedprice"
}
