#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ZIPFoundation

/// The zip container of a one-sheet workbook: the fixed parts (content types, relationships,
/// workbook, styles) and the sheet, streamed from a file into its deflated zip entry.
enum XLSXPackage {
    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        </Types>
        """

    static let packageRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    static func workbook(sheetName: String) -> String {
        var name: [UInt8] = []
        Array(sheetName.utf8).withUnsafeBufferPointer { XMLText.append($0, to: &name) }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <bookViews><workbookView/></bookViews>\
            <sheets><sheet name="\(String(decoding: name, as: UTF8.self))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """
    }

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
        </Relationships>
        """

    /// The cell formats, in the order of `XLSXSheetWriter.Style`: general, date (`yyyy-mm-dd`),
    /// amount (2 to 6 decimals, grouped as the reader's locale groups), bold header text, text
    /// (`@`, so that editing an identifier keeps it text).
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="#,##0.00####"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
        <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="5">\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>\
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        </cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """

    /// Writes the workbook into `archivePath` (the empty file open as `archiveFile`), taking the
    /// sheet's `sheetSize` bytes from `sheetFile` in chunks: memory stays the same whatever
    /// the sheet's size.
    static func write(to archivePath: String, archiveFile: Int32, sheetName: String, sharedStrings: [UInt8],
                      sheetFile: Int32, sheetSize: Int64) throws {
        // An empty zip (only its end record) for ZIPFoundation to add entries to.
        var empty = [UInt8](repeating: 0, count: 22)
        empty[0] = 0x50; empty[1] = 0x4B; empty[2] = 0x05; empty[3] = 0x06
        guard pwrite(archiveFile, empty, empty.count, 0) == empty.count else {
            throw OutputError(destination: archivePath, reason: String(cString: strerror(errno)))
        }
        let archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .update)
        let now = Date()
        func add(_ path: String, _ text: String) throws { try add(path, Data(text.utf8)) }
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: now,
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", contentTypes)
        try add("_rels/.rels", packageRelationships)
        try add("xl/workbook.xml", workbook(sheetName: sheetName))
        try add("xl/_rels/workbook.xml.rels", workbookRelationships)
        try add("xl/styles.xml", styles)
        try add("xl/sharedStrings.xml", Data(sharedStrings))
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: sheetSize, modificationDate: now,
                             compressionMethod: .deflate, bufferSize: chunkSize) { position, size in
            var chunk = Data(count: size)
            var done = 0
            try chunk.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
                while done < size {
                    let n = pread(sheetFile, raw.baseAddress! + done, size - done, off_t(position) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw OutputError(destination: archivePath, reason: n < 0 ? String(cString: strerror(errno)) : "the sheet's scratch file ended early") }
                    done += n
                }
            }
            return chunk
        }
    }

    static let chunkSize = 256 * 1024
}
