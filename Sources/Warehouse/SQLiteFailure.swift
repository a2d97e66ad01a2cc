import GRDB
import GRDBSQLite

/// SQLite's message when `error` failed with one of `codes` (primary result codes), else nil.
/// Modules that step statements through the C API wrap SQLite's message in their own errors;
/// SQLite's text for a code is fixed, so those are recognised by it.
func sqliteFailure(_ error: any Error, among codes: [Int32]) -> String? {
    if let error = error as? DatabaseError, codes.contains(error.resultCode.primaryResultCode.rawValue) {
        return error.message ?? "\(error.resultCode)"
    }
    let text = "\(error)"
    for code in codes {
        let phrase = String(cString: sqlite3_errstr(code))
        if text.contains(phrase) { return phrase }
    }
    return nil
}
