import ArgumentParser

/// A command that only groups others (`export`, `report`, `publish`). Given alone it is bad
/// usage (exit 64), naming its subcommands: argument-parser's default prints the help and
/// exits 0, which a script would read as an export done.
protocol CommandGroup: AsyncParsableCommand {}

extension CommandGroup {
    func run() async throws {
        let names = Self.configuration.subcommands.map { "`billwh \(Self._commandName) \($0._commandName)`" }
        throw ValidationError("\(Self._commandName) needs a subcommand: \(names.joined(separator: ", ")) (see `billwh \(Self._commandName) --help`)")
    }
}
