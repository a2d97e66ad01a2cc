import Foundation

/// UTC timestamps and calendar dates as the warehouse stores them (TEXT, sortable).
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    public static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (day, second) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let adjustedDay = second < 0 ? day - 1 : day
        let secondOfDay = second < 0 ? second + 86_400 : second
        let civil = CalendarDate(daysSinceEpoch: Int(adjustedDay))
        let h = secondOfDay / 3600, m = (secondOfDay % 3600) / 60, s = secondOfDay % 60
        return "\(civil)T\(pad2(Int(h))):\(pad2(Int(m))):\(pad2(Int(s)))Z"
    }
}

@inline(__always) func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
