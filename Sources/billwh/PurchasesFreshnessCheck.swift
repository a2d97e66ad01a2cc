import Pipeline

extension PurchasesFreshness {
    /// Tells the user whether purchases are behind staging before `what` reads them. Returns
    /// false, with the refusal printed, when they are behind and `takeAsTheyAre` is false;
    /// otherwise prints the warning or note, if any, and returns true.
    static func check(databasePath: String, what: String, override: String? = nil, takeAsTheyAre: Bool) throws -> Bool {
        guard let stale = try of(databasePath: databasePath).message(databasePath: databasePath, what: what, override: override) else {
            return true
        }
        if stale.refused && !takeAsTheyAre {
            Console.error(stale.text)
            return false
        }
        Console.note(stale.refused ? "billwh: warning: \(stale.text)" : stale.text)
        return true
    }
}
