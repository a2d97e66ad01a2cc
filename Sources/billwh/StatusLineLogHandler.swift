import Foundation
import Logging

/// Logs on a terminal, where `Progress` keeps a status line at the bottom: each log line first
/// clears that line, so that it does not start in the middle of the status. The next progress
/// report draws the status again below it.
struct StatusLineLogHandler: LogHandler {
    var inner: StreamLogHandler

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        Console.put(Progress.clearLine, to: STDERR_FILENO)
        inner.log(event: event)
    }
}
