#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

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
                      sheetFile: Int32, sheetSize: Int64) throws(OutputError) {
        var zip = ZipArchiveWriter(fileDescriptor: archiveFile, destination: archivePath)
        try zip.add("[Content_Types].xml", Array(contentTypes.utf8))
        try zip.add("_rels/.rels", Array(packageRelationships.utf8))
        try zip.add("xl/workbook.xml", Array(workbook(sheetName: sheetName).utf8))
        try zip.add("xl/_rels/workbook.xml.rels", Array(workbookRelationships.utf8))
        try zip.add("xl/styles.xml", Array(styles.utf8))
        try zip.add("xl/sharedStrings.xml", sharedStrings)
        try zip.add("xl/worksheets/sheet1.xml", from: sheetFile, size: sheetSize)
        try zip.finish()
    }
}
