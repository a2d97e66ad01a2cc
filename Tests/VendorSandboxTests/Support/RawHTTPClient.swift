#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// A deliberately small HTTP/1.1 client over a raw loopback socket, so the tests see exactly
/// what is on the wire (a `Content-Length` the body never reaches, a missing final chunk).
/// Blocking I/O runs on its own thread, never on the Swift concurrency pool the server uses.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    /// The body as received (de-chunked when chunked).
    var body: [UInt8]
    var contentLength: Int?
    var chunked: Bool
    /// The body arrived whole per its framing (all `Content-Length` bytes, or the final chunk).
    var complete: Bool

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

enum RawHTTPError: Error, CustomStringConvertible {
    case socket(String)
    case timedOut
    case malformed(String)

    var description: String {
        switch self {
        case .socket(let what): "socket: \(what)"
        case .timedOut: "timed out"
        case .malformed(let what): "malformed response: \(what)"
        }
    }
}

#if canImport(Glibc)
private let systemConnect = Glibc.connect
#else
private let systemConnect = Darwin.connect
#endif

enum RawHTTP {
    /// Long: the sandbox answers on the test process's cooperative threads, which the rest of a
    /// full parallel run can keep busy for a minute or two on a 2-core machine. These tests
    /// check answers, not speed; a shorter timeout is given where giving up is the point.
    static let patience: Double = 180

    static func get(port: Int, _ target: String, headers: [(String, String)] = [], method: String = "GET",
                    timeout: Double = patience) async throws -> RawResponse {
        try await onThread { try request(port: port, target: target, headers: headers, method: method, timeout: timeout) }
    }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// True if a TCP connection to 127.0.0.1:port is accepted.
    static func canConnect(port: Int) async -> Bool {
        (try? await onThread { () throws -> Bool in
            let fd = try connect(port: port, timeout: 2)
            close(fd)
            return true
        }) ?? false
    }

    static func connect(port: Int, timeout: Double) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPError.socket("socket() failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: .init(Int((timeout - Double(Int(timeout))) * 1_000_000)))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RawHTTPError.socket("connect() failed: errno \(errno)")
        }
        return fd
    }

    /// One request, with a body (`Content-Length` framing) when given. A server may answer
    /// (413) and close before it has read the whole body: sending then stops, and the answer is
    /// read.
    static func request(port: Int, target: String, headers: [(String, String)], method: String, body: [UInt8]? = nil,
                        timeout: Double) throws -> RawResponse {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + (body ?? [])
        var sent = 0
        while sent < out.count {
            #if canImport(Glibc)
            let n = out[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            let n = out[sent...].withUnsafeBytes { Darwin.send(fd, $0.baseAddress, $0.count, 0) }
            #endif
            guard n > 0 else {
                if sent == 0 { throw RawHTTPError.socket("send() failed") }
                break
            }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { break }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw RawHTTPError.timedOut }
            if errno == ECONNRESET { break } // a reset ends the body like a close
            throw RawHTTPError.socket("recv() failed: errno \(errno)")
        }
        return try parse(received)
    }

    static func parse(_ bytes: [UInt8]) throws -> RawResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.first(where: { $0 + 4 <= bytes.count && Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw RawHTTPError.malformed("no end of head in \(bytes.count) bytes")
        }
        let headLines = String(decoding: bytes[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = headLines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw RawHTTPError.malformed(headLines[0]) }
        var headers: [(String, String)] = []
        for line in headLines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let rest = Array(bytes[(headEnd + 4)...])
        let contentLength = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) }
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
        if chunked {
            var body: [UInt8] = []
            var index = 0
            var complete = false
            while index < rest.count {
                guard let lineEnd = (index..<rest.count - 1).first(where: { rest[$0] == 13 && rest[$0 + 1] == 10 }) else { break }
                let sizeText = String(decoding: rest[index..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { break }
                index = lineEnd + 2
                if size == 0 { complete = true; break }
                let end = min(index + size, rest.count)
                body.append(contentsOf: rest[index..<end])
                if end < index + size { break }
                index = end + 2
            }
            return RawResponse(status: status, headers: headers, body: body, contentLength: nil, chunked: true, complete: complete)
        }
        if let contentLength {
            return RawResponse(status: status, headers: headers, body: Array(rest.prefix(contentLength)), contentLength: contentLength,
                               chunked: false, complete: rest.count >= contentLength)
        }
        return RawResponse(status: status, headers: headers, body: rest, contentLength: nil, chunked: false, complete: true)
    }
}

/// A request the sandbox must refuse as a vendor does: 400, with a message a user can read.
func expectBadRequest(port: Int, _ target: String, headers: [(String, String)]) async throws {
    let response = try await RawHTTP.get(port: port, target, headers: headers)
    #expect(response.status == 400)
    #expect(try TJ.parse(response.body)["message"]?.string?.isEmpty == false)
}
