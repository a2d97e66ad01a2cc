import Foundation
import Testing
import TestSupport
import Logging
import Ingestion
import Warehouse
@testable import Pipeline

@Suite struct OperationsSettingsTests {
    @Test func backupFolderKeepAndMetricsComeFromTheEnvironment() async throws {
        let settings = try await Settings.load(environment: [
            "BILLWH_BACKUP_DIR": "/var/backups/billwh", "BILLWH_BACKUP_KEEP": "3", "BILLWH_METRICS_FILE": "/m/billwh.prom",
        ])
        #expect(settings.backup == BackupSettings(directory: "/var/backups/billwh", keep: 3))
        #expect(settings.metricsFile == "/m/billwh.prom")
        #expect(try await Settings.load(environment: [:]).backup == nil)
    }

    @Test func badValuesSayWhatToDo() async {
        await #expect(throws: SettingsError.self) { try await Settings.load(environment: ["BILLWH_BACKUP_DIR": "/b", "BILLWH_BACKUP_KEEP": "0"]) }
        do {
            _ = try await Settings.load(environment: ["BILLWH_FILE_GROUP": "no-such-group-billwh"])
            Issue.record("an unknown group was accepted")
        } catch {
            #expect("\(error)".contains("groupadd no-such-group-billwh"))
        }
    }
}

@Suite struct IngestSettingsTests {
    /// A misspelled or mistyped setting must not leave its default in place unnoticed: a yes/no
    /// or a number that does not parse is refused, and an unknown `BILLWH_` variable is named.
    @Test func settingsThatDoNotParseAreRefusedAndUnknownNamesNamed() async throws {
        for (environment, needle) in [
            (["BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS": "on"], "BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS must be true or false (or yes/no, 1/0), got \"on\""),
            (["BILLWH_REPLICA_URL": "postgres://u@127.0.0.1/db", "BILLWH_REPLICA_WITH_RAW": "sometimes"], "BILLWH_REPLICA_WITH_RAW must be true or false"),
            (["BILLWH_BACKUP_DIR": "/b", "BILLWH_BACKUP_KEEP": "seven"], "BILLWH_BACKUP_KEEP must be a whole number of copies from 1 to 10000, got \"seven\""),
            (["BILLWH_COPPER_ACCESS_TOKEN": "t", "BILLWH_COPPER_USER_EMAIL": "a@b.c", "BILLWH_COPPER_REQUESTS_PER_MINUTE": "fast"],
             "BILLWH_COPPER_REQUESTS_PER_MINUTE must be a whole number of requests a minute from 1 to 180"),
            (["BILLWH_LOOKBACK_DAYS": "31d"], "BILLWH_LOOKBACK_DAYS must be a whole number of days from 0 to 3660"),
        ] {
            do {
                _ = try await Settings.load(environment: environment)
                Issue.record("accepted: \(environment)")
            } catch {
                #expect("\(error)".contains(needle), "\(error)")
            }
        }
        let yes = try await Settings.load(environment: ["BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS": "Yes", "BILLWH_COPACO_APIKEY": "k",
                                                        "BILLWH_DB": "/x", "PATH": "/bin"])
        #expect(yes.allowDevelopmentEndpoints && yes.copaco == nil)
        #expect(yes.warnings == ["billwh: warning: BILLWH_COPACO_APIKEY is not a billwh setting and is ignored (did you mean BILLWH_COPACO_API_KEY?)"])
        #expect(Settings.suggestion(for: "BILLWH_SOMETHING_ELSE_ENTIRELY") == "")
        // The replica's schema and raw choice are read without a replica URL too (`replicate --to`).
        let replica = try await Settings.load(environment: ["BILLWH_REPLICA_SCHEMA": "reseller_a", "BILLWH_REPLICA_WITH_RAW": "true"])
        #expect(replica.replica == nil && replica.replicaSchema.name == "reseller_a" && replica.replicaWithRaw)
        await #expect(throws: SettingsError.self) { try await Settings.load(environment: ["BILLWH_REPLICA_SCHEMA": "Bad-Name"]) }
    }

    @Test func theLargestDocumentComesFromTheEnvironment() async throws {
        #expect(try await Settings.load(environment: ["BILLWH_MAX_DOCUMENT_MB": "64"]).maxDocumentBytes == 64 << 20)
        #expect(try await Settings.load(environment: [:]).maxDocumentBytes == 512 << 20)
        for bad in ["0", "x", "5000", "-1"] {
            do {
                _ = try await Settings.load(environment: ["BILLWH_MAX_DOCUMENT_MB": bad])
                Issue.record("BILLWH_MAX_DOCUMENT_MB=\(bad) was accepted")
            } catch {
                #expect("\(error)".contains("BILLWH_MAX_DOCUMENT_MB must be a whole number of MiB"))
            }
        }
    }

    /// A key variable set but empty leaves its vendor out, and says so.
    @Test func anEmptyKeyIsWarnedOf() async throws {
        let settings = try await Settings.load(environment: ["BILLWH_COPACO_API_KEY": "", "BILLWH_TWOTCLOUD_ACCOUNT_ID": "1", "BILLWH_TWOTCLOUD_API_KEY": "k-1234"])
        #expect(settings.copaco == nil && settings.twotcloud != nil)
        #expect(settings.warnings.contains("billwh: warning: BILLWH_COPACO_API_KEY is set but empty, so Copaco does not take part: set the key, or unset the variable"),
                "\(settings.warnings)")
    }

    /// The values sent beside a key are refused with a carriage return in them (an env file
    /// written on Windows): sent, every request would fail or read as refused credentials.
    @Test func anAccountOrEmailWithACarriageReturnIsRefused() async throws {
        for (variable, value, others) in [("BILLWH_TWOTCLOUD_ACCOUNT_ID", "100042\r", ["BILLWH_TWOTCLOUD_API_KEY": "k-1234"]),
                                          ("BILLWH_COPPER_USER_EMAIL", "admin@reseller.example\r", ["BILLWH_COPPER_ACCESS_TOKEN": "t-1234"])] {
            do {
                _ = try await Settings.load(environment: others.merging([variable: value]) { $1 })
                Issue.record("\(variable) with a carriage return was accepted")
            } catch {
                #expect("\(error)" == "\(variable) holds a carriage return (an env file with Windows line ends?): remove it", "\(error)")
            }
        }
    }

    /// A key no HTTP header can carry (a line break inside, or a second trailing newline in its
    /// file) is refused when the settings are read, naming where it came from and not the key.
    @Test func aKeyWithALineBreakIsRefusedWithoutBeingShown() async throws {
        let key = "k-secret-\(UInt32.random(in: 0...UInt32.max))"
        do {
            _ = try await Settings.load(environment: ["BILLWH_COPACO_API_KEY": key + "\nx"])
            Issue.record("a key with a line break was accepted")
        } catch {
            #expect("\(error)".contains("BILLWH_COPACO_API_KEY") && !"\(error)".contains(key), "\(error)")
        }
        let folder = try TempDir()
        let file = folder.path("copaco-key")
        // The key as read, or nil where the file is refused. ("\r\n" is one Character in Swift:
        // dropping two Characters of "key\r\n" once cut the key's last letter.)
        for (contents, expected) in [(key + "\n", key), (key + "\r\n", key), (key, key), (key + "é\r\n", key + "é"),
                                     (key + "\n\n", nil), (key + "\n\r\n", nil), (key + "\r\r\n", nil), (key + "\t\n", nil), ("ab\tcd\n", nil)] {
            #expect(FileManager.default.createFile(atPath: file, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]))
            do {
                let settings = try await Settings.load(environment: ["BILLWH_COPACO_API_KEY_FILE": file])
                #expect(expected != nil, "\(contents.debugDescription) was accepted")
                #expect(settings.copaco?.apiKey.reveal() == expected, "\(contents.debugDescription)")
            } catch {
                #expect(expected == nil, "\(contents.debugDescription): \(error)")
                #expect("\(error)".contains("BILLWH_COPACO_API_KEY_FILE") && !"\(error)".contains(key), "\(error)")
            }
        }
    }

    /// Base URLs and the key's header name that can never work are refused when the settings
    /// are read, not retried as if the network failed.
    @Test func baseURLsAndHeaderNamesThatCannotWorkAreRefused() async throws {
        let fine = try await Settings.load(environment: ["BILLWH_COPACO_API_KEY": "k", "BILLWH_COPACO_BASE_URL": "http://127.0.0.1:8080/prefix/",
                                                          "BILLWH_COPACO_API_KEY_HEADER": "Authorization"])
        #expect(fine.copaco?.baseURL == "http://127.0.0.1:8080/prefix/" && fine.copaco?.apiKeyHeader == "Authorization")
        let cases: [(String, String, String)] = [
            ("BILLWH_COPACO_BASE_URL", "http://127.0.0.1:8080/p?x=1", "query"),
            ("BILLWH_COPACO_BASE_URL", "http://127.0.0.1:8080/p#top", "fragment"),
            ("BILLWH_COPACO_BASE_URL", "ftp://127.0.0.1/", "https://"),
            ("BILLWH_COPACO_BASE_URL", "http://user:pw@127.0.0.1/", "password"),
            ("BILLWH_COPACO_BASE_URL", "127.0.0.1:8080", "https://"),
            ("BILLWH_TWOTCLOUD_BASE_URL", "https://api.cloudnet.services?v=2", "query"),
            ("BILLWH_COPPER_BASE_URL", "https:///developer_api/v1", "host"),
            ("BILLWH_COPACO_BASE_URL", "http://127.0.0.1:84467/", "port 84467 is not a TCP port"),
            ("BILLWH_TWOTCLOUD_BASE_URL", "http://127.0.0.1:65536", "port 65536 is not a TCP port"),
            ("BILLWH_COPACO_API_KEY_HEADER", "", "header name"),
            ("BILLWH_COPACO_API_KEY_HEADER", " X-Api-Key", "header name"),
            ("BILLWH_COPACO_API_KEY_HEADER", "X Api Key", "header name"),
            ("BILLWH_COPACO_API_KEY_HEADER", "Content-Length", "frames the HTTP request"),
        ]
        for (variable, value, needle) in cases {
            var environment = ["BILLWH_COPACO_API_KEY": "k", "BILLWH_TWOTCLOUD_ACCOUNT_ID": "1", "BILLWH_TWOTCLOUD_API_KEY": "t",
                               "BILLWH_COPPER_ACCESS_TOKEN": "c", "BILLWH_COPPER_USER_EMAIL": "a@b.example"]
            environment[variable] = value
            do {
                _ = try await Settings.load(environment: environment)
                Issue.record("\(variable)=\(value) was accepted")
            } catch {
                #expect("\(error)".contains(variable) && "\(error)".contains(needle), "\(variable)=\(value): \(error)")
                #expect(!"\(error)".contains("pw@"), "\(error)")
            }
        }
    }

    /// A value that does not parse is refused although its feature is off: it would otherwise
    /// wait, unnoticed, for the day the feature is turned on.
    @Test(arguments: [["BILLWH_BACKUP_KEEP": "x"], ["BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED": "maybe"],
                      ["BILLWH_COPPER_PUBLISH_NOTE": "maybe"], ["BILLWH_COPPER_REQUESTS_PER_MINUTE": "abc"],
                      ["BILLWH_COPPER_NOTE_ACTIVITY_TYPE_ID": "abc"]])
    func aMalformedValueOfAFeatureNotInUseIsRefused(environment: [String: String]) async throws {
        await #expect(throws: SettingsError.self) {
            _ = try await Settings.load(environment: environment.merging(["BILLWH_COPACO_API_KEY": "k"]) { $1 })
        }
    }

    /// The config file's lines are KEY=value, taken as written: the forms other `.env` readers
    /// treat otherwise are refused, naming the line, instead of giving a key with quotes in it.
    @Test func configFileLinesOtherReadersWouldReadOtherwiseAreRefused() async throws {
        let folder = try TempDir()
        let path = folder.path("billwh.env")
        func load(_ text: String) async throws -> Settings {
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
            return try await Settings.load(environment: ["BILLWH_CONFIG_FILE": path])
        }
        let fine = try await load("# billwh\n\nBILLWH_COPACO_API_KEY=k#1\nBILLWH_LOOKBACK_DAYS=3\n")
        #expect(fine.copaco?.apiKey.reveal() == "k#1" && fine.lookbackDays == 3)
        for (text, needle) in [
            ("BILLWH_LOOKBACK_DAYS=3\nexport BILLWH_COPACO_API_KEY=k\n", "line 2: `export` is not part of the format: write BILLWH_COPACO_API_KEY=value"),
            ("BILLWH_COPACO_API_KEY=\"k\"\n", "line 1: BILLWH_COPACO_API_KEY's value is in quotes"),
            ("BILLWH_COPACO_API_KEY='k'\n", "line 1: BILLWH_COPACO_API_KEY's value is in quotes"),
            ("BILLWH_LOOKBACK_DAYS=2 # two days\n", "line 1: BILLWH_LOOKBACK_DAYS's value holds \" #\""),
            ("# ok\nBILLWH_COPACO_API_KEY k\n", "line 2: not KEY=value"),
            ("BILLWH-KEY=1\n", "line 1: not KEY=value"),
            ("BILLWH_COPACO_API_KEY=k\r\n", "Windows line ends (CRLF); convert it with `dos2unix"),
            ("OTHER_TOOL=1\nBILLWH_COPACO_APIKEY=k\n", "line 2: BILLWH_COPACO_APIKEY is not a billwh setting (did you mean BILLWH_COPACO_API_KEY?)"),
            ("billwh_lookback_days=3\n", "line 1: billwh_lookback_days is not a billwh setting (did you mean BILLWH_LOOKBACK_DAYS?)"),
            ("BILLWH_LOOKBACK_DAYS=3\n# later\nBILLWH_LOOKBACK_DAYS=30\n", "line 3: BILLWH_LOOKBACK_DAYS is set again (first on line 1): keep one"),
            ("BILLWH_DB=/srv/billwh.sqlite\n", "line 1: BILLWH_DB is read from the environment only, before this file is opened: set it there or give --db"),
        ] {
            do {
                _ = try await load(text)
                Issue.record("accepted: \(text.debugDescription)")
            } catch {
                #expect("\(error)".contains(needle) && "\(error)".contains("BILLWH_CONFIG_FILE"), "\(text.debugDescription): \(error)")
            }
        }
    }

    /// A config file others may read must not hold a credential; and a credential's `_FILE` in
    /// the environment outranks its plain form in the config file (the environment wins).
    @Test func theConfigFileNeitherSharesNorOverridesAKey() async throws {
        let folder = try TempDir()
        func write(_ name: String, _ text: String, mode: Int) -> String {
            let path = folder.path(name)
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
            return path
        }
        await #expect(throws: SettingsError.self) {
            _ = try await Settings.load(environment: ["BILLWH_CONFIG_FILE": folder.path("missing.env")])
        }
        let shared = write("shared.env", "BILLWH_COPACO_API_KEY=from-config\nBILLWH_LOOKBACK_DAYS=10\n", mode: 0o644)
        do {
            _ = try await Settings.load(environment: ["BILLWH_CONFIG_FILE": shared])
            Issue.record("a world-readable config file with a key was accepted")
        } catch {
            #expect("\(error)".contains("BILLWH_COPACO_API_KEY") && "\(error)".contains("chmod 600") && !"\(error)".contains("from-config"), "\(error)")
        }
        // Without a credential, or owner-only, the same file is fine.
        let plain = write("plain.env", "BILLWH_LOOKBACK_DAYS=10\nBILLWH_REPLICA_URL=postgres://billwh@db/warehouse\n", mode: 0o644)
        #expect(try await Settings.load(environment: ["BILLWH_CONFIG_FILE": plain]).lookbackDays == 10)
        let own = write("own.env", "BILLWH_COPACO_API_KEY=from-config\n", mode: 0o600)
        #expect(try await Settings.load(environment: ["BILLWH_CONFIG_FILE": own]).copaco?.apiKey.reveal() == "from-config")
        let keyFile = write("key", "from-environment\n", mode: 0o600)
        let both = try await Settings.load(environment: ["BILLWH_CONFIG_FILE": own, "BILLWH_COPACO_API_KEY_FILE": keyFile])
        #expect(both.copaco?.apiKey.reveal() == "from-environment")

        // A file others may change says where the keys go: refused, credential or not.
        for mode in [0o664, 0o646] {
            let writable = write("writable-\(mode).env", "BILLWH_COPACO_BASE_URL=http://127.0.0.1:9/\n", mode: mode)
            chmod(writable, mode_t(mode))
            do {
                _ = try await Settings.load(environment: ["BILLWH_CONFIG_FILE": writable])
                Issue.record("a config file of mode \(String(mode, radix: 8)) was accepted")
            } catch {
                #expect("\(error)".contains("may change it") && "\(error)".contains("chmod go-w"), "\(error)")
            }
        }
        // Folders and unreadable key files say what they are.
        do {
            _ = try await Settings.load(environment: ["BILLWH_COPACO_API_KEY_FILE": folder.path("")])
            Issue.record("a folder as a key file was accepted")
        } catch {
            #expect("\(error)".contains("it is a folder"), "\(error)")
        }
    }
}

@Suite struct IncompleteCredentialsTests {
    /// Half of 2tCloud's or Copper's credentials blocks what would call that vendor, and
    /// nothing else: `vendors`, `replicate` and a Copaco-only ingest go on.
    @Test func halfOfAVendorsCredentialsRefusesOnlyWhatWouldCallIt() async throws {
        for half in [["BILLWH_TWOTCLOUD_ACCOUNT_ID": "1"], ["BILLWH_COPPER_USER_EMAIL": "a@b.example"]] {
            let settings = try await Settings.load(environment: half.merging(["BILLWH_COPACO_API_KEY": "k"]) { $1 })
            let vendor: VendorID = half.keys.first!.contains("TWOTCLOUD") ? .twotcloud : .copper
            #expect(settings.configuredVendors == [.copaco])
            #expect(throws: Never.self) { try settings.checkComplete([.copaco]) }
            for wanted in [nil, [vendor]] as [[VendorID]?] {
                #expect(throws: SettingsError.self) { try settings.checkComplete(wanted) }
            }
            let runner = PipelineRunner(databasePath: "/nonexistent/w.sqlite", settings: settings, logger: Logger(label: "test"))
            #expect(try runner.sources(for: [.copaco]).count == 1)
            do {
                _ = try runner.sources(for: nil)
                Issue.record("a nightly went on without \(vendor)")
            } catch {
                #expect("\(error)".contains("is set but"), "\(error)")
            }
        }
    }
}
