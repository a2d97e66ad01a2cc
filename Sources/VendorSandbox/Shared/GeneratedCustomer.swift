/// A customer a generator draws: who it is, its markup, and its subscriptions. `Party` is what
/// else a vendor's documents say of it: 2tCloud addresses customer invoices to it
/// (`SandboxParty`), Copaco's documents say nothing more (`Void`).
struct GeneratedCustomer<Subscription, Party> {
    let index: Int
    let accountID: Int
    let number: String
    let name: String
    let costCenter: String?
    let markupPermille: Int64
    let party: Party
    var subscriptions: [Subscription]

    /// The customer's entry in a document, subscriptions to follow.
    var entry: SandboxCustomer {
        SandboxCustomer(accountID: accountID, customerNumber: number, companyName: name, costCenter: costCenter, subscriptions: [])
    }
}
