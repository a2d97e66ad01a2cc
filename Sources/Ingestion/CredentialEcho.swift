/// A request's credentials as an answer might echo them (HTTPFetcher.needles: the header value,
/// a Basic token, its decoded account and key): found in a document, they keep it out of the
/// warehouse, and a quarantined copy has them replaced by `<redacted>`.
package struct CredentialEcho: Sendable {
    /// Every form, longest first, for redaction.
    let forms: [[UInt8]]
    /// The forms that hold no shorter one: enough to tell whether any form is there, in as few
    /// passes over each document as there are such forms.
    let markers: [[UInt8]]

    package init(_ request: VendorRequest) {
        let forms = HTTPFetcher.needles(request.secretHeaders).map { Array($0.utf8) }
        self.forms = forms
        markers = forms.filter { form in
            !forms.contains { other in other.count < form.count && firstIndex(of: other, in: form[...]) != nil }
        }
    }

    package var isEmpty: Bool { forms.isEmpty }

    /// Whether `bytes` hold any form of the credentials.
    package func isEchoed(in bytes: ArraySlice<UInt8>) -> Bool {
        markers.contains { firstIndex(of: $0, in: bytes) != nil }
    }

    /// `text` with every form replaced by `<redacted>`: a message or key that quotes a document.
    package func redacting(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let redacted = redacting(bytes)
        return redacted == bytes ? text : String(decoding: redacted, as: UTF8.self)
    }

    /// `bytes` with every form replaced by `<redacted>`, longest first.
    package func redacting(_ bytes: [UInt8]) -> [UInt8] {
        forms.reduce(bytes) { Secret(String(decoding: $1, as: UTF8.self)).redacting($0) }
    }
}

extension CredentialEcho {
    /// `isEchoed` over a body read in pieces, with nothing copied but the seam between two
    /// pieces: whether a response quarantined whole needs a redacted copy at all.
    struct Search {
        private let markers: [[UInt8]]
        /// The last bytes seen that could still begin a marker the next piece completes.
        private var tail: [UInt8] = []
        private let overlap: Int
        private(set) var found = false

        init(_ echo: CredentialEcho) {
            markers = echo.markers
            overlap = (markers.map(\.count).max() ?? 1) - 1
        }

        mutating func feed(_ piece: UnsafeRawBufferPointer) {
            guard !found, !markers.isEmpty else { return }
            var seam = tail
            seam.append(contentsOf: piece.prefix(overlap))
            found = markers.contains { firstIndex(of: $0, in: seam[...]) != nil || firstOffset(of: $0, in: piece) != nil }
            if piece.count >= overlap {
                tail = Array(piece.suffix(overlap))
            } else {
                tail = Array(seam.suffix(overlap))
            }
        }
    }
}

extension DocumentStream {
    /// The same documents, with one that holds `echo`'s credentials turned into a rejection:
    /// a vendor (or a proxy) that writes the request into an answer must not get the key into
    /// raw documents, staging, purchases, exports and backups, which analysts read.
    package func refusingEchoed(_ echo: CredentialEcho) -> DocumentStream {
        guard !echo.isEmpty else { return self }
        return DocumentStream(census: census) { () throws(DocumentRejection) -> StreamedDocument? in
            guard var document = try self.next() else { return nil }
            if echo.isEchoed(in: document.raw) {
                document.result = .failure(DocumentRejection(CredentialEcho.reason))
            }
            return document
        }
    }
}

extension CredentialEcho {
    package static let reason = "the document holds this request's credentials (redacted in this copy): the vendor, or a proxy, "
        + "writes the request into its answers; the document is kept out of the warehouse until it comes without them"
}
