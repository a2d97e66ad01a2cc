/// A credential. It prints as `<redacted>` so that no log line, error or dump can leak it;
/// the value is only read where a request header is built.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    package init(_ value: String) { self.value = value }
    package func reveal() -> String { value }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }

    /// What a credential found in bytes is replaced by.
    static let mark = Array("<redacted>".utf8)
    /// Shorter values are not searched for: they would match ordinary text.
    static let shortestRedacted = 4

    /// `bytes` with every occurrence of the value replaced by `<redacted>`: an answer that
    /// echoes a credential (a proxy's debug page) is kept for someone to read, never the
    /// credential itself.
    package func redacting(_ bytes: [UInt8]) -> [UInt8] {
        // The streamed redaction's one stage, fed the whole of it: one way to replace a value.
        var stage = StreamedRedaction.Stage(Array(value.utf8))
        let out = stage.feed(bytes, final: true)
        return stage.replaced ? out : bytes
    }
}
