import Foundation

/// A fresh folder under the system's temp folder, removed when the last copy goes.
public final class TempDir: Sendable {
    public let url: URL

    public init() throws { url = try Self.makeFolder() }

    /// A new empty folder under the system's temp folder, which the caller removes.
    public static func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
