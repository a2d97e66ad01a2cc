import Foundation
import JSON
import NIOCore

/// One response body on its way from the connection to the decoding thread: the task reading
/// the connection puts each piece in as it arrives, the decoding thread takes them out. At most
/// `capacity` bytes wait; while it is full the connection is not read (TCP backpressure), so
/// memory stays the same however large the response. Every piece is also copied to `spool` (a
/// file) when there is one, so that a body found unusable part way can still be quarantined
/// whole without having been held in memory.
package final class BodyPipe: BodyReader, @unchecked Sendable {
    struct ReaderGone: Error {}

    private let condition = NSCondition()
    private var pieces = CircularBuffer<ByteBuffer>()
    private var buffered = 0
    private let capacity: Int
    private var ending: Result<Void, any Error>?
    /// The reader is gone: pieces are no longer wanted.
    private var closed = false
    /// The reader is gone but the rest goes to the spool (see `drain()`).
    private var draining = false
    private var producerWaiting: CheckedContinuation<Void, Never>?
    /// Since when the producer has waited for room, and how long it waited before.
    private var waitingSince: ContinuousClock.Instant?
    private var waited: Duration = .zero
    package let spool: BodySpool?
    package let maxDocumentBytes: Int
    /// The body's bytes that came so far.
    package var received: Int { condition.withLock { receivedBytes } }
    private var receivedBytes = 0
    /// When the last piece came, and how long the producer had waited for room by then.
    private var lastPiece: (at: ContinuousClock.Instant, waited: Duration)?
    /// The most that ever waited in the pipe (tests check the bound).
    var peakBuffered: Int { condition.withLock { peak } }
    private var peak = 0

    package init(capacity: Int = 4 << 20, spool: BodySpool?, maxDocumentBytes: Int = JSONEnvelopeCursor.defaultMaxElementBytes) {
        self.capacity = capacity
        self.spool = spool
        self.maxDocumentBytes = maxDocumentBytes
    }

    // MARK: The connection's side

    /// Reads `body` into the pipe to its end or first failure. It fails when the connection
    /// delivers nothing for `timeout`, or delivers slower than `slowestPace` bytes a second
    /// (the whole body may take `timeout` plus a second for each `slowestPace` bytes received),
    /// not counting the time the pipe was full (the writer's time). A steady body takes as long
    /// as it needs: a fixed limit failed every attempt of a large one over a slow link.
    package func fill(from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await piece in body { try await self.put(piece) }
                    self.finish(.success(()))
                } catch {
                    self.finish(.failure(error))
                }
            }
            group.addTask { await self.watch(timeout: timeout) }
            // Whichever ends first: the body (the watch is then no longer needed) or the watch.
            await group.next()
            group.cancelAll()
        }
    }

    /// A body slower than this on average is abandoned (256 KiB a second).
    static let slowestPace = 256 << 10

    /// Ends the pipe with a timeout once the connection stalls or trickles (see `fill`).
    private func watch(timeout: Duration) async {
        let clock = ContinuousClock()
        let started = clock.now
        while !Task.isCancelled {
            let now = clock.now
            let (paused, received, last) = condition.withLock {
                (waited + (waitingSince.map { now - $0 } ?? .zero), receivedBytes, lastPiece ?? (started, .zero))
            }
            // The connection's own time: since it began, and since its last piece.
            let own = now - started - paused
            let silent = now - last.at - (paused - last.waited)
            if Self.timedOut(own: own, silent: silent, received: received, timeout: timeout) {
                finish(.failure(HTTPFetcher.ResponseTimedOut()))
                return
            }
            try? await Task.sleep(until: now + .milliseconds(200), clock: clock)
        }
    }

    /// Whether a body `received` bytes into it, `own` of the connection's time since it began
    /// and `silent` since its last piece, is late.
    static func timedOut(own: Duration, silent: Duration, received: Int, timeout: Duration) -> Bool {
        silent >= timeout || own >= timeout + .seconds(received / slowestPace)
    }

    func put(_ piece: ByteBuffer) async throws {
        try spool?.write(piece)
        condition.withLock {
            receivedBytes += piece.readableBytes
            lastPiece = (.now, waited)
        }
        while true {
            let placed: Bool = try condition.withLock {
                if ending != nil || (closed && !draining) { throw ReaderGone() }
                if draining { return true }
                guard buffered < capacity else { return false }
                pieces.append(piece)
                buffered += piece.readableBytes
                peak = max(peak, buffered)
                condition.broadcast()
                return true
            }
            if placed { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if buffered < capacity || closed || ending != nil {
                    condition.unlock()
                    continuation.resume()
                    return
                }
                producerWaiting = continuation
                waitingSince = .now
                condition.unlock()
            }
        }
    }

    /// The body ended (`.success`) or failed; the first ending counts.
    func finish(_ result: Result<Void, any Error>) {
        let waiter: CheckedContinuation<Void, Never>? = condition.withLock {
            if ending == nil { ending = result }
            condition.broadcast()
            return takeWaiter()
        }
        waiter?.resume()
    }

    private func takeWaiter() -> CheckedContinuation<Void, Never>? {
        defer { producerWaiting = nil }
        if let since = waitingSince {
            waited += .now - since
            waitingSince = nil
        }
        return producerWaiting
    }

    // MARK: The reader's side

    package func read(appendingTo buffer: inout [UInt8]) throws -> Bool {
        condition.lock()
        while pieces.isEmpty && ending == nil && !closed { condition.wait() }
        guard let piece = pieces.popFirst() else {
            let ending = ending
            condition.unlock()
            if case .failure(let error) = ending { throw TransportFailure(underlying: error) }
            if closed { throw TransportFailure(underlying: ReaderGone()) }
            return false
        }
        buffered -= piece.readableBytes
        let waiter = takeWaiter()
        condition.unlock()
        waiter?.resume()
        piece.withUnsafeReadableBytes { buffer.append(contentsOf: $0) }
        return true
    }

    /// How the body ended, once it has: nil while it is still arriving.
    package var failure: (any Error)? {
        condition.withLock {
            if case .failure(let error) = ending { return error }
            return nil
        }
    }

    /// The reader is gone: the connection's side stops at its next piece.
    package func close() {
        let waiter: CheckedContinuation<Void, Never>? = condition.withLock {
            closed = true
            pieces.removeAll()
            buffered = 0
            condition.broadcast()
            return takeWaiter()
        }
        waiter?.resume()
    }

    /// The reader is gone, but the rest of the body is still read into the spool (to quarantine
    /// it whole); `fill` returns once it has all come.
    package func drain() {
        condition.withLock { draining = true }
        close()
    }
}

/// A response body's copy on disk, in a file that no longer has a name (nothing is left behind
/// by a killed run), read back only to quarantine a body that could not be read.
package final class BodySpool: @unchecked Sendable {
    private let descriptor: Int32
    package private(set) var size = 0

    package init(directory: String = NSTemporaryDirectory()) throws {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("billwh-body-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw BodyReadError(description: "cannot create a scratch file in \(directory): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func write(_ piece: ByteBuffer) throws {
        try piece.withUnsafeReadableBytes { try write($0) }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw BodyReadError(description: "cannot write the response's scratch copy: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        size += bytes.count
    }

    /// The copy from its start, in pieces of at most `pieceSize` bytes.
    package func forEachPiece(pieceSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        var piece = [UInt8](repeating: 0, count: pieceSize)
        var offset = 0
        while offset < size {
            let count = try piece.withUnsafeMutableBytes { buffer in
                let read = pread(descriptor, buffer.baseAddress!, min(pieceSize, size - offset), off_t(offset))
                guard read > 0 else { throw BodyReadError(description: "cannot read the response's scratch copy back") }
                return read
            }
            try piece.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count]), offset) }
            offset += count
        }
    }
}
