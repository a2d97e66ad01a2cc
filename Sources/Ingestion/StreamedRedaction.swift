/// `CredentialEcho.redacting` over a body read in pieces: the same bytes out, with the body
/// never whole in memory (a proxy's page of any size that shows the request is kept without
/// the key). Each form is a stage of its own, in the same order; a stage holds back the last
/// bytes that could still begin its form until the next piece, or the end, decides them.
struct StreamedRedaction {
    private var stages: [Stage]

    init(_ echo: CredentialEcho) {
        stages = echo.forms.map(Stage.init)
    }

    /// Whether any form was found so far.
    var redacted: Bool { stages.contains { $0.replaced } }

    /// The redacted bytes that `piece` lets out (some may wait for the next piece).
    mutating func feed(_ piece: UnsafeRawBufferPointer) -> [UInt8] {
        run(Array(piece), final: false)
    }

    /// The bytes still held back, at the body's end.
    mutating func finish() -> [UInt8] {
        run([], final: true)
    }

    private mutating func run(_ bytes: [UInt8], final: Bool) -> [UInt8] {
        var bytes = bytes
        for index in stages.indices { bytes = stages[index].feed(bytes, final: final) }
        return bytes
    }

    /// One form, replaced left to right without overlaps (also `Secret.redacting`, fed whole).
    struct Stage {
        let needle: [UInt8]
        var pending: [UInt8] = []
        var replaced = false

        init(_ needle: [UInt8]) { self.needle = needle }

        mutating func feed(_ bytes: [UInt8], final: Bool) -> [UInt8] {
            pending.append(contentsOf: bytes)
            // A value this short is left alone: it would match ordinary text.
            guard needle.count >= Secret.shortestRedacted else {
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            // A match may begin only where the whole needle could still fit in what is known.
            let decided = final ? pending.count : max(0, pending.count - (needle.count - 1))
            var out: [UInt8] = []
            var copied = 0
            while copied < decided, let match = firstIndex(of: needle, in: pending[copied...]), match < decided {
                out.append(contentsOf: pending[copied..<match])
                out.append(contentsOf: Secret.mark)
                copied = match + needle.count
                replaced = true
            }
            let kept = max(copied, decided)
            out.append(contentsOf: pending[copied..<kept])
            pending.removeSubrange(0..<kept)
            return out
        }
    }
}

extension BodySpool {
    /// A copy of this body with `echo`'s credentials redacted, made piece by piece.
    func redacted(by echo: CredentialEcho) throws -> BodySpool {
        let copy = try BodySpool()
        var redaction = StreamedRedaction(echo)
        try forEachPiece { piece, _ in try copy.write(redaction.feed(piece)) }
        try copy.write(redaction.finish())
        return copy
    }
}
