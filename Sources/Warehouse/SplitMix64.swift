/// A small, seedable, platform-independent pseudo-random generator (SplitMix64): the package's
/// one seeded generator, for the sandbox's data and the tests' generated cases.
///
/// Neither uses `SystemRandomNumberGenerator` nor the standard library's
/// `random(in:using:)` algorithms (their exact draws are not a documented contract): every
/// draw below is written out here, so a seed gives the same data on every machine and
/// every Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for `seed` and a list of labels, so that one part of the data
    /// (a month, a customer) does not shift when another part changes size.
    public static func derive(_ seed: UInt64, _ labels: UInt64...) -> SplitMix64 { derive(seed, labels) }

    public static func derive(_ seed: UInt64, _ labels: [UInt64]) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed)
        var value = mixer.next()
        for label in labels {
            mixer = SplitMix64(seed: value ^ (label &* 0xD6E8_FEB8_6659_FD93))
            value = mixer.next()
        }
        return SplitMix64(seed: value)
    }

    /// FNV-1a over UTF-8: a stable label for a string (unlike `Hasher`, which is seeded per process).
    public static func label(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Uniform in `0..<bound` (bound > 0), by rejection: no modulo bias.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let value = next()
            if value < limit { return value % bound }
        }
    }

    /// Uniform in the closed range.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(below(width))
    }

    /// True with probability `perMille`/1000.
    public mutating func chance(_ perMille: Int) -> Bool {
        Int(below(1000)) < perMille
    }

    public mutating func pick<T>(_ items: [T]) -> T {
        items[Int(below(UInt64(items.count)))]
    }

    /// Fisher–Yates with this generator's own draws.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            let other = Int(below(UInt64(index + 1)))
            if other != index { items.swapAt(index, other) }
        }
    }

    /// `count` lowercase hex digits.
    public mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var word = next()
        var left = 16
        for _ in 0..<count {
            if left == 0 { word = next(); left = 16 }
            out.append(digits[Int(word & 0xF)])
            word >>= 4
            left -= 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A GUID-shaped identifier (8-4-4-4-12 hex).
    public mutating func guid() -> String {
        let h = hex(32)
        let u = Array(h.utf8)
        func part(_ a: Int, _ b: Int) -> String { String(decoding: u[a..<b], as: UTF8.self) }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}
