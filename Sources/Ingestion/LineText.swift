import Warehouse

/// The texts of the line being inserted, copied end to end into one buffer that SQLite reads
/// in place (SQLITE_STATIC) while it inserts the line. Pointers it hands out stay valid until
/// the next `start`; the insert statement is always bound afresh before it runs again.
final class LineText {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0

    init(capacity: Int = 2048) {
        storage = .allocate(byteCount: capacity, alignment: 1)
        self.capacity = capacity
    }

    deinit { storage.deallocate() }

    /// Makes room for every text of `line`.
    func start(_ line: StagingLine) {
        used = 0
        var needed = Self.bytes(line.periodStart) + Self.bytes(line.periodEnd) + line.customerKey.utf8.count
        func add(_ text: String?) { needed += text?.utf8.count ?? 0 }
        add(line.customerAccountID); add(line.customerNumber); add(line.customerName); add(line.subscriptionID)
        add(line.subscriptionName); add(line.lineRef); add(line.uid); add(line.rowHash); add(line.sku)
        add(line.description); add(line.chargeType); add(line.quantity); add(line.quantityNorm)
        needed += 1 + max(12, Self.bytes(line.periodStart))
        if needed > capacity {
            storage.deallocate()
            capacity = max(needed, capacity * 2)
            storage = .allocate(byteCount: capacity, alignment: 1)
        }
    }

    func copy(_ text: String) -> (UnsafePointer<CChar>, Int32) {
        var text = text
        let destination = storage + used
        let count = text.withUTF8 { bytes in
            if let base = bytes.baseAddress { destination.copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }
        return advance(destination, count)
    }

    /// `date.description` (YYYY-MM-DD), without building the string.
    func copy(_ date: CalendarDate) -> (UnsafePointer<CChar>, Int32) {
        guard Self.isPlain(date) else { return copy(date.description) }
        let destination = storage + used
        let bytes = destination.assumingMemoryBound(to: UInt8.self)
        func digits(_ value: Int, _ count: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + count - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        digits(date.year, 4, at: 0)
        bytes[4] = UInt8(ascii: "-")
        digits(date.month, 2, at: 5)
        bytes[7] = UInt8(ascii: "-")
        digits(date.day, 2, at: 8)
        return advance(destination, 10)
    }

    /// The line's match group as `ReconcileQueue.matchGroup` names it, without building a
    /// string; nil where that leaves it to SQL.
    func copyMatchGroup(rowHash: String?, periodStart: CalendarDate?) -> (UnsafePointer<CChar>, Int32)? {
        let destination = storage + used
        let bytes = destination.assumingMemoryBound(to: UInt8.self)
        guard let rowHash else {
            bytes[0] = UInt8(ascii: "p")
            let start = advance(destination, 1)
            guard let periodStart else { return start }
            return (start.0, 1 + copy(periodStart).1)
        }
        guard let prefix = ReconcileQueue.hashPrefix(of: rowHash) else { return nil }
        bytes[0] = UInt8(ascii: "h")
        var count = 1
        for byte in prefix {
            bytes[count] = byte
            count += 1
        }
        return advance(destination, count)
    }

    private func advance(_ destination: UnsafeMutableRawPointer, _ count: Int) -> (UnsafePointer<CChar>, Int32) {
        used += count
        precondition(used <= capacity, "LineText: start(_:) was not given this line")
        return (UnsafePointer(destination.assumingMemoryBound(to: CChar.self)), Int32(count))
    }

    static func isPlain(_ date: CalendarDate) -> Bool {
        (0...9999).contains(date.year) && (0...99).contains(date.month) && (0...99).contains(date.day)
    }

    static func bytes(_ date: CalendarDate?) -> Int {
        guard let date else { return 0 }
        return isPlain(date) ? 10 : date.description.utf8.count
    }
}
