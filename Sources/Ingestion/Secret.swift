/// A credential. It prints as `<redacted>` so that no log line, error or dump can leak it;
/// the value is only read where a request header is built.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    package init(_ value: String) { self.value = value }
    package func reveal() -> String { value }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}
