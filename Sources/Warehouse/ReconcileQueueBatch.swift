import GRDB

/// Documents' new lines to queue for reconciliation, gathered over several documents of a
/// window and queued together: a response of many small documents otherwise pays two queue
/// statements for each. The queue is a set, and what decides a group's entry (closed months,
/// the customer's purchases) does not change while a window is written, so queueing later in
/// the same transaction queues the same rows. At most `limit` groups wait, so memory stays
/// bounded on a window of a million lines (a few MB); each flush probes its customers'
/// purchases again, so a nightly's window should take one or two.
public final class ReconcileQueueBatch {
    private let db: Database
    private let vendor: String
    private let limit: Int
    /// Month (`YYYY-MM`) → the groups of each document dated in it.
    private var pending: [String: [TouchedGroups]] = [:]
    private var count = 0

    public init(db: Database, vendor: String, limit: Int = 16_384) {
        self.db = db
        self.vendor = vendor
        self.limit = limit
    }

    /// Adds a document's groups, dated in `month`; queues what waits once it is `limit` groups.
    public func add(_ touched: TouchedGroups, month: String) throws {
        guard !touched.groups.isEmpty else { return }
        pending[month, default: []].append(touched)
        count += touched.count
        if count >= limit { try flush() }
    }

    /// Queues what waits. The writer calls it before the window's transaction ends.
    public func flush() throws {
        for (month, documents) in pending.sorted(by: { $0.key < $1.key }) {
            try ReconcileQueue(db).enqueue(documents, vendor: vendor, month: month)
        }
        pending = [:]
        count = 0
    }
}
