#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary files that Ctrl-C, `kill` or a closed terminal must not leave behind (an export's
/// hidden file, a backup's partial copy): on SIGINT, SIGTERM or SIGHUP they are deleted and the
/// process then ends by that signal, as it would have.
///
/// The handler runs in signal context, where only async-signal-safe calls are allowed: the
/// paths live in fixed C buffers filled before the signal, and it calls `unlink`, `signal` and
/// `raise` only. A signal the process was started ignoring (`nohup`) stays ignored.
public enum InterruptCleanup {
    static let slots = 8
    static let slotSize = Int(PATH_MAX) + 1
    /// `slots` NUL-terminated paths; an empty one is a free slot.
    nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: slots * slotSize)
        buffer.initialize(repeating: 0, count: slots * slotSize)
        return buffer
    }()
    nonisolated(unsafe) static var installed = false

    /// Installs the handler once (before any path is registered; from the executable's commands).
    public static func install() {
        guard !installed else { return }
        installed = true
        _ = paths  // allocated now, not in the handler
        for signalNumber in stopSignals where !isIgnored(signalNumber) {
            _ = signal(signalNumber, { caught in
                for slot in 0..<InterruptCleanup.slots {
                    let path = InterruptCleanup.paths + slot * InterruptCleanup.slotSize
                    if path.pointee != 0 { _ = unlink(path) }
                }
                _ = signal(caught, SIG_DFL)
                _ = kill(getpid(), caught)
            })
        }
    }

    /// The signals that stop a command: Ctrl-C, `kill` or `systemctl stop`, a closed terminal.
    public static let stopSignals = [SIGINT, SIGTERM, SIGHUP]

    /// Whether the process was started ignoring `signalNumber` (`nohup`, a background job).
    public static func isIgnored(_ signalNumber: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signalNumber, nil, &current) == 0 else { return false }
        #if canImport(Darwin)
        let handler = current.__sigaction_u.__sa_handler
        #else
        let handler = current.__sigaction_handler.sa_handler
        #endif
        // Function pointers are not Equatable: compared as addresses.
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Deletes `path` should the process be interrupted before `unregister(path)`. A path too
    /// long for a slot, or a ninth one, is not covered (the next writer still removes leftovers).
    public static func register(_ path: String) {
        guard installed else { return }
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotSize else { return }
        for slot in 0..<slots {
            let target = paths + slot * slotSize
            guard target.pointee == 0 else { continue }
            // The first byte last: the handler never sees half a path.
            bytes.withUnsafeBufferPointer { source in
                (target + 1).update(from: source.baseAddress! + 1, count: bytes.count - 1)
                target.pointee = source[0]
            }
            return
        }
    }

    public static func unregister(_ path: String) {
        guard installed else { return }
        for slot in 0..<slots {
            let target = paths + slot * slotSize
            if target.pointee != 0 && String(cString: target) == path { target.pointee = 0 }
        }
    }
}
