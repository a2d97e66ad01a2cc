import Foundation
import PostgresNIO

/// Runs a replicate on a connection until it ends or the connection does, whichever is first.
///
/// postgres-nio 1.33.2 leaves a COPY write waiting forever when the server goes away while the
/// socket's buffer is full (the backpressure promise is not failed when the channel closes):
/// seen with a server restart in the middle of a whole copy. Racing the work against the
/// channel's close turns that into an error at once. The abandoned work holds no lock that
/// outlives the process (the server dropped the session, its transaction and its lock).
enum ConnectionWatch {
    static func run<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
            }
            connection.closeFuture.whenComplete { _ in
                once.resume(.failure(ReplicaError.postgres(
                    doing: "the replicate", reason: "the server closed the connection (restarted, or the session was ended)")))
            }
        }
    }

    /// Resumes a continuation once, from whichever side gets there first.
    final class Once<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?

        func set(_ continuation: CheckedContinuation<T, any Error>) { lock.withLock { self.continuation = continuation } }

        func resume(_ result: Result<T, any Error>) {
            let waiting = lock.withLock { () -> CheckedContinuation<T, any Error>? in
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume(with: result)
        }
    }
}
