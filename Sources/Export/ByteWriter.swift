#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed `write(2)` while streaming output.
package struct OutputError: Error, CustomStringConvertible {
    package let destination: String
    package let reason: String

    package init(destination: String, reason: String) {
        self.destination = destination
        self.reason = reason
    }

    package var description: String { "cannot write to \(destination): \(reason)" }
}

/// Bytes appended to an in-memory buffer and handed to a file descriptor in blocks of at
/// least 64 KiB: one `write(2)` per block instead of one per field.
///
/// The hot loops append straight to `buffer` (also through `Money.append(…to:)`) and call
/// `flushIfFull()` once per row; `flush()` at the end writes the rest.
package struct ByteWriter {
    package static let blockSize = 64 * 1024

    package let fileDescriptor: Int32
    /// Shown in errors ("cannot write to /path: No space left on device").
    package let destinationName: String
    /// Pending bytes. Append freely; the writer owns when they leave.
    package var buffer: [UInt8]
    package private(set) var bytesWritten: Int = 0

    package init(fileDescriptor: Int32, destinationName: String) {
        self.fileDescriptor = fileDescriptor
        self.destinationName = destinationName
        buffer = []
        buffer.reserveCapacity(ByteWriter.blockSize * 2)
    }

    @inline(__always)
    package mutating func append(_ byte: UInt8) { buffer.append(byte) }

    @inline(__always)
    package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) { buffer.append(contentsOf: bytes) }

    @inline(__always)
    package mutating func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    package mutating func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    @inline(__always)
    package mutating func flushIfFull() throws(OutputError) {
        if buffer.count >= ByteWriter.blockSize { try flush() }
    }

    /// Writes every pending byte, retrying short writes and `EINTR`.
    package mutating func flush() throws(OutputError) {
        if buffer.isEmpty { return }
        let failure: Int32 = buffer.withUnsafeBytes { raw -> Int32 in
            var offset = 0
            while offset < raw.count {
                let n = write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
        if failure != 0 {
            throw OutputError(destination: destinationName, reason: String(cString: strerror(failure)))
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
