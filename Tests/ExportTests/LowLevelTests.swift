import Export
import Foundation
import Testing

@Suite struct LowLevelTests {
    func csv(_ text: String, _ delimiter: Character = ",") -> String {
        var out: [UInt8] = []
        CSVField.append(text, delimiter: UInt8(ascii: delimiter.unicodeScalars.first!), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func csvQuoting() {
        #expect(csv("plain") == "plain")
        #expect(csv("") == "")
        #expect(csv("a,b") == "\"a,b\"")
        #expect(csv("a,b", ";") == "a,b")
        #expect(csv("a;b", ";") == "\"a;b\"")
        #expect(csv("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csv("\"") == "\"\"\"\"")
        #expect(csv("line\nbreak") == "\"line\nbreak\"")
        #expect(csv("cr\r") == "\"cr\r\"")
        #expect(csv(" lead") == "\" lead\"")
        #expect(csv("trail ") == "\"trail \"")
        #expect(csv("in side") == "in side")
        #expect(csv("tab\there", "\t") == "\"tab\there\"")
        #expect(csv("€ ë") == "€ ë")
    }

    @Test func base64AndHex() {
        for sample in [[], [0], [0, 1], [0, 1, 2], [0xFF, 0xEE, 0xDD, 0xCC], Array(0...255)] as [[UInt8]] {
            var out: [UInt8] = []
            sample.withUnsafeBytes { ValueText.appendBase64($0, to: &out) }
            #expect(String(decoding: out, as: UTF8.self) == Data(sample).base64EncodedString())
        }
        var hex: [UInt8] = []
        ([0x00, 0xAB, 0x10] as [UInt8]).withUnsafeBytes { ValueText.appendHex($0, to: &hex) }
        #expect(String(decoding: hex, as: UTF8.self) == "00ab10")
    }

    @Test func realsAreShortestExact() {
        func real(_ value: Double) -> String {
            var out: [UInt8] = []
            ValueText.appendReal(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(real(0.1) == "0.1")
        #expect(real(2.5) == "2.5")
        #expect(real(5) == "5.0")
        #expect(real(-.infinity) == "-Inf")
        #expect(Double(real(1.0 / 3.0)) == 1.0 / 3.0)
    }

    @Test func byteWriterFlushesInBlocksAndReportsErrors() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("w.bin")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        var writer = ByteWriter(fileDescriptor: fd, destinationName: path)
        var expected: [UInt8] = []
        for index in 0..<200_000 {
            let byte = UInt8(truncatingIfNeeded: index)
            writer.append(byte)
            expected.append(byte)
            try writer.flushIfFull()
            #expect(writer.buffer.count < ByteWriter.blockSize)
        }
        try writer.flush()
        close(fd)
        #expect(writer.bytesWritten == 200_000)
        #expect(try Fixtures.read(path) == expected)

        var broken = ByteWriter(fileDescriptor: -1, destinationName: "nowhere")
        broken.append("x")
        #expect { try broken.flush() } throws: { "\($0)".contains("nowhere") }
    }
}
