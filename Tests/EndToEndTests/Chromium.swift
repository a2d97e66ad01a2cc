import Foundation

/// Headless Chromium (Debian's `chromium`, installed by scripts/setup), to open the HTML report
/// the way finance does: in a browser.
enum Chromium {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    struct Page {
        /// The DOM after load, as Chromium serializes it.
        var dom: String
        /// Chromium's log: console messages show as `CONSOLE` lines.
        var log: String
        /// URLs the page asked the network for (Chromium's own background requests left out).
        var pageRequests: [String]
    }

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") }

    static let flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-sync",
        "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
        "--enable-logging=stderr", "--v=0",
        // Nothing can be fetched even if the page tried; the net log still shows the attempt.
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]

    /// Loads `file` and dumps its DOM, recording the network log.
    static func load(_ file: URL, folder: URL) async throws -> Page {
        let netlog = folder.appendingPathComponent("netlog-\(UUID().uuidString).json")
        let profile = folder.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        let (out, err) = try await run(flags + ["--user-data-dir=" + profile.path, "--log-net-log=" + netlog.path, "--dump-dom", file.absoluteString])
        let requests = try python(netlogScript, arguments: [netlog.path]).split(separator: "\n").map(String.init)
        return Page(dom: out, log: err, pageRequests: requests)
    }

    /// A PNG of the page at `width`×`height` CSS pixels.
    static func screenshot(_ file: URL, to png: URL, width: Int = 1200, height: Int = 3000, folder: URL) async throws {
        let profile = folder.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        _ = try await run(flags + ["--user-data-dir=" + profile.path, "--hide-scrollbars", "--screenshot=" + png.path,
                             "--window-size=\(width),\(height)", file.absoluteString])
        guard FileManager.default.fileExists(atPath: png.path) else { throw Failed(description: "chromium wrote no screenshot") }
    }

    /// Runs chromium, giving up after `deadline` (coreutils' timeout stops it and its children).
    static func run(_ arguments: [String], deadline: Int = 90) async throws -> (stdout: String, stderr: String) {
        let result = try await runCapturing(URL(fileURLWithPath: "/usr/bin/timeout"), ["--kill-after=10", String(deadline), "/usr/bin/chromium"] + arguments)
        let (stdout, stderr) = (result.stdout, result.stderr)
        guard result.status == 0 else {
            throw Failed(description: "chromium exited \(result.status): \(stderr.suffix(2000))")
        }
        return (stdout, stderr)
    }

    /// The URLs requested on behalf of a page (their network isolation key is the page's site,
    /// file:// here); Chromium's own update and time checks carry none.
    static let netlogScript = """
        import json, sys
        d = json.load(open(sys.argv[1]))
        names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
        for e in d["events"]:
            p = e.get("params") or {}
            if names.get(e["type"]) == "URL_REQUEST_START_JOB" and "file://" in str(p.get("network_isolation_key", "")):
                print(p.get("url", ""))
        """

    /// Pixel statistics of a PNG (8-bit RGB or RGBA, not interlaced), decoded with Python's
    /// zlib: the number of distinct colours and the variance of the grey level.
    static func pixelStatistics(_ png: URL) throws -> (colours: Int, variance: Double, width: Int, height: Int) {
        let output = try python(pngScript, arguments: [png.path]).split(separator: " ")
        guard output.count == 4, let colours = Int(output[0]), let variance = Double(output[1]),
              let width = Int(output[2]), let height = Int(output[3].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failed(description: "could not read \(png.path)")
        }
        return (colours, variance, width, height)
    }

    static let pngScript = """
        import struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        pos, idat = 8, b""
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            pos += 12 + length
        assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
        bpp = 3 if colour == 2 else 4
        raw = zlib.decompress(idat)
        stride = width * bpp
        prev = bytearray(stride)
        colours, total, squares, n = set(), 0, 0, 0
        i = 0
        for y in range(height):
            f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            prev = line
            if y % 2 == 0:
                for x in range(0, stride, bpp * 2):
                    r, g, bl = line[x], line[x + 1], line[x + 2]
                    colours.add((r, g, bl))
                    grey = (r * 299 + g * 587 + bl * 114) // 1000
                    total += grey; squares += grey * grey; n += 1
        mean = total / n
        print(len(colours), squares / n - mean * mean, width, height)
        """
}
