#ifndef CSQLITESETTINGS_H
#define CSQLITESETTINGS_H

/// Turns off SQLite's memory statistics for the process; an SQLite result code (SQLITE_MISUSE
/// once SQLite has initialized). A C function because `sqlite3_config` is variadic, which Swift
/// cannot call.
int billwh_sqlite_memory_statistics_off(void);

#endif
