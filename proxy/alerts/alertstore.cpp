#include "alerts/alertstore.h"

#include "audit/auditlog.h"
#include "core/timespec.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <atomic>

namespace keyward {

namespace {

QVariant text(const QString &value) { return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value); }

QVariant optionalText(const std::optional<QString> &value)
{
    return value ? text(*value) : QVariant(QMetaType::fromType<QString>());
}

const QString kAlertColumns =
    QStringLiteral("id, time, severity, category, agent, service, message, first_seq, last_seq, count, seen, action_taken");

Alert alertFromQuery(const QSqlQuery &query)
{
    Alert alert;
    alert.id = query.value(0).toLongLong();
    alert.time = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs).toUTC();
    alert.severity = severityFromName(query.value(2).toString()).value_or(AlertSeverity::Warning);
    alert.category = query.value(3).toString();
    alert.agent = query.value(4).toString();
    alert.service = query.value(5).toString();
    alert.message = query.value(6).toString();
    alert.firstSeq = query.value(7).toLongLong();
    alert.lastSeq = query.value(8).toLongLong();
    alert.count = query.value(9).toInt();
    alert.seen = query.value(10).toInt() != 0;
    if (!query.isNull(11))
        alert.actionTaken = query.value(11).toString();
    return alert;
}

} // namespace

AlertStore::AlertStore(const QString &databasePath) : m_path(QFileInfo(databasePath).absoluteFilePath())
{
    static std::atomic<quint64> counter{0};
    m_connection = QStringLiteral("keyward-alerts-%1").arg(++counter);
}

AlertStore::~AlertStore()
{
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

Error AlertStore::sqlError(const QString &doing, const QString &detail) const
{
    return Error{QStringLiteral("audit_error"),
                 QStringLiteral("could not %1 in the alerts of %2 (%3): check that the file is yours and writable, and "
                                "run `keyward doctor`")
                     .arg(doing, m_path, detail)};
}

Result<void> AlertStore::open()
{
    if (m_open)
        return {};
    {
        // Creates or migrates the schema (and the file's mode) exactly as the audit does.
        AuditLog audit(m_path);
        if (auto opened = audit.open(); !opened)
            return opened.error();
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(AuditLog::kDefaultBusyTimeoutMs));
    if (!db.open())
        return sqlError(QStringLiteral("open the database"), db.lastError().text());
    m_open = true;
    return {};
}

Result<void> AlertStore::ensureOpen() { return m_open ? Result<void>() : open(); }

Result<qint64> AlertStore::insert(const Alert &alert)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("INSERT INTO alerts (time, severity, category, agent, service, message, first_seq, "
                                 "last_seq, count, seen, action_taken) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"));
    query.addBindValue(formatRfc3339Ms(alert.time.isValid() ? alert.time : QDateTime::currentDateTimeUtc()));
    query.addBindValue(severityName(alert.severity));
    query.addBindValue(text(alert.category));
    query.addBindValue(text(alert.agent));
    query.addBindValue(text(alert.service));
    query.addBindValue(text(alert.message));
    query.addBindValue(alert.firstSeq);
    query.addBindValue(alert.lastSeq);
    query.addBindValue(std::max(alert.count, 1));
    query.addBindValue(optionalText(alert.actionTaken));
    if (!query.exec())
        return sqlError(QStringLiteral("store an alert"), query.lastError().text());
    return query.lastInsertId().toLongLong();
}

Result<void> AlertStore::update(const Alert &alert)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("UPDATE alerts SET last_seq = ?, count = ?, message = ?, "
                                 "action_taken = coalesce(?, action_taken) WHERE id = ?"));
    query.addBindValue(alert.lastSeq);
    query.addBindValue(std::max(alert.count, 1));
    query.addBindValue(text(alert.message));
    query.addBindValue(optionalText(alert.actionTaken));
    query.addBindValue(alert.id);
    if (!query.exec())
        return sqlError(QStringLiteral("update an alert"), query.lastError().text());
    return {};
}

Result<QList<Alert>> AlertStore::list(int limit, bool onlyUnseen)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QString sql = QStringLiteral("SELECT ") + kAlertColumns + QStringLiteral(" FROM alerts");
    if (onlyUnseen)
        sql += QStringLiteral(" WHERE seen = 0");
    sql += QStringLiteral(" ORDER BY id DESC");
    if (limit > 0)
        sql += QStringLiteral(" LIMIT %1").arg(limit);
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    if (!query.exec(sql))
        return sqlError(QStringLiteral("read the alerts"), query.lastError().text());
    QList<Alert> alerts;
    while (query.next())
        alerts.append(alertFromQuery(query));
    if (query.lastError().isValid())
        return sqlError(QStringLiteral("read the alerts"), query.lastError().text());
    return alerts;
}

Result<int> AlertStore::markSeen(const QList<qint64> &ids)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (ids.isEmpty()) {
        if (!query.exec(QStringLiteral("UPDATE alerts SET seen = 1 WHERE seen = 0")))
            return sqlError(QStringLiteral("mark the alerts seen"), query.lastError().text());
        return query.numRowsAffected();
    }
    QStringList marks;
    for (qsizetype i = 0; i < ids.size(); ++i)
        marks << QStringLiteral("?");
    query.prepare(QStringLiteral("UPDATE alerts SET seen = 1 WHERE seen = 0 AND id IN (%1)").arg(marks.join(u',')));
    for (const qint64 id : ids)
        query.addBindValue(id);
    if (!query.exec())
        return sqlError(QStringLiteral("mark the alerts seen"), query.lastError().text());
    return query.numRowsAffected();
}

Result<qint64> AlertStore::unseenCount()
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT count(*) FROM alerts WHERE seen = 0")) || !query.next())
        return sqlError(QStringLiteral("count the unseen alerts"), query.lastError().text());
    return query.value(0).toLongLong();
}

Result<QList<AuditRow>> AlertStore::recentCalls(int limit)
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT seq, time, agent, service, method, path, decision FROM audit "
                                 "WHERE decision NOT IN ('change', 'anchor') ORDER BY seq DESC LIMIT ?"));
    query.addBindValue(std::max(limit, 0));
    if (!query.exec())
        return sqlError(QStringLiteral("read the recent calls"), query.lastError().text());
    QList<AuditRow> rows;
    while (query.next()) {
        AuditRow row;
        row.seq = query.value(0).toLongLong();
        row.time = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs).toUTC();
        row.agent = query.value(2).toString();
        row.service = query.value(3).toString();
        row.method = query.value(4).toString();
        row.path = query.value(5).toString();
        row.decision = query.value(6).toString();
        rows.append(row);
    }
    if (query.lastError().isValid())
        return sqlError(QStringLiteral("read the recent calls"), query.lastError().text());
    std::reverse(rows.begin(), rows.end());
    return rows;
}

Result<qint64> AlertStore::lastSeq()
{
    if (auto opened = ensureOpen(); !opened)
        return opened.error();
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM audit")) || !query.next())
        return sqlError(QStringLiteral("read the last audit row"), query.lastError().text());
    return query.value(0).toLongLong();
}

} // namespace keyward
