import Foundation
import Ingestion
import Synchronization
import Testing
import VendorSandbox
import Warehouse

/// Decoding on a thread of its own must not change what the writer sees: the same documents,
/// lines, rejections and ends, in the same order, whatever the batch and buffer sizes.
@Suite struct DecodeAheadTests {
    /// One document of a synthetic response.
    enum Spec: Sendable {
        /// A document with this many lines; the line at `failAt` does not decode.
        case document(lines: Int, failAt: Int? = nil)
        /// A document whose header does not decode.
        case badHeader
    }

    /// A stream over `specs`, ending normally or (`bodyFails`) with the body's rejection.
    /// `produced` counts the documents handed out; `released` is set when the stream is gone.
    final class Probe: Sendable {
        let produced = Mutex(0)
        let released = Mutex(false)
    }

    final class ReleaseFlag {
        let probe: Probe
        init(_ probe: Probe) { self.probe = probe }
        deinit { probe.released.withLock { $0 = true } }
    }

    static func stream(_ specs: [Spec], bodyFails: Bool, probe: Probe = Probe()) -> DocumentStream {
        let body = Array("0123456789".utf8)
        var position = 0
        let flag = ReleaseFlag(probe)
        return DocumentStream { () throws(DocumentRejection) -> StreamedDocument? in
            _ = flag
            guard position < specs.count else {
                if bodyFails { throw DocumentRejection("the body is cut off") }
                return nil
            }
            let number = position
            position += 1
            probe.produced.withLock { $0 += 1 }
            let raw = body[(number % 10)..<10]
            switch specs[number] {
            case .badHeader:
                return StreamedDocument(raw: raw, keyHint: "D\(number)", result: .failure(DocumentRejection("D\(number): no header")))
            case .document(let count, let failAt):
                let header = DocumentHeader(key: "D\(number)", date: CalendarDate(year: 2026, month: 1, day: 1)!, type: nil, currency: "EUR")
                let lines = LineSource { emit in
                    for index in 0..<count {
                        if index == failAt { throw DocumentRejection("D\(number) line \(index): bad amount") }
                        var line = StagingLine(amount: Money(micros: Int64(number * 1_000_000 + index)))
                        line.customerKey = "C\(index % 7)"
                        try emit(line)
                    }
                }
                return StreamedDocument(raw: raw, keyHint: "D\(number)", result: .success((header, lines)))
            }
        }
    }

    /// Everything a reader sees, as text. `stopAfter`: emit throws after that many lines of each
    /// document (a write that fails), as the writer's errors do.
    static func transcript(_ stream: DocumentStream, stopAfter: Int? = nil) -> [String] {
        struct WriteFailed: Error {}
        var seen: [String] = []
        while true {
            let document: StreamedDocument?
            do { document = try stream.next() } catch {
                seen.append("body rejected: \(error.reason)")
                return seen
            }
            guard let document else { seen.append("end"); return seen }
            // The hash as the writer takes it: DecodeAhead's, made on its thread, or made here.
            seen.append("document \(document.keyHint ?? "-") raw \(Array(document.raw)) sha256 \(document.contentHash)")
            switch document.result {
            case .failure(let rejection):
                seen.append("rejected: \(rejection.reason)")
            case .success(let (header, lines)):
                seen.append("header \(header.key)")
                var count = 0
                do {
                    try lines.forEach { line in
                        if let stopAfter, count == stopAfter { throw WriteFailed() }
                        seen.append("line \(line.customerKey) \(line.amount.micros)")
                        count += 1
                    }
                    seen.append("lines end")
                } catch let rejection as DocumentRejection {
                    seen.append("line rejected: \(rejection.reason)")
                } catch {
                    seen.append("write failed")
                }
            }
        }
    }

    static func randomSpecs(_ generator: inout some RandomNumberGenerator, batch: Int) -> [Spec] {
        let sizes = [0, 1, batch - 1, batch, batch + 1, 3 * batch, 3 * batch + 2]
        return (0..<Int.random(in: 1...12, using: &generator)).map { _ in
            if Int.random(in: 0..<8, using: &generator) == 0 { return .badHeader }
            let lines = sizes.randomElement(using: &generator)!
            let failAt = lines > 0 && Int.random(in: 0..<4, using: &generator) == 0 ? Int.random(in: 0..<lines, using: &generator) : nil
            return .document(lines: lines, failAt: failAt)
        }
    }

    @Test(arguments: [(1, 1), (4, 2), (512, 16)])
    func theReaderSeesWhatTheStreamGives(batchLines: Int, capacity: Int) {
        var generator = SplitMix64(seed: UInt64(batchLines * 100 + capacity))
        var rejectedLines = 0, bodyRejections = 0
        for round in 0..<40 {
            let specs = Self.randomSpecs(&generator, batch: max(2, batchLines))
            let bodyFails = round % 3 == 0
            let direct = Self.transcript(Self.stream(specs, bodyFails: bodyFails))
            let ahead = Self.transcript(DecodeAhead(batchLines: batchLines, capacity: capacity) {
                Self.stream(specs, bodyFails: bodyFails)
            }.stream())
            #expect(ahead == direct, "round \(round): \(specs)")
            rejectedLines += direct.filter { $0.hasPrefix("line rejected") }.count
            bodyRejections += direct.filter { $0.hasPrefix("body rejected") }.count
        }
        // The rounds did mix in what they are meant to.
        #expect(rejectedLines > 3 && bodyRejections > 3)
    }

    /// Every document, used or rejected, comes with its hash made on the decoding thread.
    @Test func theDecodingThreadHashesEveryDocument() throws {
        let specs: [Spec] = [.document(lines: 3), .badHeader, .document(lines: 2, failAt: 1), .document(lines: 0)]
        let stream = DecodeAhead(batchLines: 2, capacity: 1) { Self.stream(specs, bodyFails: false) }.stream()
        var hashes: [String?] = []
        while let document = try stream.next() {
            #expect(document.contentSHA256 == sha256Hex(document.raw))
            hashes.append(document.contentSHA256)
        }
        #expect(hashes.count == specs.count && hashes.allSatisfy { $0 != nil })
    }

    @Test func aWriteFailingPartWayThroughADocumentSkipsToTheNext() {
        let specs: [Spec] = [.document(lines: 10), .document(lines: 3), .badHeader, .document(lines: 9, failAt: 8)]
        let direct = Self.transcript(Self.stream(specs, bodyFails: false), stopAfter: 5)
        let ahead = Self.transcript(DecodeAhead(batchLines: 2, capacity: 1) { Self.stream(specs, bodyFails: false) }.stream(), stopAfter: 5)
        #expect(ahead == direct)
        #expect(direct.filter { $0 == "write failed" }.count == 2)
        #expect(direct.last == "end")
    }

    @Test func releasingTheStreamStopsTheDecoding() async throws {
        let probe = Probe()
        let total = 100_000
        do {
            let stream = DecodeAhead(batchLines: 4, capacity: 2) {
                Self.stream(Array(repeating: .document(lines: 10), count: total), bodyFails: false, probe: probe)
            }.stream()
            let first = try #require(try stream.next())
            #expect(first.keyHint == "D0")
        }
        // The decoding thread lets go of the connector's stream once the reader is gone.
        for _ in 0..<500 where !probe.released.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(probe.released.withLock { $0 })
        #expect(probe.produced.withLock { $0 } < 10, "decoded far past what the reader asked for")
    }

    @Test func aStreamNeverReadStillStopsTheDecoding() async throws {
        let probe = Probe()
        do {
            _ = DecodeAhead(batchLines: 4, capacity: 2) {
                Self.stream(Array(repeating: .document(lines: 10), count: 1_000), bodyFails: false, probe: probe)
            }
        }
        for _ in 0..<500 where !probe.released.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(probe.released.withLock { $0 })
        #expect(probe.produced.withLock { $0 } < 10)
    }
}
