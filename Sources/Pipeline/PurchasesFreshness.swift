import GRDB
import Warehouse

/// Whether `purchases` says what staging holds. A run stopped between its ingest and its
/// reconcile (killed, or `ingest` without `reconcile`) leaves customers waiting in the reconcile
/// queue, and purchases built before: an export or report of them would count superseded
/// documents without a word.
package enum PurchasesFreshness: Equatable {
    case current
    /// A run holds the lock and will reconcile: what is read is the state before it.
    case runInProgress(holder: String)
    /// Nothing will reconcile them until someone does.
    case behind(customers: Int)

    /// Inside the reader's own transaction, the state it then reads purchases in.
    package static func of(_ db: Database, databasePath: String) throws -> PurchasesFreshness {
        // A run that has not staged anything yet will still change purchases: said all the same.
        if let holder = RunLock.holder(databasePath: databasePath) { return .runInProgress(holder: holder) }
        let waiting = try Int.fetchOne(db, sql: "SELECT count(*) FROM reconcile_queue") ?? 0
        return waiting > 0 ? .behind(customers: waiting) : .current
    }

    /// The refusal of a command that reads purchases for accounting, or its note; nil when current.
    /// `override`: the flag that takes purchases as they are, where there is one.
    package func message(databasePath: String, what: String, override: String? = nil) -> (refused: Bool, text: String)? {
        switch self {
        case .current:
            return nil
        case .runInProgress(let holder):
            return (false, "billwh: note: a run is changing the warehouse (\(holder.trimmingCharacters(in: .whitespacesAndNewlines))); "
                    + "\(what) shows purchases as the last reconcile left them, before this run")
        case .behind(let customers):
            return (true, "purchases are behind the staged documents: \(customers) customers changed since the last reconcile "
                    + "(a run stopped before reconciling, or `ingest` without `reconcile`), so \(what) would count superseded documents. "
                    + "Run `billwh reconcile --db \(databasePath)` as the job's user, then \(what) again"
                    + (override.map { "; \($0) takes purchases as they are" } ?? ""))
        }
    }
}
