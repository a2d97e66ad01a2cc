/// The keys a window's documents came under: to catch a second, different document under a key
/// the response already used, and at its end to tell which documents it no longer holds. Kept
/// as fingerprints, not keys: as a `Set<String>`, a response of 600k documents with 36-byte keys
/// held about 140 bytes a key until its end. A fingerprint is two SipHash values of the key's
/// bytes under this process's random seed, 16 bytes: two different keys share one with a
/// chance of about 2⁻¹²⁸, and a vendor cannot aim at that seed.
struct WindowKeys {
    struct Fingerprint: Hashable {
        let low: UInt64
        let high: UInt64

        init(_ key: String) {
            var key = key
            (low, high) = key.withUTF8 { bytes in (Self.hash(bytes, salt: 0), Self.hash(bytes, salt: 1)) }
        }

        static func hash(_ bytes: UnsafeBufferPointer<UInt8>, salt: UInt8) -> UInt64 {
            var hasher = Hasher()
            hasher.combine(salt)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            return UInt64(bitPattern: Int64(hasher.finalize()))
        }

        // Already uniformly spread: one word is hash enough for the set's buckets.
        func hash(into hasher: inout Hasher) { hasher.combine(low) }
    }

    private var stored = Set<Fingerprint>()
    private var quarantined = Set<Fingerprint>()

    /// A document under the key was stored.
    mutating func store(_ key: Fingerprint) { stored.insert(key) }
    /// A document under `key` was quarantined (the answer still holds it, unreadable).
    mutating func quarantine(_ key: String) { quarantined.insert(Fingerprint(key)) }

    func wasStored(_ key: Fingerprint) -> Bool { stored.contains(key) }
    /// Whether the answer held a document under the key, stored or quarantined.
    func holds(_ key: Fingerprint) -> Bool { stored.contains(key) || quarantined.contains(key) }
    func holds(_ key: String) -> Bool { holds(Fingerprint(key)) }
}
