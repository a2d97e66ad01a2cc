import JSON

/// A body whose first bytes were read already (to tell its format), then the rest of it.
package final class ResumedBody: BodyReader {
    var start: [UInt8]?
    let rest: any BodyReader

    package init(_ start: [UInt8], then rest: any BodyReader) {
        self.start = start
        self.rest = rest
    }

    package var maxDocumentBytes: Int { rest.maxDocumentBytes }

    package func read(appendingTo buffer: inout [UInt8]) throws -> Bool {
        if let start {
            self.start = nil
            if !start.isEmpty {
                buffer.append(contentsOf: start)
                return true
            }
        }
        return try rest.read(appendingTo: &buffer)
    }
}

/// Why a body could not be read whole: its reader failed, or it is larger than its reader allows.
package struct BodyReadError: Error, CustomStringConvertible {
    package var description: String
}

extension BodyReader {
    /// The whole body, for the formats read whole (2tCloud's XML fallback): at most
    /// `maxDocumentBytes`, since the whole body is then one document in memory.
    package func readAll(after start: [UInt8] = []) throws -> [UInt8] {
        var bytes = start
        while try read(appendingTo: &bytes) {
            guard bytes.count <= maxDocumentBytes else {
                throw BodyReadError(description: "a response of more than \(maxDocumentBytes >> 20) MiB that must be read whole (XML): raise BILLWH_MAX_DOCUMENT_MB, or have the vendor send JSON")
            }
        }
        return bytes
    }
}
