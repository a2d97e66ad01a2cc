/// A response body read piece by piece by a thread that may block until the next piece is
/// there: the streamed HTTP body (`BodyPipe`) or a body already in memory (`WholeBody`).
package protocol BodyReader: AnyObject {
    /// Appends the body's next bytes to `buffer`; false once the body has ended. Throws when
    /// the body could not be had whole (the connection failed, the request timed out).
    func read(appendingTo buffer: inout [UInt8]) throws -> Bool
    /// The largest single document a reader of this body may hold in memory (a setting,
    /// BILLWH_MAX_DOCUMENT_MB): memory follows the largest document, never the body.
    var maxDocumentBytes: Int { get }
}

extension BodyReader {
    package var maxDocumentBytes: Int { JSONEnvelopeCursor.defaultMaxElementBytes }
}

/// A body already in memory, handed out in pieces of `pieceSize` bytes (tests feed the
/// streaming readers one byte at a time this way).
package final class WholeBody: BodyReader {
    let bytes: [UInt8]
    let pieceSize: Int
    var position = 0

    package init(_ bytes: [UInt8], pieceSize: Int = 1 << 20) {
        self.bytes = bytes
        self.pieceSize = max(1, pieceSize)
    }

    package func read(appendingTo buffer: inout [UInt8]) throws -> Bool {
        guard position < bytes.count else { return false }
        let end = min(bytes.count, position + pieceSize)
        buffer.append(contentsOf: bytes[position..<end])
        position = end
        return true
    }
}
