#pragma once

#include "audit/auditrow.h"
#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

class QSqlError;

namespace keyward {

// Which rows AuditLog::query returns. Unset fields do not filter.
struct AuditFilter {
    std::optional<int> limit;       // only the newest N matching rows (still returned oldest first)
    QString service;                // exact match
    QString agent;                  // exact match
    QString decision;               // exact match (allowed, denied, killed, approved, error, change, anchor)
    QDateTime since;                // rows whose time is at or after this instant
    std::optional<qint64> afterSeq; // rows with seq greater than this (for `keyward log --follow`)
};

// What AuditLog::verify found. `ok` with `rows` == 0 means the log is empty.
struct VerifyReport {
    bool ok = true;
    qint64 rows = 0;              // rows checked, including the bad one
    qint64 firstSeq = 0;          // seq of the oldest row (0 when empty)
    qint64 lastSeq = 0;           // seq of the last row checked
    std::optional<qint64> badSeq; // the first bad row, when !ok
    QString problem;              // why that row is bad, one sentence, when !ok
};

// The tamper-evident audit log in `audit.db` (DESIGN.md "Audit"): one SQLite database holding the
// hash-chained `audit` table, the `alerts` table and the `meta` bookkeeping table. See audit/auditchain.h for the chain.
//
// Any number of AuditLog instances, in any number of processes, may use one file at once: every
// write runs in its own `BEGIN IMMEDIATE` transaction (WAL, synchronous=NORMAL), so the chain stays
// one valid chain. Each instance owns its own named QSqlDatabase connection and must be used from
// the thread that called open(). Not copyable.
//
// Every fallible call returns an Error with code "audit_error" and one sentence saying what to do:
// a file that is not a SQLite database or is damaged is never repaired or deleted automatically
// (the message says to move it aside); a database locked by another process for longer than the
// busy timeout says so.
class AuditLog {
public:
    static constexpr int kDefaultBusyTimeoutMs = 5000;
    // The schema this build writes (PRAGMA user_version). Older files are migrated on open().
    static constexpr int kSchemaVersion = 2;

    explicit AuditLog(const QString &databasePath, int busyTimeoutMs = kDefaultBusyTimeoutMs);
    ~AuditLog();
    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    // Opens the database, creating its directory (mode 0700) and the file (mode 0600) when missing,
    // tightening an existing file to 0600, switching to WAL and creating or migrating the schema.
    // Calls below open the database first when it is not open yet.
    Result<void> open();
    // Opens an existing database for reading only (`keyward doctor`): nothing is created, tightened,
    // switched to WAL or migrated, and every write fails. A file of an older schema can be read and
    // verified; a missing file, or one newer than this build or not a Keyward audit log, is an error.
    Result<void> openReadOnly();
    bool isOpen() const;
    QString path() const { return m_path; }

    // Appends `row` to the chain: assigns seq (the last seq + 1), prev_hash and hash, and fills an
    // invalid `time` with the current time (times are stored in UTC with milliseconds, so the
    // returned row's time is cut to the millisecond). The row is committed before this returns.
    Result<AuditRow> append(AuditRow row);

    // Runs after each row append() committed (not for purge anchors), on this thread, with the row
    // as stored: how the alerts see every call and change this process audits (alerts/alertcenter.h).
    // The observer may append rows itself (that append's observer call then nests inside this one).
    // One observer at a time; an empty function removes it.
    using AppendObserver = std::function<void(const AuditRow &row)>;
    void setAppendObserver(AppendObserver observer) { m_observer = std::move(observer); }

    // Walks the chain from the oldest remaining row and reports the first row whose hash does not
    // match its canonical row, or whose prev_hash does not link to the row before it. The oldest
    // row must be the genesis row (prev_hash of 64 zeros) or an `anchor`.
    Result<VerifyReport> verify();

    // Deletes, in one transaction, the rows older than `before` from the oldest end: the longest
    // run of oldest rows whose time is before `before` (earlier anchors in that run go too; the run
    // stops at the first newer row). When at least one row goes, an `anchor` row takes the seq of
    // the last removed row, with prev_hash = that row's hash and reason "purged N rows before
    // <time>; last removed seq S"; the row after it still links to that prev_hash, so verify()
    // passes. Returns N, the number of non-anchor rows removed (0: nothing changed).
    // The anchor's `method` is `by` (the command that purged), its `path` "audit".
    Result<int> purgeBefore(const QDateTime &before, const QString &by = QStringLiteral("log purge"));

    // purgeBefore(now - days, "retention"). `days` <= 0 keeps everything and returns 0.
    Result<int> applyRetention(int days);

    // The `meta` table: key/value bookkeeping outside the chain (e.g. when retention last ran;
    // see audit/retention.h). Nothing here is hashed or verified. A missing key gives nullopt.
    Result<std::optional<QString>> metaValue(const QString &key);
    // Sets `key` to `value`, replacing what was there, in one committed statement.
    Result<void> setMetaValue(const QString &key, const QString &value);

    // The rows matching `filter`, ordered by seq (oldest first).
    Result<QList<AuditRow>> query(const AuditFilter &filter);
    // How many agent calls (rows of every decision but `change` and `anchor`) have a time at or
    // after `since`: the tray's "N calls today". Counted in SQL; no row is read.
    Result<qint64> countCalls(const QDateTime &since);

private:
    Result<void> ensureOpen();
    Result<void> connectDatabase(bool readOnly);
    Result<void> checkSchema();
    Result<void> migrate();
    Result<void> exec(const QString &sql, const QString &doing);
    void rollback();
    // Rolls back the open write transaction and returns (and logs) why `doing` failed.
    Error abortWrite(const QString &doing, const QSqlError &sql);
    Error sqlError(const QString &doing, const QSqlError &error) const;

    QString m_path;
    QString m_connection;
    int m_busyTimeoutMs;
    bool m_open = false;
    AppendObserver m_observer;
};

} // namespace keyward
