#include "audit/auditlog.h"

#include "audit/auditrowsql.h"

#include "audit/auditchain.h"
#include "audit/auditsearch.h"
#include "core/logging.h"
#include "core/timespec.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QThread>

#include <atomic>
#include <algorithm>

namespace keyward {

using json = nlohmann::json;

namespace {

const auto &auditLogger()
{
    static const auto logger = keyward::logger("core.audit");
    return logger;
}

constexpr QFile::Permissions kFileMode = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions kGroupOtherMode =
    QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
constexpr QFile::Permissions kDirMode = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

// SQLite primary result codes we turn into specific messages.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteNotADb = 26;

const QString kColumns = auditRowColumns();

// The statements that bring a database from schema `toVersion - 1` to `toVersion`. Version 1 is
// the first schema; version 2 adds the `meta` table; a later schema adds a case here and bumps
// AuditLog::kSchemaVersion.
QStringList migrationTo(int toVersion)
{
    switch (toVersion) {
    case 1:
        return {
            QStringLiteral(
                "CREATE TABLE audit ("
                "seq INTEGER PRIMARY KEY, time TEXT NOT NULL, agent TEXT NOT NULL, client TEXT NOT NULL, "
                "service TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, query_keys TEXT NOT NULL, "
                "status INTEGER NULL, duration_ms INTEGER NOT NULL, bytes_in INTEGER NOT NULL, "
                "bytes_out INTEGER NOT NULL, decision TEXT NOT NULL, rule TEXT NULL, reason TEXT NULL, "
                "request_body TEXT NULL, response_body TEXT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX audit_time ON audit (time)"),
            QStringLiteral(
                "CREATE TABLE alerts ("
                "id INTEGER PRIMARY KEY, time TEXT NOT NULL, "
                "severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')), "
                "category TEXT NOT NULL, agent TEXT NOT NULL DEFAULT '', service TEXT NOT NULL DEFAULT '', "
                "message TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, "
                "count INTEGER NOT NULL DEFAULT 1, seen INTEGER NOT NULL DEFAULT 0, action_taken TEXT NULL)"),
            QStringLiteral("CREATE INDEX alerts_time ON alerts (time)"),
        };
    case 2:
        return {
            QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
        };
    default:
        return {};
    }
}

// Creates the missing directories on the way to `dir`, each with mode 0700.
bool makeDirectories(const QString &dir)
{
    const QString clean = QDir::cleanPath(QDir(dir).absolutePath());
    if (QFileInfo(clean).isDir())
        return true;
    const QString parent = QFileInfo(clean).absolutePath();
    if (parent != clean && !makeDirectories(parent))
        return false;
    return QDir().mkdir(clean, kDirMode) || QFileInfo(clean).isDir();
}

// A TEXT value as bound to SQLite: never NULL (a null QString would bind as NULL).
QVariant text(const QString &value) { return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value); }

QVariant optionalText(const std::optional<QString> &value)
{
    return value ? text(*value) : QVariant(QMetaType::fromType<QString>());
}

// A stored column value as the canonical row sees it (audit/auditchain.h): exactly what SQLite
// holds, so an edit made outside Keyward changes the canonical bytes.
json columnValue(const QSqlQuery &query, int index)
{
    if (query.isNull(index))
        return nullptr;
    const QVariant value = query.value(index);
    switch (value.typeId()) {
    case QMetaType::LongLong:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return value.toLongLong();
    case QMetaType::Double:
        return value.toDouble();
    case QMetaType::QByteArray:
        // A BLOB never occurs in a row Keyward wrote; give it a shape no TEXT value can have.
        return json{{"blob", value.toByteArray().toHex().toStdString()}};
    default:
        return value.toString().toStdString();
    }
}

json columnsOf(const QSqlQuery &query)
{
    const QSqlRecord record = query.record();
    json columns = json::object();
    for (int i = 0; i < record.count(); ++i)
        columns[record.fieldName(i).toStdString()] = columnValue(query, i);
    return columns;
}

} // namespace

AuditLog::AuditLog(const QString &databasePath, int busyTimeoutMs)
    : m_path(QFileInfo(databasePath).absoluteFilePath()), m_busyTimeoutMs(std::max(0, busyTimeoutMs))
{
    static std::atomic<quint64> counter{0};
    m_connection = QStringLiteral("keyward-audit-%1").arg(++counter);
}

AuditLog::~AuditLog()
{
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool AuditLog::isOpen() const { return m_open; }

Error AuditLog::sqlError(const QString &doing, const QSqlError &error) const
{
    const int code = error.nativeErrorCode().toInt() & 0xff;
    const QString detail = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    if (code == kSqliteNotADb || code == kSqliteCorrupt) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("the audit database %1 is damaged or not a SQLite database (%2): move it aside "
                                    "(Keyward deletes nothing) and Keyward will start a new audit log")
                         .arg(m_path, detail)};
    }
    if (code == kSqliteBusy || code == kSqliteLocked) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("the audit database %1 stayed locked by another process for more than %2 ms, so "
                                    "Keyward could not %3: try again, or stop the other Keyward process holding it")
                         .arg(m_path)
                         .arg(m_busyTimeoutMs)
                         .arg(doing)};
    }
    return Error{QStringLiteral("audit_error"),
                 QStringLiteral("could not %1 in the audit database %2 (%3): check that the file and its folder are "
                                "yours, readable and writable, and that the disk is not full")
                     .arg(doing, m_path, detail)};
}

Result<void> AuditLog::exec(const QString &sql, const QString &doing)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(sql))
        return sqlError(doing, query.lastError());
    return {};
}

void AuditLog::rollback()
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("ROLLBACK")))
        auditLogger()->warn("rollback failed: {}", query.lastError().text().toStdString());
}

Result<void> AuditLog::connectDatabase(bool readOnly)
{
    if (!QSqlDatabase::contains(m_connection)) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        if (!db.isValid()) {
            return Error{QStringLiteral("audit_error"),
                         QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed: install it (Debian: "
                                        "libqt6sql6-sqlite) to keep an audit log")};
        }
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.setDatabaseName(m_path);
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_busyTimeoutMs);
    if (readOnly)
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    db.setConnectOptions(options);
    if (!db.open())
        return sqlError(QStringLiteral("open it"), db.lastError());
    return {};
}

Result<void> AuditLog::openReadOnly()
{
    if (m_open)
        return {};
    const QFileInfo info(m_path);
    if (!info.isFile()) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("%1 is not a file: there is no audit log to read there").arg(m_path)};
    }
    if (auto connected = connectDatabase(true); !connected)
        return connected.error();
    if (auto checked = checkSchema(); !checked) {
        QSqlDatabase::database(m_connection, false).close();
        return checked.error();
    }
    m_open = true;
    return {};
}

Result<void> AuditLog::open()
{
    if (m_open)
        return {};

    const QFileInfo info(m_path);
    if (!makeDirectories(info.absolutePath())) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("could not create the folder %1 for the audit database: check that its parent "
                                    "exists and is writable by you")
                         .arg(info.absolutePath())};
    }
    if (info.exists() && !info.isFile()) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("%1 is not a file: move it aside so Keyward can create its audit database there")
                         .arg(m_path)};
    }
    if (!info.exists()) {
        QFile file(m_path);
        // NewOnly: another process may create the file at the same moment; then we use theirs.
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, kFileMode) && !QFileInfo::exists(m_path)) {
            return Error{QStringLiteral("audit_error"),
                         QStringLiteral("could not create the audit database %1 (%2): check that its folder is "
                                        "writable by you")
                             .arg(m_path, file.errorString())};
        }
    } else if (QFile::permissions(m_path) & kGroupOtherMode) {
        QFile::setPermissions(m_path, kFileMode);
    }

    if (auto connected = connectDatabase(false); !connected)
        return connected.error();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);

    auto fail = [&db](Error error) {
        db.close();
        auditLogger()->warn("{}", error.message.toStdString());
        return error;
    };

    // Read-only checks first, so a file that is not ours is left byte for byte as it was. The first
    // statement reads the header: a file that is not SQLite fails here.
    if (auto checked = checkSchema(); !checked)
        return fail(checked.error());
    {
        // Switching a fresh file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at
        // once (without its busy handler) when another process opening the same new file holds a
        // lock: retry until the busy timeout.
        QSqlQuery query(db);
        QElapsedTimer waited;
        waited.start();
        while (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !query.next()) {
            const int code = query.lastError().nativeErrorCode().toInt() & 0xff;
            if ((code != kSqliteBusy && code != kSqliteLocked) || waited.elapsed() >= m_busyTimeoutMs)
                return fail(sqlError(QStringLiteral("switch to WAL"), query.lastError()));
            query.finish();
            QThread::msleep(10);
        }
        if (query.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
            auditLogger()->warn("audit database stays in journal mode {} (WAL unavailable here)",
                                query.value(0).toString().toStdString());
    }
    if (auto done = exec(QStringLiteral("PRAGMA synchronous=NORMAL"), QStringLiteral("set synchronous=NORMAL")); !done)
        return fail(done.error());
    if (auto migrated = migrate(); !migrated)
        return fail(migrated.error());

    m_open = true;
    auditLogger()->debug("audit database open: {}", m_path.toStdString());
    return {};
}

Result<void> AuditLog::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery query(db);
    // The common case, an up-to-date file, needs no write lock.
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return sqlError(QStringLiteral("read the schema version"), query.lastError());
    if (query.value(0).toInt() == kSchemaVersion)
        return {};
    query.finish();

    if (auto begun = exec(QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("start a write")); !begun)
        return begun.error();
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        const Error error = sqlError(QStringLiteral("read the schema version"), query.lastError());
        rollback();
        return error;
    }
    const int version = query.value(0).toInt();
    query.finish();
    if (version == kSchemaVersion)
        return exec(QStringLiteral("COMMIT"), QStringLiteral("commit the schema"));
    // Another process may have written the file since checkSchema(): check again under the lock.
    if (auto checked = checkSchema(); !checked) {
        rollback();
        return checked.error();
    }
    for (int to = version + 1; to <= kSchemaVersion; ++to) {
        for (const QString &statement : migrationTo(to)) {
            if (!query.exec(statement)) {
                const Error error =
                    sqlError(QStringLiteral("migrate the schema to version %1").arg(to), query.lastError());
                rollback();
                return error;
            }
        }
        auditLogger()->info("audit database schema migrated to version {}", to);
    }
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion))) {
        const Error error = sqlError(QStringLiteral("record the schema version"), query.lastError());
        rollback();
        return error;
    }
    return exec(QStringLiteral("COMMIT"), QStringLiteral("commit the schema"));
}

Result<void> AuditLog::checkSchema()
{
    // One statement, so the version and the tables come from the same snapshot even while another
    // process is creating the schema.
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT (SELECT user_version FROM pragma_user_version), "
                                   "(SELECT count(*) FROM sqlite_master)")) ||
        !query.next())
        return sqlError(QStringLiteral("read the schema version"), query.lastError());
    const int version = query.value(0).toInt();
    const int objects = query.value(1).toInt();
    query.finish();
    if (version > kSchemaVersion) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("the audit database %1 has schema version %2, newer than this Keyward understands "
                                    "(%3): upgrade Keyward")
                         .arg(m_path)
                         .arg(version)
                         .arg(kSchemaVersion)};
    }
    // A fresh file has no tables; a version-0 file with tables belongs to something else.
    if (version == 0 && objects != 0) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("%1 is a SQLite database but not a Keyward audit log: move it aside (Keyward "
                                    "deletes nothing) and Keyward will start a new audit log")
                         .arg(m_path)};
    }
    return {};
}

Error AuditLog::abortWrite(const QString &doing, const QSqlError &sql)
{
    const Error error = sqlError(doing, sql);
    rollback();
    auditLogger()->warn("{}", error.message.toStdString());
    return error;
}

Result<void> AuditLog::ensureOpen() { return m_open ? Result<void>() : open(); }

Result<AuditRow> AuditLog::append(AuditRow row)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (auto begun = exec(QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("start a write")); !begun)
        return begun.error();

    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT seq, decision, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1")))
        return abortWrite(QStringLiteral("read the last row"), query.lastError());
    if (query.next()) {
        row.seq = query.value(0).toLongLong() + 1;
        // The row after an anchor links to what the anchor stands for: the last removed row.
        row.prevHash = query.value(1).toString() == QLatin1String("anchor") ? query.value(2).toString()
                                                                            : query.value(3).toString();
    } else {
        row.seq = 1;
        row.prevHash = kGenesisPrevHash;
    }
    query.finish();

    if (!row.time.isValid())
        row.time = QDateTime::currentDateTimeUtc();
    const QString time = formatRfc3339Ms(row.time);
    row.time = QDateTime::fromString(time, Qt::ISODateWithMs).toUTC();
    row.hash = auditRowHash(row);

    query.prepare(QStringLiteral("INSERT INTO audit (") + kColumns +
                  QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    query.addBindValue(row.seq);
    query.addBindValue(time);
    query.addBindValue(text(row.agent));
    query.addBindValue(text(row.client));
    query.addBindValue(text(row.service));
    query.addBindValue(text(row.method));
    query.addBindValue(text(row.path));
    query.addBindValue(queryKeysText(row.queryKeys));
    query.addBindValue(row.status ? QVariant(*row.status) : QVariant(QMetaType::fromType<int>()));
    query.addBindValue(row.durationMs);
    query.addBindValue(row.bytesIn);
    query.addBindValue(row.bytesOut);
    query.addBindValue(text(row.decision));
    query.addBindValue(optionalText(row.rule));
    query.addBindValue(optionalText(row.reason));
    query.addBindValue(optionalText(row.requestBody));
    query.addBindValue(optionalText(row.responseBody));
    query.addBindValue(row.prevHash);
    query.addBindValue(row.hash);
    if (!query.exec())
        return abortWrite(QStringLiteral("write a row"), query.lastError());
    query.finish();
    if (!query.exec(QStringLiteral("COMMIT")))
        return abortWrite(QStringLiteral("commit a row"), query.lastError());
    if (m_observer) {
        const AppendObserver observer = m_observer; // the observer may replace itself
        observer(row);
    }
    return row;
}

Result<VerifyReport> AuditLog::verify()
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM audit ORDER BY seq")))
        return sqlError(QStringLiteral("read the rows"), query.lastError());

    VerifyReport report;
    QString expectedPrev;
    qint64 previousSeq = 0;
    auto bad = [&report](qint64 seq, const QString &problem) {
        report.ok = false;
        report.badSeq = seq;
        report.problem = problem;
        return report;
    };
    while (query.next()) {
        const json columns = columnsOf(query);
        const qint64 seq = query.value(0).toLongLong();
        const QString prevHash = query.value(17).toString();
        const QString hash = query.value(18).toString();
        const bool anchor = query.value(12).toString() == QLatin1String("anchor");
        ++report.rows;
        report.lastSeq = seq;
        if (report.rows == 1)
            report.firstSeq = seq;

        if (auditRowHash(columns) != hash)
            return bad(seq, QStringLiteral("its hash does not match its contents (the row was altered)"));
        if (report.rows == 1) {
            if (!anchor && prevHash != kGenesisPrevHash) {
                return bad(seq, QStringLiteral("the oldest row is neither the first row ever written nor an anchor "
                                               "(older rows were removed outside Keyward)"));
            }
        } else if (anchor) {
            return bad(seq, QStringLiteral("an anchor row may only start the chain (rows were inserted or reordered)"));
        } else if (prevHash != expectedPrev) {
            return bad(seq, QStringLiteral("its prev_hash does not link to seq %1 before it (a row was removed, "
                                           "inserted or altered)")
                                .arg(previousSeq));
        }
        // An anchor stands for the last removed row: the row after it links to the anchor's prev_hash.
        expectedPrev = anchor ? prevHash : hash;
        previousSeq = seq;
    }
    if (query.lastError().isValid())
        return sqlError(QStringLiteral("read the rows"), query.lastError());
    return report;
}

Result<int> AuditLog::purgeBefore(const QDateTime &before, const QString &by)
{
    if (!before.isValid()) {
        return Error{QStringLiteral("audit_error"),
                     QStringLiteral("purging the audit log needs a valid time: give one such as 90d or 2026-01-01")};
    }
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (auto begun = exec(QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("start a write")); !begun)
        return begun.error();
    const QString cutoff = formatRfc3339Ms(before);
    QSqlQuery query(db);
    // The run of removable rows ends before the oldest non-anchor row at or after the cutoff.
    query.prepare(QStringLiteral("SELECT seq, hash FROM audit WHERE decision <> 'anchor' AND seq < "
                                 "coalesce((SELECT min(seq) FROM audit WHERE decision <> 'anchor' AND time >= ?), "
                                 "9223372036854775807) ORDER BY seq DESC LIMIT 1"));
    query.addBindValue(cutoff);
    if (!query.exec())
        return abortWrite(QStringLiteral("find the rows to purge"), query.lastError());
    if (!query.next()) {
        query.finish();
        rollback();
        return 0;
    }
    const qint64 lastSeq = query.value(0).toLongLong();
    const QString lastHash = query.value(1).toString();
    query.finish();

    query.prepare(QStringLiteral("SELECT count(*) FROM audit WHERE decision <> 'anchor' AND seq <= ?"));
    query.addBindValue(lastSeq);
    if (!query.exec() || !query.next())
        return abortWrite(QStringLiteral("count the rows to purge"), query.lastError());
    const int removed = query.value(0).toInt();
    query.finish();

    query.prepare(QStringLiteral("DELETE FROM audit WHERE seq <= ?"));
    query.addBindValue(lastSeq);
    if (!query.exec())
        return abortWrite(QStringLiteral("delete old rows"), query.lastError());

    AuditRow anchor;
    anchor.seq = lastSeq;
    anchor.time = QDateTime::fromString(formatRfc3339Ms(QDateTime::currentDateTimeUtc()), Qt::ISODateWithMs).toUTC();
    anchor.method = by;
    anchor.path = QStringLiteral("audit");
    anchor.decision = QStringLiteral("anchor");
    anchor.reason =
        QStringLiteral("purged %1 rows before %2; last removed seq %3").arg(removed).arg(cutoff).arg(lastSeq);
    anchor.prevHash = lastHash;
    anchor.hash = auditRowHash(anchor);

    query.prepare(
        QStringLiteral("INSERT INTO audit (") + kColumns +
        QStringLiteral(") VALUES (?, ?, '', '', '', ?, ?, '[]', NULL, 0, 0, 0, 'anchor', NULL, ?, NULL, NULL, ?, ?)"));
    query.addBindValue(anchor.seq);
    query.addBindValue(formatRfc3339Ms(anchor.time));
    query.addBindValue(text(anchor.method));
    query.addBindValue(anchor.path);
    query.addBindValue(*anchor.reason);
    query.addBindValue(anchor.prevHash);
    query.addBindValue(anchor.hash);
    if (!query.exec())
        return abortWrite(QStringLiteral("record the purge"), query.lastError());
    query.finish();
    if (!query.exec(QStringLiteral("COMMIT")))
        return abortWrite(QStringLiteral("commit the purge"), query.lastError());
    auditLogger()->info("audit purge: {} rows before {} removed, anchor at seq {}", removed, cutoff.toStdString(),
                        lastSeq);
    return removed;
}

Result<int> AuditLog::applyRetention(int days)
{
    if (days <= 0)
        return 0;
    return purgeBefore(QDateTime::currentDateTimeUtc().addDays(-days), QStringLiteral("retention"));
}

Result<std::optional<QString>> AuditLog::metaValue(const QString &key)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    query.addBindValue(key);
    if (!query.exec())
        return sqlError(QStringLiteral("read a setting"), query.lastError());
    if (!query.next()) {
        if (query.lastError().isValid())
            return sqlError(QStringLiteral("read a setting"), query.lastError());
        return std::optional<QString>();
    }
    return std::optional<QString>(query.value(0).toString());
}

Result<void> AuditLog::setMetaValue(const QString &key, const QString &value)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"));
    query.addBindValue(text(key));
    query.addBindValue(text(value));
    if (!query.exec())
        return sqlError(QStringLiteral("write a setting"), query.lastError());
    return {};
}

Result<qint64> AuditLog::countCalls(const QDateTime &since)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    AuditSearch search;
    search.from = since;
    const SqlCondition condition = search.condition();
    QString sql = QStringLiteral("SELECT COUNT(*) FROM audit WHERE decision NOT IN ('change', 'anchor')");
    if (!condition.sql.isEmpty())
        sql += QStringLiteral(" AND ") + condition.sql;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(sql);
    for (const QVariant &value : condition.values)
        query.addBindValue(value);
    if (!query.exec() || !query.next())
        return sqlError(QStringLiteral("count the calls"), query.lastError());
    return query.value(0).toLongLong();
}

Result<QList<AuditRow>> AuditLog::query(const AuditFilter &filter)
{
    if (filter.limit && *filter.limit <= 0)
        return QList<AuditRow>();
    if (auto opened = ensureOpen(); !opened)
        return opened.error();

    // The same conditions as the audit browser's (audit/auditsearch.h), plus the follow cursor.
    AuditSearch search;
    search.service = filter.service;
    search.agent = filter.agent;
    search.decision = filter.decision;
    search.from = filter.since;
    const SqlCondition condition = search.condition();
    QStringList where;
    QVariantList values = condition.values;
    if (!condition.sql.isEmpty())
        where << condition.sql;
    if (filter.afterSeq) {
        where << QStringLiteral("seq > ?");
        values << *filter.afterSeq;
    }
    QString sql = QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM audit");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += filter.limit ? QStringLiteral(" ORDER BY seq DESC LIMIT %1").arg(*filter.limit)
                        : QStringLiteral(" ORDER BY seq");

    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(sql);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec())
        return sqlError(QStringLiteral("read the rows"), query.lastError());
    QList<AuditRow> rows;
    while (query.next())
        rows.append(auditRowFromQuery(query));
    if (query.lastError().isValid())
        return sqlError(QStringLiteral("read the rows"), query.lastError());
    if (filter.limit)
        std::reverse(rows.begin(), rows.end());
    return rows;
}

} // namespace keyward
