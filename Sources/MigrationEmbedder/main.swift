import Foundation

// Writes the Swift source that carries migrations/*.sql inside the binary, so billwh runs from
// any directory: `MigrationEmbedder OUTPUT FILE.sql...`, run by the EmbedMigrations build plugin.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT FILE.sql...\n".utf8))
    exit(2)
}
var source = """
    // Generated at build time from migrations/*.sql by the EmbedMigrations plugin.
    extension Migrations {
        public static let embedded: [Migration] = [

    """
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let sql = try String(contentsOf: url, encoding: .utf8)
    guard !sql.contains("\"\"\"#") else {
        FileHandle.standardError.write(Data("error: \(path) contains the raw-string delimiter \"\"\"#\n".utf8))
        exit(1)
    }
    // A multi-line literal drops the line break before its closing delimiter: the file's last one.
    let body = sql.hasSuffix("\n") ? sql : sql + "\n"
    source += "        Migration(fileName: \"\(url.lastPathComponent)\", sql: #\"\"\"\n\(body)\"\"\"#),\n"
}
source += "    ]\n}\n"
try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
