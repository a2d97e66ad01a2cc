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

    /// The deadline: silence for the timeout, or less than the slowest pace on average.
    @Test func aBodyTimesOutWhenSilentOrSlowerThanThePace() {
        let timeout = Duration.seconds(120)
        let pace = BodyPipe.slowestPace
        #expect(!BodyPipe.timedOut(own: .seconds(119), silent: .seconds(119), received: 0, timeout: timeout))
        #expect(BodyPipe.timedOut(own: .seconds(120), silent: .seconds(120), received: 0, timeout: timeout))
        // 740 MB at 5 MB/s: 148 s, never silent.
        #expect(!BodyPipe.timedOut(own: .seconds(148), silent: .milliseconds(10), received: 740_000_000, timeout: timeout))
        #expect(BodyPipe.timedOut(own: .seconds(148), silent: .seconds(120), received: 740_000_000, timeout: timeout))
        // A few bytes a second, never silent for long: abandoned once past the timeout.
        #expect(BodyPipe.timedOut(own: .seconds(121), silent: .seconds(1), received: 600, timeout: timeout))
        // At the pace exactly, allowed; below it, not.
        #expect(!BodyPipe.timedOut(own: .seconds(1_119), silent: .seconds(1), received: 1_000 * pace, timeout: timeout))
        #expect(BodyPipe.timedOut(own: .seconds(1_121), silent: .seconds(1), received: 1_000 * pace, timeout: timeout))
    }

    /// A body that keeps coming is read to its end though it takes longer than the timeout (a
    /// fixed limit failed every attempt of a large response over a slow link). The pieces come
    /// from a thread of their own, paced by its clock, so a busy suite cannot make them late.
    @Test func aSteadyBodyIsReadPastTheTimeout() async throws {
        let pieces = Self.pieces(40, size: 64 * 1024)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let sender = Thread {
            for piece in pieces {
                continuation.yield(ByteBuffer(bytes: piece))
                Thread.sleep(forTimeInterval: 0.1)
            }
            continuation.finish()
        }
        let pipe = BodyPipe(capacity: 8 << 20, spool: nil)
        let executor = ThreadExecutor(label: "body-pipe-test")
        let started = ContinuousClock.now
        sender.start()
        async let filled: Void = withTaskExecutorPreference(executor) {
            await pipe.fill(from: stream, timeout: .seconds(2))
        }
        let read = await Self.readAll(pipe)
        await filled
        #expect(ContinuousClock.now - started > .seconds(2), "the body took longer than the timeout")
        #expect((try? read.get()) == pieces.flatMap { $0 }, "\(read)")
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
