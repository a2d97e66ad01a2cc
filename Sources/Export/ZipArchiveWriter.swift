#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import Foundation

// Why not a zip library: ZIPFoundation (used before) deflates at zlib's default level with a
// CRC-32 computed a byte at a time, and lets no caller choose; a 1M-row sheet spent 57% of its
// export there. An xlsx needs only a handful of deflated entries, written once, in order: this
// writes them with zlib directly, at its fastest level, with zlib's own CRC-32.

/// A zip archive written front to back into a file descriptor: local header, deflated data,
/// then the central directory. No zip64: an entry or the archive past 4 GiB is an error
/// (a full 1,048,576-row sheet is about 0.9 GB of XML).
struct ZipArchiveWriter {
    struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var headerOffset: UInt64
    }

    let fileDescriptor: Int32
    let destination: String
    /// zlib's level: 1 is its fastest; the sheet's XML is repetitive enough that it still
    /// shrinks about tenfold.
    var level: Int32 = 1
    private(set) var offset: UInt64 = 0
    private var entries: [Entry] = []
    private let dosTime: UInt16
    private let dosDate: UInt16
    static let chunkSize = 256 * 1024

    /// Entries are dated 1980-01-01 00:00 (the first day a zip can hold) unless told otherwise:
    /// the same rows exported twice are the same bytes, as the CSV's are.
    static let reproducibleDate = Date(timeIntervalSince1970: 315_532_800)

    init(fileDescriptor: Int32, destination: String, modified: Date = ZipArchiveWriter.reproducibleDate) {
        self.fileDescriptor = fileDescriptor
        self.destination = destination
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        dosTime = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        dosDate = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
    }

    /// An entry from bytes in memory.
    mutating func add(_ name: String, _ bytes: [UInt8]) throws(OutputError) {
        var consumed = false
        try add(name) { (buffer: inout [UInt8]) throws(OutputError) -> Bool in
            guard !consumed else { return false }
            consumed = true
            buffer = bytes
            return true
        }
    }

    /// An entry of `size` bytes read from `file` (from its start) in chunks.
    mutating func add(_ name: String, from file: Int32, size: Int64) throws(OutputError) {
        var position: Int64 = 0
        let destination = destination
        try add(name) { (buffer: inout [UInt8]) throws(OutputError) -> Bool in
            guard position < size else { return false }
            let count = Int(min(Int64(Self.chunkSize), size - position))
            buffer = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = buffer.withUnsafeMutableBytes { pread(file, $0.baseAddress! + done, count - done, off_t(position) + off_t(done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw OutputError(destination: destination, reason: n < 0 ? String(cString: strerror(errno)) : "a scratch file ended early")
                }
                done += n
            }
            position += Int64(count)
            return true
        }
    }

    /// Writes the local header, then deflates what `next` hands over until it returns false,
    /// then fills the header's CRC and sizes in.
    private mutating func add(_ name: String, next: (inout [UInt8]) throws(OutputError) -> Bool) throws(OutputError) {
        var entry = Entry(name: Array(name.utf8), crc: 0, compressedSize: 0, uncompressedSize: 0, headerOffset: offset)
        try write(localHeader(entry))
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw OutputError(destination: destination, reason: "zlib could not start deflating")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Self.chunkSize)
        var input: [UInt8] = []
        var finished = false
        while !finished {
            let more = try next(&input)
            let flush = more ? Z_NO_FLUSH : Z_FINISH
            if more {
                entry.crc = UInt32(input.withUnsafeBufferPointer { crc32(uLong(entry.crc), $0.baseAddress, uInt($0.count)) })
                entry.uncompressedSize += UInt64(input.count)
            } else {
                input = []
            }
            try input.withUnsafeMutableBufferPointer { (inputBuffer) throws(OutputError) in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                repeat {
                    let status = output.withUnsafeMutableBufferPointer { outputBuffer -> Int32 in
                        stream.next_out = outputBuffer.baseAddress
                        stream.avail_out = uInt(outputBuffer.count)
                        return deflate(&stream, flush)
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw OutputError(destination: destination, reason: "zlib failed to deflate (\(status))")
                    }
                    let produced = output.count - Int(stream.avail_out)
                    if produced > 0 { try write(Array(output[0..<produced])) }
                    entry.compressedSize += UInt64(produced)
                    if status == Z_STREAM_END { finished = true }
                } while stream.avail_out == 0 || (flush == Z_FINISH && !finished)
            }
        }
        guard entry.compressedSize <= UInt64(UInt32.max), entry.uncompressedSize <= UInt64(UInt32.max), offset <= UInt64(UInt32.max) else {
            throw OutputError(destination: destination, reason: "\(name) is larger than 4 GiB, beyond what this xlsx writer supports")
        }
        var sizes: [UInt8] = []
        sizes.append32(entry.crc)
        sizes.append32(UInt32(entry.compressedSize))
        sizes.append32(UInt32(entry.uncompressedSize))
        try pwriteAll(sizes, at: entry.headerOffset + 14)
        entries.append(entry)
    }

    /// The central directory and its end record.
    mutating func finish() throws(OutputError) {
        let start = offset
        for entry in entries {
            var header: [UInt8] = []
            header.append32(0x0201_4B50)
            header.append16(20)  // made by: version 2.0
            header.append(contentsOf: common(entry))
            header.append16(0)  // comment length
            header.append16(0)  // disk number
            header.append16(0)  // internal attributes
            header.append32(0o100644 << 16)  // external: a regular file, rw-r--r--
            header.append32(UInt32(entry.headerOffset))
            header.append(contentsOf: entry.name)
            try write(header)
        }
        guard entries.count < 0xFFFF, offset <= UInt64(UInt32.max) else {
            throw OutputError(destination: destination, reason: "the workbook is larger than 4 GiB, beyond what this xlsx writer supports")
        }
        var end: [UInt8] = []
        end.append32(0x0605_4B50)
        end.append16(0)
        end.append16(0)
        end.append16(UInt16(entries.count))
        end.append16(UInt16(entries.count))
        end.append32(UInt32(offset - start))
        end.append32(UInt32(start))
        end.append16(0)
        try write(end)
    }

    private func localHeader(_ entry: Entry) -> [UInt8] {
        var header: [UInt8] = []
        header.append32(0x0403_4B50)
        header.append(contentsOf: common(entry))
        header.append(contentsOf: entry.name)
        return header
    }

    /// From "version needed" to "extra field length": the same in both headers.
    private func common(_ entry: Entry) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.append16(20)  // version needed: 2.0 (deflate)
        bytes.append16(1 << 11)  // flags: names are UTF-8
        bytes.append16(8)  // deflate
        bytes.append16(dosTime)
        bytes.append16(dosDate)
        bytes.append32(entry.crc)
        bytes.append32(UInt32(truncatingIfNeeded: entry.compressedSize))
        bytes.append32(UInt32(truncatingIfNeeded: entry.uncompressedSize))
        bytes.append16(UInt16(entry.name.count))
        bytes.append16(0)  // extra field length
        return bytes
    }

    private mutating func write(_ bytes: [UInt8]) throws(OutputError) {
        try pwriteAll(bytes, at: offset)
        offset += UInt64(bytes.count)
    }

    private func pwriteAll(_ bytes: [UInt8], at position: UInt64) throws(OutputError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fileDescriptor, $0.baseAddress! + done, bytes.count - done, off_t(position) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw OutputError(destination: destination, reason: String(cString: strerror(errno))) }
            done += n
        }
    }
}

private extension Array where Element == UInt8 {
    mutating func append16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func append32(_ value: UInt32) {
        append16(UInt16(value & 0xFFFF))
        append16(UInt16(value >> 16))
    }
}
