import CByteSearch

/// Where `needle` first occurs in `haystack`, as an index of `haystack`, or nil.
func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
    haystack.withUnsafeBytes { firstOffset(of: needle, in: $0) }.map { haystack.startIndex + $0 }
}

/// Where `needle` first occurs in `haystack`, as an offset, or nil. glibc's memmem (CByteSearch)
/// skips ahead by the needle, where a byte loop would cost the writer a pass over every
/// document of a response of hundreds of megabytes.
func firstOffset(of needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
    guard !needle.isEmpty, haystack.count >= needle.count, let start = haystack.baseAddress else { return nil }
    return needle.withUnsafeBytes { wanted in
        billwh_find_bytes(start, haystack.count, wanted.baseAddress, wanted.count).map { UnsafeRawPointer($0) - start }
    }
}
