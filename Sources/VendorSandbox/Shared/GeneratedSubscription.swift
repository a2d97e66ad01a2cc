import Warehouse

/// A subscription a generator draws for a customer: what it sells (`Kind`, per vendor) and the
/// header its documents repeat. Its lines are drawn month by month.
struct GeneratedSubscription<Vendor, Kind> {
    let id: Int
    let vendor: Vendor
    let kind: Kind
    let start: CalendarDate
    let header: SandboxSubscription // priceLines empty
    /// Copaco's VendorDetails per meter (usage) or one entry (licence); shared, not copied per line.
    var vendorDetails: [[SandboxAttribute]] = []
}
