import Foundation

/// Headless LibreOffice Calc (Debian's `libreoffice-calc-nogui`, installed by scripts/setup),
/// to open an export the way a spreadsheet user does.
enum LibreOffice {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Import options of the CSV filter: separator, text delimiter, UTF-8, from line 1, no column
    /// formats, the locale, quoted fields not forced to text, special numbers detected.
    static func csvImport(separator: Character, locale: Int) -> String {
        "\(separator.asciiValue!),34,76,1,,\(locale),false,true"
    }
    static let dutch = 1043
    static let english = 1033

    /// Opens `file` with `importOptions` (nil: the format's own import) and saves it as CSV:
    /// comma, UTF-8, every cell's value unformatted (numbers in full precision with a decimal
    /// point, text as text). Returns the CSV's path.
    static func convertToCSV(_ file: URL, importOptions: String?, folder: URL) async throws -> URL {
        try await convert(file, importOptions: importOptions, to: "csv", filter: "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false",
                    folder: folder)
    }

    /// Opens `file` like `convertToCSV` and saves it as `format` (e.g. `fods`: flat XML, where a
    /// formula cell shows as `table:formula`). Gives up after `deadline`, stopping the process
    /// it started by its pid.
    static func convert(_ file: URL, importOptions: String?, to format: String, filter: String? = nil, folder: URL,
                        deadline: Duration = .seconds(240)) async throws -> URL {
        let out = folder.appendingPathComponent("libreoffice-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["soffice", "--headless", "--norestore", "-env:UserInstallation=file://" + folder.appendingPathComponent("lo-profile").path]
        if let importOptions { arguments.append("--infilter=CSV:" + importOptions) }
        arguments += ["--convert-to", filter ?? format, "--outdir", out.path, file.path]
        process.arguments = arguments
        let log = folder.appendingPathComponent("soffice-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        guard await awaitExit(process, timeout: deadline) else {
            throw Failed(description: "soffice did not finish within \(deadline)")
        }
        let converted = out.appendingPathComponent(file.deletingPathExtension().lastPathComponent + "." + format)
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: converted.path) else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw Failed(description: "soffice could not convert \(file.lastPathComponent) (exit \(process.terminationStatus)): \(output)")
        }
        return converted
    }
}
