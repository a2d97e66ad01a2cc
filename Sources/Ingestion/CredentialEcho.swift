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
        self.init(secrets: request.secretHeaders)
    }

    init(secrets: [(String, Secret)]) {
        var forms: [[UInt8]] = []
        for needle in HTTPFetcher.needles(secrets) {
            for form in [Array(needle.utf8)] + Self.escapedForms(of: needle) where !forms.contains(form) { forms.append(form) }
        }
        forms.sort { $0.count > $1.count }
        self.forms = forms
        markers = forms.filter { form in
            !forms.contains { other in other.count < form.count && firstIndex(of: other, in: form[...]) != nil }
        }
    }

    package var isEmpty: Bool { forms.isEmpty }

    /// `value` as a JSON or XML writer may put it into an answer, where that differs from the
    /// value itself: a key with `+` or `/` (base64) comes back as `\u002B` from .NET or as `\/`
    /// from PHP, and the document's text holds the key once decoded.
    static func escapedForms(of value: String) -> [[UInt8]] {
        func escaping(_ map: (Unicode.Scalar) -> String?) -> [UInt8] {
            Array(value.unicodeScalars.map { map($0) ?? String($0) }.joined().utf8)
        }
        func unicode(_ scalar: Unicode.Scalar, uppercase: Bool) -> String {
            let hex = String(scalar.value, radix: 16, uppercase: uppercase)
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        let required: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\"]
        let isPlain = { (scalar: Unicode.Scalar) in
            scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar)
        }
        let forms = [
            // Every JSON writer: `"` and `\` escaped.
            escaping { required[$0] },
            // PHP's json_encode: also `/`.
            escaping { $0 == "/" ? "\\/" : required[$0] },
            // .NET's System.Text.Json: HTML-sensitive characters and `+` as \uXXXX.
            escaping { "\"&'+<>`".unicodeScalars.contains($0) ? unicode($0, uppercase: true) : $0 == "\\" ? "\\\\" : nil },
            // Go's encoding/json: `<`, `>` and `&` as \u00xx.
            escaping { "<>&".unicodeScalars.contains($0) ? unicode($0, uppercase: false) : required[$0] },
            // A writer that escapes every character but letters and digits, either case.
            escaping { isPlain($0) || !$0.isASCII ? nil : unicode($0, uppercase: true) },
            escaping { isPlain($0) || !$0.isASCII ? nil : unicode($0, uppercase: false) },
            // XML's entities.
            escaping { ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"][$0] },
        ]
        let plain = Array(value.utf8)
        var distinct: [[UInt8]] = []
        for form in forms where form != plain && !distinct.contains(form) { distinct.append(form) }
        return distinct
    }

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
        forms.reduce(bytes) { bytes, form in
            var stage = StreamedRedaction.Stage(form)
            return stage.feed(bytes, final: true)
        }
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
