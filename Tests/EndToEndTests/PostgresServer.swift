import Foundation

/// A real PostgreSQL server for the replica tests: Debian's `postgresql` package (installed by
/// scripts/setup), initdb into a temp folder as the unprivileged `postgres` user when the tests
/// run as root (initdb refuses root), listening on an ephemeral 127.0.0.1 port, stopped by the
/// pid in its postmaster.pid. Password authentication over TCP, so that the tests also go
/// through BILLWH_REPLICA_PASSWORD_FILE.
final class PostgresServer: @unchecked Sendable {
    let directory: URL
    let port: Int
    let superuser = "billwh_admin"
    let password = "pw-\(UUID().uuidString)"
    var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// The server binaries of the newest installed major version.
    static let binDirectory: String? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root))?.compactMap(Int.init).sorted() ?? []
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }()

    static var available: Bool { binDirectory != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") }

    private init(directory: URL, port: Int) {
        self.directory = directory
        self.port = port
    }

    static func start() throws -> PostgresServer {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("billwh-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A free port: nothing listens there until the server does.
        let server = PostgresServer(directory: directory, port: try FaultMatrixTests.deadPort())
        let passwordFile = directory.appendingPathComponent("pw").path
        try Data(server.password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        if getuid() == 0, let user = getpwnam("postgres") {
            chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid)
            chown(passwordFile, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        let initdb = try server.run(asServerUser: ["\(binDirectory!)/initdb", "-D", server.dataDirectory, "-U", server.superuser,
                                                  "--pwfile", passwordFile, "--auth-local", "trust", "--auth-host", "scram-sha-256",
                                                  "-E", "UTF8", "--locale", "C", "--no-sync"], deadline: 120)
        guard initdb.status == 0 else { throw ServerError("initdb failed: \(initdb.output)") }
        try server.startServer()
        return server
    }

    /// Launches `postgres` and waits (at most 60 s) until it accepts connections.
    func startServer() throws {
        let log = directory.appendingPathComponent("server.log").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        let command = ["\(Self.binDirectory!)/postgres", "-D", dataDirectory, "-h", "127.0.0.1", "-p", "\(port)", "-k", directory.path,
                       "-c", "fsync=off", "-c", "max_connections=30", "-c", "shared_buffers=64MB"]
        (process.executableURL, process.arguments) = Self.asServerUser(command)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? psql("SELECT 1"))?.status == 0 { return }
            usleep(100_000)
        }
        throw ServerError("the server did not start within 60 s: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// The postmaster's pid, from the first line of DIR/postmaster.pid.
    var pid: pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { pid_t($0) }
    }

    /// Fast shutdown (SIGINT: sessions are cut, like a restart in production), waiting at most
    /// 60 s, then SIGKILL.
    func stopServer() {
        guard let pid else { return }
        kill(pid, SIGINT)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, kill(pid, 0) == 0 { usleep(50_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        usleep(100_000)
    }

    /// Turns TLS on with a self-signed certificate for 127.0.0.1 (as Debian's snakeoil one is
    /// self-signed), and restarts; returns the certificate's path, its own CA.
    func enableTLS() throws -> String {
        let certificate = dataDirectory + "/server.crt", key = dataDirectory + "/server.key"
        let made = try run(asServerUser: ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                          "-keyout", key, "-out", certificate], deadline: 60)
        guard made.status == 0 else { throw ServerError("openssl failed: \(made.output)") }
        let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        conf.seekToEndOfFile()
        conf.write(Data("\nssl = on\n".utf8))
        try conf.close()
        try restart()
        return certificate
    }

    func restart() throws {
        stopServer()
        try startServer()
    }

    func stop() {
        stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `postgres://` URL without the password (the tests pass it through a file).
    var url: String { "postgres://\(superuser)@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// A file holding the password, owner-only, as BILLWH_REPLICA_PASSWORD_FILE wants it.
    func passwordFile() throws -> String {
        let path = directory.appendingPathComponent("billwh-pw").path
        if !FileManager.default.fileExists(atPath: path) {
            try Data(password.utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
        }
        return path
    }

    struct Result {
        var status: Int32
        var output: String
    }

    /// psql over TCP, CSV output, stops at the first error.
    /// `options`: server settings for the session (PGOPTIONS, e.g. `-c default_transaction_read_only=off`).
    func psql(_ sql: String, user: String? = nil, password: String? = nil, database: String = "postgres", options: String = "") throws -> Result {
        try run(["/usr/bin/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", user ?? superuser, "-d", database, "-X", "-q",
                 "-v", "ON_ERROR_STOP=1", "--csv", "-c", sql],
                environment: ["PGPASSWORD": password ?? self.password, "PGCONNECT_TIMEOUT": "5", "PGOPTIONS": options], deadline: 120)
    }

    /// Runs a psql script file with variables (`-v name=value`).
    func psqlFile(_ path: String, variables: [String: String]) throws -> Result {
        try run(["/usr/bin/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", superuser, "-d", "postgres", "-X", "-q",
                 "-v", "ON_ERROR_STOP=1"] + variables.sorted { $0.key < $1.key }.flatMap { ["-v", "\($0.key)=\($0.value)"] } + ["-f", path],
                environment: ["PGPASSWORD": password], deadline: 120)
    }

    static func asServerUser(_ command: [String]) -> (URL, [String]) {
        if getuid() == 0 { return (URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "postgres", "--"] + command) }
        return (URL(fileURLWithPath: command[0]), Array(command.dropFirst()))
    }

    func run(asServerUser command: [String], deadline: TimeInterval) throws -> Result {
        let (executable, arguments) = Self.asServerUser(command)
        return try run([executable.path] + arguments, environment: [:], deadline: deadline)
    }

    /// Runs a command to its end (killed after `deadline` seconds), stdout and stderr together.
    func run(_ command: [String], environment: [String: String], deadline: TimeInterval) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = directory.appendingPathComponent("out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let end = Date().addingTimeInterval(deadline)
        while process.isRunning, Date() < end { usleep(20_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? handle.close()
        return Result(status: process.terminationStatus, output: (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
