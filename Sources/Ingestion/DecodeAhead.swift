import Foundation
import NIOCore
import Warehouse

/// A response's documents, decoded on a thread of their own from the moment the body is
/// there, while the writer is still busy with the window before: on a 1M-line backfill decoding
/// is about a third of the work, and the writer no longer waits for it. `stream()` gives exactly
/// what the connector's stream gives, in the same order: documents, their lines, a line's
/// rejection, the body's rejection. At most `capacity` batches' worth of lines (and 4 MB of
/// raw documents) wait decoded, so memory stays bounded however large a document is. Releasing this (and the
/// stream) before the end stops the decoding.
package final class DecodeAhead: @unchecked Sendable {
    private let buffer: AheadBuffer
    private var taken = false
    /// The decoded stream's field census, complete once the reader has seen the end.
    private let census = FieldCensus()

    package init(batchLines: Int = 512, capacity: Int = 4, _ make: @escaping @Sendable () -> DocumentStream) {
        let buffer = AheadBuffer(lines: capacity * batchLines)
        self.buffer = buffer
        let census = census
        let thread = Thread { DocumentStream.decode(make(), into: buffer, batchLines: batchLines, census: census) }
        thread.name = "billwh-decode"
        thread.start()
    }

    deinit { buffer.close() }

    /// The documents; read once, by one reader.
    package func stream() -> DocumentStream {
        precondition(!taken, "DecodeAhead.stream() read twice")
        taken = true
        let reader = AheadReader(buffer, owner: self)
        return DocumentStream(census: census) { () throws(DocumentRejection) -> StreamedDocument? in try reader.next() }
    }
}

extension DocumentStream {
    /// The producer: the stream's items, in order, until its end or until the reader is gone.
    fileprivate static func decode(_ stream: DocumentStream, into buffer: AheadBuffer, batchLines: Int, census: FieldCensus) {
        do {
            while true {
                let document: StreamedDocument?
                do { document = try stream.next() } catch {
                    try buffer.put(.bodyRejected(error))
                    return
                }
                guard let document else {
                    // Before the end is handed over: the reader reads the census after it.
                    census.absorb(stream.census)
                    try buffer.put(.end)
                    return
                }
                // Hashed here, off the writer's thread (0.6 s of a 1M-line backfill).
                let hash = document.contentHash
                switch document.result {
                case .failure(let rejection):
                    try buffer.put(.document(raw: document.raw, keyHint: document.keyHint, hash: hash, header: .failure(rejection)))
                case .success(let (header, lines)):
                    try buffer.put(.document(raw: document.raw, keyHint: document.keyHint, hash: hash, header: .success(header)))
                    var batch: [StagingLine] = []
                    batch.reserveCapacity(batchLines)
                    var rejection: DocumentRejection?
                    // Worked out here rather than on the writer's thread, which bounds the ingest.
                    var groups = TouchedGroups()
                    do {
                        try lines.forEach { line in
                            groups.add(customerKey: line.customerKey, rowHash: line.rowHash, periodStart: line.periodStart)
                            batch.append(line)
                            if batch.count == batchLines {
                                try buffer.put(.lines(batch))
                                batch.removeAll(keepingCapacity: true)
                            }
                        }
                    } catch let error as DocumentRejection {
                        rejection = error
                    } catch is AheadBuffer.Closed {
                        return
                    } catch {
                        rejection = DocumentRejection("\(error)")
                    }
                    if !batch.isEmpty { try buffer.put(.lines(batch)) }
                    try buffer.put(.linesEnd(rejection, groups))
                }
            }
        } catch {
            // AheadBuffer.Closed: the reader is gone; nothing is waiting for more.
        }
    }
}

/// What the decoding thread hands the writer, in stream order.
enum AheadItem: Sendable {
    case document(raw: ArraySlice<UInt8>, keyHint: String?, hash: String, header: Result<DocumentHeader, DocumentRejection>)
    /// Lines of the current document, in order.
    case lines([StagingLine])
    /// The current document's lines are over: all decoded (nil), or this line did not decode;
    /// with the match groups of the lines decoded.
    case linesEnd(DocumentRejection?, TouchedGroups)
    case end
    case bodyRejected(DocumentRejection)
}

/// A bounded hand-over between one decoding thread and one reader. What waits is bounded by
/// lines and by raw bytes rather than by items, so that a response of many small documents
/// queues many of them: bounded by items, the two threads woke each other for every document.
/// Each side wakes the other only when it waits, and the decoding thread only once half of
/// what waits is taken, so that it then decodes a stretch at a time.
final class AheadBuffer: @unchecked Sendable {
    struct Closed: Error {}

    private let condition = NSCondition()
    private var items = CircularBuffer<AheadItem>()
    private var closed = false
    private let lineBudget: Int
    private let byteBudget: Int
    private var lines = 0
    private var bytes = 0
    private var putterWaits = false
    private var takerWaits = false

    /// `lines`: the decoded lines that may wait; `rawBytes`: the documents' raw bytes that may
    /// wait (the document being decoded is held anyway). One item always fits an empty buffer.
    init(lines: Int, rawBytes: Int = 4 << 20) {
        lineBudget = max(1, lines)
        byteBudget = max(1, rawBytes)
    }

    private static func weight(_ item: AheadItem) -> (lines: Int, bytes: Int) {
        switch item {
        case .lines(let batch): (batch.count, 0)
        case .document(let raw, _, _, _): (0, raw.count)
        case .linesEnd, .end, .bodyRejected: (0, 0)
        }
    }

    private func fits(_ weight: (lines: Int, bytes: Int)) -> Bool {
        items.isEmpty || (lines + weight.lines <= lineBudget && bytes + weight.bytes <= byteBudget && items.count < lineBudget)
    }

    /// Waits for room; throws `Closed` once the reader is gone.
    func put(_ item: AheadItem) throws {
        let weight = Self.weight(item)
        condition.lock()
        defer { condition.unlock() }
        while !closed && !fits(weight) {
            putterWaits = true
            condition.wait()
        }
        if closed { throw Closed() }
        items.append(item)
        lines += weight.lines
        bytes += weight.bytes
        if takerWaits {
            takerWaits = false
            condition.broadcast()
        }
    }

    /// Waits for the next item.
    func take() -> AheadItem {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            takerWaits = true
            condition.wait()
        }
        let item = items.removeFirst()
        let weight = Self.weight(item)
        lines -= weight.lines
        bytes -= weight.bytes
        if putterWaits && (items.isEmpty || (lines <= lineBudget / 2 && bytes <= byteBudget / 2)) {
            putterWaits = false
            condition.broadcast()
        }
        return item
    }

    func close() {
        condition.lock()
        closed = true
        items.removeAll()
        lines = 0
        bytes = 0
        condition.broadcast()
        condition.unlock()
    }
}

/// The writer's side: turns items back into documents with line sources. Its end (the stream
/// released) closes the buffer, which stops the decoding thread.
private final class AheadReader {
    private let buffer: AheadBuffer
    private let owner: DecodeAhead
    /// Whether the items of the current document's lines have not all been read.
    private var inLines = false
    private var finished: DocumentRejection??
    /// The match groups of the lines of the document read last.
    private var groups = TouchedGroups()

    init(_ buffer: AheadBuffer, owner: DecodeAhead) {
        self.buffer = buffer
        self.owner = owner
    }
    deinit { buffer.close() }

    func next() throws(DocumentRejection) -> StreamedDocument? {
        if let finished {
            if let rejection = finished { throw rejection }
            return nil
        }
        // A document whose lines were not all read: skip to the next document.
        while inLines { skipLines() }
        switch buffer.take() {
        case .end:
            finished = .some(nil)
            return nil
        case .bodyRejected(let rejection):
            finished = .some(rejection)
            throw rejection
        case .document(let raw, let keyHint, let hash, let header):
            switch header {
            case .failure(let rejection):
                return StreamedDocument(raw: raw, keyHint: keyHint, result: .failure(rejection), contentSHA256: hash)
            case .success(let header):
                inLines = true
                let lines = LineSource(groups: { [self] in groups }) { [self] emit in
                    guard inLines else { return }
                    if let rejection = try readLines(into: emit) { throw rejection }
                }
                return StreamedDocument(raw: raw, keyHint: keyHint, result: .success((header, lines)), contentSHA256: hash)
            }
        case .lines, .linesEnd:
            preconditionFailure("decodedAhead: lines outside a document")
        }
    }

    /// Reads the current document's lines to their end, handing each to `emit`; returns the
    /// line's rejection that ended them, if any. What `emit` throws passes through, leaving the
    /// rest of the lines to be skipped by `next()`.
    private func readLines(into emit: (StagingLine) throws -> Void) throws -> DocumentRejection? {
        while true {
            switch nextBatch() {
            case .lines(let batch): for line in batch { try emit(line) }
            case .end(let rejection): return rejection
            }
        }
    }

    private func skipLines() {
        while case .lines = nextBatch() {}
    }

    private enum Batch {
        case lines([StagingLine])
        /// The document's lines are over: all decoded (nil), or this line did not decode.
        case end(DocumentRejection?)
    }

    /// The current document's next batch of lines, or their end.
    private func nextBatch() -> Batch {
        switch buffer.take() {
        case .lines(let batch):
            return .lines(batch)
        case .linesEnd(let rejection, let groups):
            inLines = false
            self.groups = groups
            return .end(rejection)
        case .document, .end, .bodyRejected:
            preconditionFailure("decodedAhead: a document's lines not ended")
        }
    }
}
