import Foundation
import Testing
@testable import Vendors

/// Copper's limit is a rolling window per key: the pacer lets `limit` requests through at once,
/// then one more each time the oldest leaves the window; retries made inside a fetch count too.
@Suite struct RequestPacerTests {
    static let window = Duration.milliseconds(400)

    /// Acquires `count` times, returning each grant's time since the start.
    func grants(_ pacer: RequestPacer, _ count: Int) async throws -> [Duration] {
        let start = ContinuousClock.now
        var times: [Duration] = []
        for _ in 0..<count {
            try await pacer.acquire()
            times.append(ContinuousClock.now - start)
        }
        return times
    }

    @Test func theLimitPassesAtOnceAndTheRestWaitsForTheWindow() async throws {
        let pacer = RequestPacer(limit: 3, window: Self.window)
        let times = try await grants(pacer, 7)
        // Three at once; the fourth not before the first leaves the window; never more than
        // three inside any window.
        #expect(times.prefix(3).allSatisfy { $0 < Self.window / 2 }, "\(times)")
        #expect(times[3] >= Self.window, "\(times)")
        for i in 3..<times.count { #expect(times[i] - times[i - 3] >= Self.window, "\(times)") }
    }

    @Test func recordedRetriesCountAgainstTheLimit() async throws {
        let pacer = RequestPacer(limit: 3, window: Self.window)
        try await pacer.acquire()
        await pacer.record(2)
        let start = ContinuousClock.now
        try await pacer.acquire()
        #expect(ContinuousClock.now - start >= Self.window - .milliseconds(50))
    }

    @Test func concurrentCallersShareOneLimit() async throws {
        let pacer = RequestPacer(limit: 2, window: Self.window)
        let start = ContinuousClock.now
        let times = try await withThrowingTaskGroup(of: Duration.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await pacer.acquire()
                    return ContinuousClock.now - start
                }
            }
            return try await group.reduce(into: [Duration]()) { $0.append($1) }
        }
        let sorted = times.sorted()
        for i in 2..<sorted.count { #expect(sorted[i] - sorted[i - 2] >= Self.window, "\(sorted)") }
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        // A window far longer than a loaded machine may take to start the waiting task: it must
        // still find the window full, whenever it runs.
        let pacer = RequestPacer(limit: 1, window: .seconds(3_600))
        try await pacer.acquire()
        let waiting = Task { try await pacer.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        let start = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
