import GRDB
import Pipeline

extension PurchasesFreshness {
    /// Tells the user whether purchases are behind staging before `what` reads them, inside the
    /// transaction that then reads purchases. Returns false, with the refusal printed, when they
    /// are behind and `takeAsTheyAre` is false; otherwise prints the warning or note, if any,
    /// and returns true.
    static func check(_ db: Database, databasePath: String, what: String, override: String? = nil, takeAsTheyAre: Bool) throws -> Bool {
        try announce(of(db, databasePath: databasePath), databasePath: databasePath, what: what, override: override, takeAsTheyAre: takeAsTheyAre)
    }

    private static func announce(_ freshness: PurchasesFreshness, databasePath: String, what: String, override: String?,
                                 takeAsTheyAre: Bool) -> Bool {
        guard let stale = freshness.message(databasePath: databasePath, what: what, override: override) else { return true }
        if stale.refused && !takeAsTheyAre {
            Console.error(stale.text)
            return false
        }
        Console.note(stale.refused ? "billwh: warning: \(stale.text)" : stale.text)
        return true
    }
}
