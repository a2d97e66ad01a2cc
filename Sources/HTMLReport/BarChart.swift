/// Bar charts as SVG geometry for the page's template: one `<rect>` per value, its exact
/// figure in a `<title>` (shown on hover) and in data attributes. Hand-written because the
/// charts are a few rectangles and labels; a charting library would bring JavaScript.
struct BarChart {
    struct Bar {
        var x: String
        var y: String
        var width: String
        var height: String
        var cssClass: String
        var title: String
        var month: String
        var series: String
        /// The exact value: micros for an amount, a count for lines.
        var value: String
    }

    struct Label {
        var x: String
        var y: String
        var text: String
        var anchor: String
    }

    struct Legend {
        var name: String
        var cssClass: String
    }

    struct Series {
        var name: String
        var key: String
        var cssClass: String
        var values: [Int64]
    }

    var id: String
    // Stored, not computed: the template reads properties by reflection, which sees only stored ones.
    var width = 960
    var height = 260
    var viewBox = "0 0 960 260"
    var plotLeft = BarChart.format(BarChart.left)
    var plotRight = BarChart.format(960 - BarChart.right)
    var bars: [Bar] = []
    var labels: [Label] = []
    var legend: [Legend] = []
    var baseline = Label(x: "0", y: "0", text: "", anchor: "")
    var ariaLabel: String

    static let left = 110.0, right = 10.0, top = 12.0, bottom = 28.0

    /// Side-by-side bars per month, one per series, around a zero line (margins can be negative).
    /// Pixel positions are computed in floating point: they are geometry, not money.
    static func grouped(id: String, ariaLabel: String, months: [String], series: [Series],
                        valueText: (Int64) -> String, exactText: (Int64) -> String, titlePrefix: (String, String) -> String) -> BarChart {
        var chart = BarChart(id: id, ariaLabel: ariaLabel)
        let all = series.flatMap(\.values)
        let highest = max(0, all.max() ?? 0), lowest = min(0, all.min() ?? 0)
        let high = Double(highest), low = Double(lowest)
        let span = high - low > 0 ? high - low : 1
        let plotHeight = Double(chart.height) - top - bottom
        func y(_ v: Double) -> Double { top + (high - v) / span * plotHeight }
        let plotWidth = Double(chart.width) - left - right
        let group = plotWidth / Double(max(months.count, 1))
        let barWidth = group * 0.8 / Double(max(series.count, 1))
        for (m, month) in months.enumerated() {
            for (s, serie) in series.enumerated() {
                let value = serie.values[m]
                let x = left + Double(m) * group + group * 0.1 + Double(s) * barWidth
                let y0 = y(0), y1 = y(Double(value))
                chart.bars.append(Bar(x: format(x), y: format(min(y0, y1)), width: format(barWidth * 0.92), height: format(abs(y1 - y0)),
                                      cssClass: serie.cssClass, title: titlePrefix(serie.name, month) + exactText(value),
                                      month: month, series: serie.key, value: String(value)))
            }
            chart.labels.append(Label(x: format(left + (Double(m) + 0.5) * group), y: format(Double(chart.height) - 8),
                                      text: month, anchor: "middle"))
        }
        chart.labels.append(Label(x: format(left - 6), y: format(top + 4), text: valueText(highest), anchor: "end"))
        if lowest < 0 { chart.labels.append(Label(x: format(left - 6), y: format(top + plotHeight), text: valueText(lowest), anchor: "end")) }
        chart.baseline = Label(x: format(left), y: format(y(0)), text: valueText(0), anchor: "end")
        chart.legend = series.map { Legend(name: $0.name, cssClass: $0.cssClass) }
        return chart
    }

    /// One column per month of stacked segments, one segment per series (zero-height included,
    /// so every month has one per series).
    static func stacked(id: String, ariaLabel: String, months: [String], series: [Series],
                        valueText: (Int64) -> String) -> BarChart {
        var chart = BarChart(id: id, ariaLabel: ariaLabel)
        let totals = months.indices.map { m in series.reduce(Int64(0)) { $0 + $1.values[m] } }
        let highest = max(totals.max() ?? 0, 1)
        let high = Double(highest)
        let plotHeight = Double(chart.height) - top - bottom
        let plotWidth = Double(chart.width) - left - right
        let group = plotWidth / Double(max(months.count, 1))
        for (m, month) in months.enumerated() {
            var stackTop = top + plotHeight
            for serie in series {
                let value = serie.values[m]
                let h = Double(value) / high * plotHeight
                stackTop -= h
                chart.bars.append(Bar(x: format(left + Double(m) * group + group * 0.15), y: format(stackTop),
                                      width: format(group * 0.7), height: format(h), cssClass: serie.cssClass,
                                      title: "\(month) \(serie.name): \(valueText(value)) of \(valueText(totals[m])) lines",
                                      month: month, series: serie.key, value: String(value)))
            }
            chart.labels.append(Label(x: format(left + (Double(m) + 0.5) * group), y: format(Double(chart.height) - 8),
                                      text: month, anchor: "middle"))
        }
        chart.labels.append(Label(x: format(left - 6), y: format(top + 4), text: valueText(highest), anchor: "end"))
        chart.baseline = Label(x: format(left), y: format(top + plotHeight), text: valueText(0), anchor: "end")
        chart.legend = series.map { Legend(name: $0.name, cssClass: $0.cssClass) }
        return chart
    }

    /// Two decimals are plenty for pixels and keep the page small.
    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
