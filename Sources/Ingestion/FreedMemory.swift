import Foundation

/// glibc keeps what a thread frees in that thread's heap for its next allocations. A cut-off
/// attempt frees what it read on its decoding thread's heap, and the next attempt's thread may
/// be given another heap: without giving the free pages back, each retry left its memory behind.
enum FreedMemory {
    static func giveBack() {
        #if os(Linux)
        // <malloc.h> is not in Swift's Glibc module.
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}
