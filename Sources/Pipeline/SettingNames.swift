import Configuration

/// The names billwh reads, so that a misspelled one is caught instead of leaving its setting
/// at the default: a vendor key under a wrong name would drop that vendor from every run.
/// `flag` and `wholeNumber` read a value as text themselves: swift-configuration's readers
/// return the default for a value they cannot convert, or, when required, fail without naming
/// the variable. The edit distance is written here: no dependency of ours has one.
extension Settings {
    /// What `Settings.load` reads, from the environment or the config file.
    static let settingNames: Set<String> = [
        "BILLWH_COPACO_API_KEY", "BILLWH_COPACO_API_KEY_FILE", "BILLWH_COPACO_API_KEY_HEADER",
        "BILLWH_COPACO_BASE_URL", "BILLWH_COPACO_API_VERSION",
        "BILLWH_TWOTCLOUD_ACCOUNT_ID", "BILLWH_TWOTCLOUD_API_KEY", "BILLWH_TWOTCLOUD_API_KEY_FILE",
        "BILLWH_TWOTCLOUD_BASE_URL", "BILLWH_TWOTCLOUD_API_VERSION", "BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED",
        "BILLWH_COPPER_ACCESS_TOKEN", "BILLWH_COPPER_ACCESS_TOKEN_FILE", "BILLWH_COPPER_USER_EMAIL",
        "BILLWH_COPPER_BASE_URL", "BILLWH_COPPER_CUSTOMER_NUMBER_FIELD",
        "BILLWH_COPPER_PUBLISH_BILLED_FIELD", "BILLWH_COPPER_PUBLISH_MARGIN_FIELD", "BILLWH_COPPER_PUBLISH_NOTE",
        "BILLWH_COPPER_NOTE_ACTIVITY_TYPE_ID", "BILLWH_COPPER_REQUESTS_PER_MINUTE",
        "BILLWH_ENDPOINT_LIFECYCLE", "BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS",
        "BILLWH_LOOKBACK_DAYS", "BILLWH_MAX_DOCUMENT_MB",
        "BILLWH_REPLICA_URL", "BILLWH_REPLICA_URL_FILE", "BILLWH_REPLICA_PASSWORD", "BILLWH_REPLICA_PASSWORD_FILE",
        "BILLWH_REPLICA_SCHEMA", "BILLWH_REPLICA_WITH_RAW",
        "BILLWH_BACKUP_DIR", "BILLWH_BACKUP_KEEP", "BILLWH_METRICS_FILE", "BILLWH_FILE_GROUP",
    ]

    /// Read from the process's environment before any config file is opened.
    static let environmentOnlyNames: Set<String> = ["BILLWH_DB", "BILLWH_LOG_LEVEL", "BILLWH_CONFIG_FILE"]

    /// A warning for each `BILLWH_…` variable billwh does not read (the environment may hold
    /// other programs' variables, so these warn rather than stop the run).
    package static func unknownNameWarnings(in environment: [String: String]) -> [String] {
        environment.keys.filter { $0.hasPrefix("BILLWH_") && !settingNames.contains($0) && !environmentOnlyNames.contains($0) }
            .sorted()
            .map { "billwh: warning: \($0) is not a billwh setting and is ignored\(suggestion(for: $0))" }
    }

    /// A credential set both ways: the plain form is used, and a key rotated by replacing the
    /// file would go unnoticed while a stale variable stays.
    package static func bothFormsWarnings(in environment: [String: String]) -> [String] {
        secretVariables.filter { environment[$0, default: ""].isEmpty == false && environment[$0 + "_FILE", default: ""].isEmpty == false }
            .map { "billwh: warning: both \($0) and \($0)_FILE are set; \($0) is used and the file is not read: unset one of them" }
        // Set but empty (a secret store that filled in nothing): the vendor would just not take part.
            + [("BILLWH_COPACO_API_KEY", "Copaco"), ("BILLWH_TWOTCLOUD_API_KEY", "2tCloud"), ("BILLWH_COPPER_ACCESS_TOKEN", "Copper")]
            .filter { environment[$0.0] == "" && environment[$0.0 + "_FILE", default: ""].isEmpty }
            .map { "billwh: warning: \($0.0) is set but empty, so \($0.1) does not take part: set the key, or unset the variable" }
    }

    /// " (did you mean X?)" for the known name closest to a misspelling, or "".
    static func suggestion(for name: String) -> String {
        let upper = name.uppercased()
        let known = settingNames.union(environmentOnlyNames)
        let best = known.map { ($0, editDistance(upper, $0)) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        guard let best, best.1 <= max(2, upper.count / 5) else { return "" }
        return " (did you mean \(best.0)?)"
    }

    /// Levenshtein distance over bytes; the names are short ASCII.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty, !b.isEmpty else { return a.count + b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// A yes/no setting: `true`/`false`, `yes`/`no` or `1`/`0` in any case. Anything else is
    /// refused: read as the default, `…_WITH_RAW=on` would quietly do the opposite of what it says.
    static func flag(_ config: ConfigReader, _ key: ConfigKey, variable: String, default fallback: Bool) throws -> Bool {
        guard let text = config.string(forKey: key), !text.isEmpty else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw SettingsError.invalid("\(variable) must be true or false (or yes/no, 1/0), got \(text.prefix(20).debugDescription)")
        }
    }

    /// A whole-number setting within `range`; anything else is refused rather than read as the default.
    static func wholeNumber(_ config: ConfigReader, _ key: ConfigKey, variable: String, default fallback: Int,
                            range: ClosedRange<Int>, unit: String = "", note: String = "") throws -> Int {
        guard let text = config.string(forKey: key), !text.isEmpty else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            let of = unit.isEmpty ? "" : " of \(unit)"
            throw SettingsError.invalid("\(variable) must be a whole number\(of) from \(range.lowerBound) to \(range.upperBound)\(note), got \(text.prefix(20).debugDescription)")
        }
        return number
    }
}
