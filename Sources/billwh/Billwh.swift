import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import Pipeline
import Warehouse

@main
struct Billwh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billwh",
        abstract: "Turns cloud distributors' invoices into a SQLite billing warehouse.",
        discussion: """
            Pipeline: vendor API → raw documents (verbatim) → staging lines → reconciliation → purchases → query / export.

            Vendors take part when their credentials are set (BILLWH_COPACO_API_KEY, …; see the README). \
            The warehouse is --db PATH, else $BILLWH_DB, else ./billwh.sqlite.

            Exit codes:
              0   all done
              1   failed: nothing or not all of it done, the warehouse still consistent
                  (also a refused write in `query`, or a damaged file)
              2   partial: a vendor or endpoint failed, a document was quarantined
                  or a data check failed; the rest is committed
              64  bad usage (also invalid settings)
              75  another run holds the lock

            Try it without credentials: `billwh demo`.
            """,
        version: "0.1.0",
        subcommands: [
            Migrate.self, Ingest.self, Reconcile.self, Nightly.self, Query.self, ExportCommand.self,
            Status.self, Check.self, Report.self, Close.self, Reopen.self, Publish.self, SandboxCommand.self, Serve.self, Demo.self,
            VendorsCommand.self, DoctorCommand.self, RederiveCommand.self,
            Replicate.self, Backup.self, Restore.self,
        ])

    /// `billwh` alone: the help, on stderr, as bad usage (exit 64), like `billwh export` alone:
    /// a script whose command word went missing must not read as a run done.
    func run() async throws {
        Console.error(Self.helpMessage())
        throw ExitCode(64)
    }
}

struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The warehouse file (default: $BILLWH_DB, else ./billwh.sqlite).", valueName: "path"))
    var db: String?

    var path: String { WarehouseDatabase.resolvePath(db) }

    /// `--db ""` is a script's unset variable, not a choice of the default file.
    func validate() throws {
        if db?.isEmpty == true {
            throw ValidationError("--db is empty: give the warehouse file's path, or leave --db out to use $BILLWH_DB, else ./billwh.sqlite")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("the warehouse path \(path) (--db, else $BILLWH_DB) is a folder: name the file, e.g. \((path as NSString).appendingPathComponent("billwh.sqlite"))")
        }
    }

    /// The pipeline on this warehouse, its progress shown on a terminal until `body` returns.
    func withRunner<T>(settings: Settings, logger: Logger, _ body: (PipelineRunner) async throws -> T) async throws -> T {
        var runner = PipelineRunner(databasePath: path, settings: settings, logger: logger)
        runner.progress = Progress.reporter
        defer { Progress.finish() }
        return try await body(runner)
    }
}

/// Runs a command body, turning errors into a message on stderr and the documented exit code.
/// With `database`, an error that shows the file is damaged becomes the damaged-file message.
func runReportingErrors(_ database: DatabaseOptions? = nil, _ body: () async throws -> ExitCode) async throws {
    // Whatever the command did, readers who may not write the folder can open the file after it.
    defer { if let database { WarehouseDatabase.leaveCompanionsForReaders(path: database.path) } }
    let code: ExitCode
    do {
        code = try await body()
    } catch let error where database.flatMap({ damage(error, $0) }) != nil {
        Console.error("\(database.flatMap { damage(error, $0) }!)")
        throw ExitCode(1)
    } catch let error as LockHeld {
        Console.error("\(error)")
        throw ExitCode(75)
    } catch let error where database.flatMap({ WarehouseBusy.detect(error, path: $0.path) }) != nil {
        var busy = database.flatMap { WarehouseBusy.detect(error, path: $0.path) }!
        busy.holder = database.flatMap { RunLock.holder(databasePath: $0.path) }
        Console.error("\(busy)")
        // 75 means another billwh run holds the lock; another program holding the file every
        // night (a database tool left mid-write) is a failure to be seen, not a skipped night.
        throw busy.holder == nil ? ExitCode(1) : ExitCode(75)
    } catch let error as ExitCode {
        throw error
    } catch let error as IOError where error.errnoCode == EADDRINUSE {
        // serve and sandbox: NIO says only "bind(descriptor:ptr:bytes:): Address already in use".
        Console.error("cannot listen on that port: another program (or another billwh serve or sandbox) listens there; choose another --port, or --port 0 for any free one")
        throw ExitCode(1)
    } catch let error as SettingsError {
        // Invalid settings are bad usage, like a bad option: cron tells them from a failed run.
        Console.error("\(error)")
        throw ExitCode.validationFailure
    } catch let error as ValidationError {
        // Thrown after parsing (from settings or the warehouse): argument-parser would print the
        // top-level usage beside it, which is not this command's.
        Console.error(error.message)
        throw ExitCode.validationFailure
    } catch {
        Console.error("\(error)")
        throw ExitCode(1)
    }
    if code != .success { throw code }
}

func damage(_ error: any Error, _ database: DatabaseOptions) -> WarehouseDamaged? {
    WarehouseDamaged.detect(error, path: database.path,
                            backupDirectory: ProcessInfo.processInfo.environment["BILLWH_BACKUP_DIR"])
}

enum Console {
    static func error(_ message: String) {
        put("billwh: error: \(message)\n", to: STDERR_FILENO)
    }

    static func note(_ message: String, terminator: String = "\n") {
        put("\(message)\(terminator)", to: STDERR_FILENO)
    }

    static func out(_ text: String) {
        put(text, to: STDOUT_FILENO)
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// For runs that must finish their bookkeeping (the metrics file, the replica's mark) after
    /// committing: a reader that went away (`| head`) makes writes fail instead of ending the
    /// process with SIGPIPE.
    static func outliveClosedOutput() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes what it can and drops the rest. FileHandle's write traps on EPIPE or ENOSPC, and
    /// output that cannot be written (a closed pipe, a full log disk) must not kill a run that
    /// has committed before it writes its metrics and exits with its own code.
    static func put(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

enum Logs {
    /// Logs go to stderr, human-readable; BILLWH_LOG_LEVEL=debug|info|warning|error.
    static func bootstrap() -> Logger {
        Memory.returnLargeBuffersToTheSystem()
        SQLiteProcessSettings.applyBeforeFirstConnection()
        let setting = ProcessInfo.processInfo.environment["BILLWH_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 }
        let level = setting.flatMap { Logger.Level(rawValue: $0.lowercased()) }
        if let setting, level == nil {
            // A typo must not silence the logs a failure would be explained by, nor stop the run.
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            Console.note("billwh: warning: BILLWH_LOG_LEVEL=\(setting.prefix(20)) is not a level (\(levels)): logging at info")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level ?? .info
            return Console.stderrIsTerminal ? StatusLineLogHandler(inner: handler) : handler
        }
        return Logger(label: "billwh")
    }
}

/// A one-line progress display on stderr, only when it is a terminal (logs stay clean in cron).
enum Progress {
    /// Back to the start of the line, and the line erased.
    static let clearLine = "\r\u{1B}[K"

    static var reporter: (@Sendable (String) -> Void)? {
        guard Console.stderrIsTerminal else { return nil }
        return { line in Console.put("\(clearLine)\(line.prefix(120))", to: STDERR_FILENO) }
    }

    static func finish() {
        if Console.stderrIsTerminal { Console.put(clearLine, to: STDERR_FILENO) }
    }
}

enum Memory {
    /// glibc raises its mmap threshold to the size of the largest buffer freed (up to 32 MB), so
    /// after the first response body every later one comes from the heap, whose freed space is
    /// kept: peak RSS of a 1M-line ingest 290 MB instead of 174 MB. A fixed threshold keeps
    /// large buffers (response bodies, SQLite's copy of a raw document) mapped and returned on free.
    /// Fixing it also pins the trim threshold at 128 KiB, and a thread's heap then gives its top
    /// back (madvise, and a TLB flush on every core) on nearly every free of a response of many
    /// small documents: a third of such an ingest. A heap may now keep a free top of 8 MB.
    static func returnLargeBuffersToTheSystem() {
        #if os(Linux)
        // <malloc.h> is not in Swift's Glibc module: mallopt(M_TRIM_THRESHOLD = -1 and
        // M_MMAP_THRESHOLD = -3, bytes).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-3, 256 * 1024)
            _ = mallopt(-1, 8 * 1024 * 1024)
        }
        #endif
    }
}

extension Settings {
    /// `Settings.load`, with its warnings printed on stderr before the command goes on.
    static func loadPrintingWarnings() async throws -> Settings {
        let settings = try await load()
        for warning in settings.warnings { Console.note(warning) }
        return settings
    }
}
