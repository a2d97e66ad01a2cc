/// A file size for people, in decimal units: a small warehouse's backup is "640 kB", not "0 MB".
package func byteCountText(_ bytes: Int64) -> String {
    switch bytes {
    case ..<1_000: "\(bytes) bytes"
    case ..<1_000_000: "\(bytes / 1_000) kB"
    case ..<10_000_000: "\(bytes / 1_000_000).\(bytes / 100_000 % 10) MB"
    default: "\(bytes / 1_000_000) MB"
    }
}
