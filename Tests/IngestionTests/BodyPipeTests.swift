import Foundation
import NIOCore
import Testing
import TestSupport
@testable import Ingestion

/// The pipe between a response's connection and the decoding thread: bounded, in order, a
/// stall fails it but a slow reader does not, and a drained body still reaches its copy.
@Suite struct BodyPipeTests {
    static func pieces(_ count: Int, size: Int) -> [[UInt8]] {
        (0..<count).map { n in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) } }
    }

    /// A body that yields `pieces`, pausing `pause` after the first.
    static func body(_ pieces: [[UInt8]], pause: Duration = .zero,
                     executor: (any TaskExecutor)? = nil) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task(executorPreference: executor) {
                for (n, piece) in pieces.enumerated() {
                    continuation.yield(ByteBuffer(bytes: piece))
                    if n == 0 && pause > .zero { try? await Task.sleep(for: pause) }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads the pipe to its end on a thread of its own, as the decoding thread does.
    static func readAll(_ pipe: BodyPipe, delay: Duration = .zero, stopAfter: Int = .max) async -> Result<[UInt8], any Error> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var bytes: [UInt8] = []
                do {
                    var reads = 0
                    while reads < stopAfter, try pipe.read(appendingTo: &bytes) {
                        reads += 1
                        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18) }
                    }
                    continuation.resume(returning: .success(bytes))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
    }

    @Test func aSlowReaderKeepsThePipeWithinItsCapacityAndGetsEveryByteInOrder() async throws {
        let pieces = Self.pieces(200, size: 16 * 1024)
        let pipe = BodyPipe(capacity: 64 * 1024, spool: try BodySpool())
        async let filled: Void = pipe.fill(from: Self.body(pieces), timeout: .seconds(30))
        let read = await Self.readAll(pipe, delay: .microseconds(200))
        await filled
        #expect(try read.get() == pieces.flatMap { $0 })
        #expect(pipe.peakBuffered <= 64 * 1024 + 16 * 1024 && pipe.peakBuffered > 0)
        #expect(pipe.received == 200 * 16 * 1024 && pipe.spool?.size == pipe.received)
        #expect(pipe.failure == nil)
    }

    @Test func aStalledBodyFailsWithinItsTimeout() async throws {
        let pipe = BodyPipe(capacity: 64 * 1024, spool: nil)
        let executor = ThreadExecutor(label: "body-pipe-test")
        // Timed from the filler's start, on its own thread: not the wait for a thread to start it.
        async let took: Duration = withTaskExecutorPreference(executor) {
            let started = ContinuousClock.now
            await pipe.fill(from: Self.body(Self.pieces(3, size: 100), pause: .seconds(20), executor: executor), timeout: .milliseconds(300))
            return ContinuousClock.now - started
        }
        let read = await Self.readAll(pipe)
        #expect(await took < .seconds(10))
        guard case .failure(let error) = read, let failure = error as? TransportFailure else {
            Issue.record("expected a transport failure, got \(read)")
            return
        }
        #expect(failure.underlying is HTTPFetcher.ResponseTimedOut)
    }

    /// A body that keeps coming is read to its end however long it takes (a fixed limit failed
    /// every attempt of a large response over a slow link); one that trickles slower than the
    /// slowest pace is abandoned all the same, though it never stalls for the timeout.
    @Test func aSteadyBodyIsReadPastTheTimeoutAndATrickleIsNot() async throws {
        let executor = ThreadExecutor(label: "body-pipe-test")
        func paced(_ pieces: [[UInt8]], every interval: Duration) -> AsyncThrowingStream<ByteBuffer, any Error> {
            AsyncThrowingStream { continuation in
                let task = Task(executorPreference: executor) {
                    for piece in pieces {
                        continuation.yield(ByteBuffer(bytes: piece))
                        try? await Task.sleep(for: interval)
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
        // 16 pieces of 256 KiB, one every 100 ms: 1.6 s against a timeout of 0.5 s.
        let steady = BodyPipe(capacity: 8 << 20, spool: nil)
        let steadyPieces = Self.pieces(16, size: BodyPipe.slowestPace)
        async let steadyFilled: Void = withTaskExecutorPreference(executor) {
            await steady.fill(from: paced(steadyPieces, every: .milliseconds(100)), timeout: .milliseconds(500))
        }
        let steadyRead = await Self.readAll(steady)
        await steadyFilled
        #expect((try? steadyRead.get())?.count == 16 * BodyPipe.slowestPace, "\(steadyRead)")
        // 10 bytes every 50 ms for 3 s: never silent for the timeout, far below the pace.
        let trickle = BodyPipe(capacity: 8 << 20, spool: nil)
        let started = ContinuousClock.now
        async let trickleFilled: Void = withTaskExecutorPreference(executor) {
            await trickle.fill(from: paced(Self.pieces(60, size: 10), every: .milliseconds(50)), timeout: .milliseconds(500))
        }
        let trickleRead = await Self.readAll(trickle)
        await trickleFilled
        #expect(ContinuousClock.now - started < .seconds(2.5))
        guard case .failure(let error) = trickleRead, let failure = error as? TransportFailure else {
            Issue.record("expected a transport failure, got \(trickleRead)")
            return
        }
        #expect(failure.underlying is HTTPFetcher.ResponseTimedOut)
    }

    @Test func theTimeThePipeWasFullDoesNotCount() async throws {
        // The reader takes about three seconds over a body the connection delivers at once; the
        // timeout is a third of that. The filler, its watch and the body run on a thread of their
        // own, as the connection's do: on the shared threads a busy suite could delay them past it.
        let pieces = Self.pieces(30, size: 8 * 1024)
        let pipe = BodyPipe(capacity: 8 * 1024, spool: nil)
        let executor = ThreadExecutor(label: "body-pipe-test")
        async let filled: Void = withTaskExecutorPreference(executor) {
            await pipe.fill(from: Self.body(pieces, executor: executor), timeout: .seconds(1))
        }
        let read = await Self.readAll(pipe, delay: .milliseconds(100))
        await filled
        #expect(try read.get() == pieces.flatMap { $0 })
    }

    @Test func aDrainedBodyStillReachesItsCopyWhole() async throws {
        let pieces = Self.pieces(100, size: 4 * 1024)
        let pipe = BodyPipe(capacity: 8 * 1024, spool: try BodySpool())
        async let filled: Void = pipe.fill(from: Self.body(pieces), timeout: .seconds(30))
        let read = await Self.readAll(pipe, stopAfter: 3)
        #expect(try read.get().count == 3 * 4 * 1024)
        pipe.drain()
        await filled
        #expect(pipe.failure == nil)
        var copy: [UInt8] = []
        try #require(pipe.spool).forEachPiece(pieceSize: 5000) { piece, offset in
            #expect(offset == copy.count)
            copy.append(contentsOf: piece)
        }
        #expect(copy == pieces.flatMap { $0 })
    }
}
