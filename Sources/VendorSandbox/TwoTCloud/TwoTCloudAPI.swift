import Warehouse
/// The 2tCloud Billing API as twotcloud.md describes it: `GET /{version}/invoices`,
/// `/customerinvoices`, `/consolidatedinvoices`; HTTP Basic (`accountID:apiKey`), each key bound
/// to one caller IP; `startDate`/`endDate` as `YYYYMMDD` (inclusive, on `Header.Date`; without
/// them the last 3 months up to `today`, as Copaco — the contract does not say); JSON with
/// `Accept: application/json`, XML otherwise. Error bodies are `{"message": ...}` JSON.
struct TwoTCloudAPI {
    let accountID: String
    let apiKey: String
    /// Versions answered (`v1`…`v4` by default); any other `/vN/...` is a 404.
    let versions: [String]
    let today: CalendarDate

    /// `base64(accountID:apiKey)`: what follows `Basic ` in a correct `Authorization` header.
    var basicToken: String { Base64.encode(Array("\(accountID):\(apiKey)".utf8)) }

    static let forbiddenMessage = "Forbidden: the request was not authorised. Check that the Authorization header is HTTP Basic with the reseller's Account ID and an active Billing API key, and that the request comes from the IP address bound to that key."

    /// `/v` + digits, then `/` or the end: 2tCloud's routes.
    static func handles(path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "/"), bytes[1] == UInt8(ascii: "v") || bytes[1] == UInt8(ascii: "V") else { return false }
        var index = 2
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
        return index > 2 && (index == bytes.count || bytes[index] == UInt8(ascii: "/"))
    }

    /// Checks made in this order: version + endpoint (404), method (405), credentials and
    /// caller IP (403, one message for both), query (400).
    func respond(method: String, path: String, query: String?, header: (String) -> String?, peer: String?, allowedIP: String?,
                 data: TwoTCloudSandboxData, faults: SandboxFaults) -> (SandboxReply, SandboxCredential, [String]) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let version = parts.isEmpty ? "" : String(parts.removeFirst()).lowercased()
        guard versions.contains(version) else {
            return (.message(404, "No resource at \(path): API version '\(version)' is not served (\(versions.joined(separator: ", ")))."), .notChecked, [])
        }
        guard parts.count == 1, let endpoint = TwoTCloudEndpoint(pathComponent: parts[0]) else {
            let known = TwoTCloudEndpoint.allCases.map { $0.path(version: version) }.joined(separator: ", ")
            return (.message(404, "No resource at \(path). Endpoints: \(known)."), .notChecked, [])
        }
        guard method == "GET" else {
            var reply = SandboxReply.message(405, "Method \(method) is not allowed; use GET.")
            reply.headers.append(("Allow", "GET"))
            return (reply, .notChecked, [])
        }
        let credential = check(authorization: header("Authorization"))
        var notes: [String] = []
        let ipAllowed = allowedIP.map { allowed in peer.map(TwoTCloudAPI.normalize) == TwoTCloudAPI.normalize(allowed) } ?? true
        if !ipAllowed { notes.append("ip-not-allowed") }
        guard credential == .full, ipAllowed else {
            return (.message(403, TwoTCloudAPI.forbiddenMessage), credential, notes)
        }
        let window: (from: CalendarDate, to: CalendarDate)
        switch CopacoAPI.window(query: query, today: today) {
        case .success(let value): window = value
        case .failure(let problem): return (.message(400, problem.message), credential, notes)
        }
        let wantsJSON = TwoTCloudAPI.acceptsJSON(header("Accept"))
        var format: TwoTCloudFormat = wantsJSON ? .json : .xml
        if faults.ignoreAccept {
            if wantsJSON { notes.append("ignore-accept") }
            format = .xml
        }
        let documents = data.documents(endpoint, from: window.from.iso, to: window.to.iso)
        let corrupted = faults.corruptedDocuments
        var options = TwoTCloudRenderer.Options(seed: data.seed)
        options.corrupt = corrupted
        if format == .json && faults.mutateFields {
            options.mutateFields = true
            notes.append("mutated")
        }
        if format == .json {
            options.drift = faults.drift(for: path)
            if !options.drift.isEmpty { notes.append("drift") }
        }
        for document in documents where corrupted[document.invoiceID] != nil { notes.append("corrupt:\(document.invoiceID)") }
        let chunks = TwoTCloudRenderer.responseChunks(documents, format: format, options: options)
        let contentType = format == .json ? "application/json" : "application/xml; charset=utf-8"
        return (SandboxReply(status: 200, headers: [("Content-Type", contentType)], chunks: chunks), credential, notes)
    }

    /// `.missing` without a header, `.full` for the right Basic credentials, `.unknown` otherwise
    /// (another scheme, bad base64, wrong account ID or key).
    func check(authorization: String?) -> SandboxCredential {
        guard let authorization, !authorization.isEmpty else { return .missing }
        let pieces = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard pieces.count == 2, pieces[0].lowercased() == "basic",
              let decoded = Base64.decode(pieces[1].trimmingSpaces),
              let text = String(validating: decoded, as: UTF8.self),
              let colon = text.firstIndex(of: ":") else { return .unknown }
        let user = text[..<colon]
        let password = text[text.index(after: colon)...]
        return user == accountID && password == apiKey ? .full : .unknown
    }

    /// True when the `Accept` header lists `application/json` (parameters and case ignored).
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { range in
            let type = range.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
            return type == "application/json"
        }
    }

    /// `::ffff:127.0.0.1` -> `127.0.0.1`; lower-cased.
    static func normalize(_ address: String) -> String {
        let lower = address.lowercased()
        return lower.hasPrefix("::ffff:") && lower.contains(".") ? String(lower.dropFirst(7)) : lower
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}

/// RFC 4648 base64 (standard alphabet, `=` padding), without Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(index + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil unless the text is canonical padded base64.
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard !input.isEmpty, input.count % 4 == 0 else { return nil }
        func value(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 65...90: UInt32(byte - 65)
            case 97...122: UInt32(byte - 71)
            case 48...57: UInt32(byte + 4)
            case UInt8(ascii: "+"): 62
            case UInt8(ascii: "/"): 63
            default: nil
            }
        }
        var out: [UInt8] = []
        var index = 0
        while index < input.count {
            let last = index + 4 == input.count
            let padding = last ? (input[index + 3] == UInt8(ascii: "=") ? (input[index + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var triple: UInt32 = 0
            for offset in 0..<4 {
                let byte = input[index + offset]
                if offset >= 4 - padding {
                    guard byte == UInt8(ascii: "=") else { return nil }
                    triple <<= 6
                } else {
                    guard let v = value(byte) else { return nil }
                    triple = triple << 6 | v
                }
            }
            out.append(UInt8(triple >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(triple >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(triple & 0xFF)) }
            index += 4
        }
        return out
    }
}
