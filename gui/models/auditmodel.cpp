#include "models/auditmodel.h"

#include "audit/auditchain.h"
#include "audit/auditrowjson.h"
#include "audit/auditrowsql.h"
#include "core/logging.h"
#include "core/timespec.h"

#include <QFileInfo>
#include <QIODevice>
#include <QScopedValueRollback>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

namespace keyward::gui {

namespace {

const auto &modelLogger()
{
    static const auto logger = keyward::logger("gui.audit");
    return logger;
}

constexpr int kBusyTimeoutMs = 2000;

// The list columns a page holds, in this order (see listRowOf).
const QString kListColumns =
    QStringLiteral("seq, time, agent, client, service, method, path, status, duration_ms, decision, rule");
// Every column, in this order (see auditRowFromQuery); also the CSV header.
const QString kAllColumns = auditRowColumns();


QDateTime timeOf(const QSqlQuery &query, int index)
{
    return QDateTime::fromString(query.value(index).toString(), Qt::ISODateWithMs).toUTC();
}

AuditRow listRowOf(const QSqlQuery &query)
{
    AuditRow row;
    row.seq = query.value(0).toLongLong();
    row.time = timeOf(query, 1);
    row.agent = query.value(2).toString();
    row.client = query.value(3).toString();
    row.service = query.value(4).toString();
    row.method = query.value(5).toString();
    row.path = query.value(6).toString();
    if (!query.isNull(7))
        row.status = query.value(7).toInt();
    row.durationMs = query.value(8).toLongLong();
    row.decision = query.value(9).toString();
    row.rule = optionalStringColumn(query, 10);
    return row;
}


// One CSV field (RFC 4180), defused against spreadsheet formulas.
QByteArray csvField(const QString &value)
{
    QString text = value;
    if (!text.isEmpty() && (text.front() == u'=' || text.front() == u'+' || text.front() == u'-' ||
                            text.front() == u'@' || text.front() == u'\t'))
        text.prepend(u'\'');
    if (text.contains(u',') || text.contains(u'"') || text.contains(u'\r') || text.contains(u'\n')) {
        text.replace(QStringLiteral("\""), QStringLiteral("\"\""));
        text = u'"' + text + u'"';
    }
    return text.toUtf8();
}

QByteArray csvOptional(const std::optional<QString> &value) { return value ? csvField(*value) : QByteArray(); }

QByteArray csvRecord(const AuditRow &row)
{
    const QList<QByteArray> fields{QByteArray::number(row.seq),
                                   csvField(formatRfc3339Ms(row.time)),
                                   csvField(row.agent),
                                   csvField(row.client),
                                   csvField(row.service),
                                   csvField(row.method),
                                   csvField(row.path),
                                   csvField(queryKeysText(row.queryKeys)),
                                   row.status ? QByteArray::number(*row.status) : QByteArray(),
                                   QByteArray::number(row.durationMs),
                                   QByteArray::number(row.bytesIn),
                                   QByteArray::number(row.bytesOut),
                                   csvField(row.decision),
                                   csvOptional(row.rule),
                                   csvOptional(row.reason),
                                   csvOptional(row.requestBody),
                                   csvOptional(row.responseBody),
                                   csvField(row.prevHash),
                                   csvField(row.hash)};
    QByteArray record;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            record += ',';
        record += fields.at(i);
    }
    record += "\r\n";
    return record;
}

QString durationText(qint64 ms)
{
    return ms < 1000 ? QStringLiteral("%1 ms").arg(ms) : QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 2);
}

} // namespace

AuditModel::AuditModel(const QString &databasePath, QObject *parent)
    : QAbstractTableModel(parent), m_path(QFileInfo(databasePath).absoluteFilePath())
{
    static std::atomic<quint64> counter{0};
    m_connection = QStringLiteral("keyward-audit-model-%1").arg(++counter);
    loadFirstPage();
}

AuditModel::~AuditModel() { closeDatabase(); }

void AuditModel::closeDatabase() const
{
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
    m_open = false;
}

void AuditModel::setError(const Error &error) const
{
    m_error = error;
    modelLogger()->warn("{}", error.message.toStdString());
}

void AuditModel::clearError() const { m_error = Error{}; }

Result<bool> AuditModel::openIfPresent() const
{
    if (m_open)
        return true;
    if (!QFileInfo(m_path).isFile())
        return false;
    if (!QSqlDatabase::contains(m_connection)) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        if (!db.isValid()) {
            return Error{QStringLiteral("audit_error"),
                         tr("The Qt SQLite driver (QSQLITE) is not installed: install it (Debian: "
                            "libqt6sql6-sqlite) to browse the audit log.")};
        }
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1;QSQLITE_OPEN_READONLY").arg(kBusyTimeoutMs));
    if (!db.open()) {
        const Error error{QStringLiteral("audit_error"),
                          tr("Could not open the audit log %1 (%2): check that the file is yours and readable.")
                              .arg(m_path, db.lastError().text())};
        db = QSqlDatabase();
        closeDatabase();
        return error;
    }
    bool hasTable = false;
    QString readError;
    {
        QSqlQuery query(db);
        if (query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit'")) &&
            query.next())
            hasTable = query.value(0).toInt() > 0;
        else
            readError = query.lastError().text();
    }
    if (!readError.isEmpty()) {
        const Error error{QStringLiteral("audit_error"),
                          tr("The audit log %1 cannot be read (%2): if it is damaged, move it aside and Keyward "
                             "will start a new one.")
                              .arg(m_path, readError)};
        db = QSqlDatabase();
        closeDatabase();
        return error;
    }
    if (!hasTable) {
        // A file the owner is creating right now: an empty log until its schema exists.
        db = QSqlDatabase();
        closeDatabase();
        return false;
    }
    m_open = true;
    return true;
}

bool AuditModel::runQuery(QSqlQuery &query, const QString &columns, const QString &extra,
                          const QVariantList &extraValues, int limit) const
{
    const SqlCondition condition = m_filter.condition();
    QStringList where;
    if (!condition.sql.isEmpty())
        where << condition.sql;
    if (!extra.isEmpty())
        where << extra;
    QString sql = QStringLiteral("SELECT ") + columns + QStringLiteral(" FROM audit");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY seq DESC");
    if (limit > 0)
        sql += QStringLiteral(" LIMIT %1").arg(limit);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        setError(Error{QStringLiteral("audit_error"),
                       tr("Could not read the audit log %1 (%2).").arg(m_path, query.lastError().text())});
        return false;
    }
    for (const QVariant &value : condition.values)
        query.addBindValue(value);
    for (const QVariant &value : extraValues)
        query.addBindValue(value);
    if (!query.exec()) {
        setError(Error{QStringLiteral("audit_error"),
                       tr("Could not read the audit log %1 (%2): try again; if it persists, check the file.")
                           .arg(m_path, query.lastError().text())});
        return false;
    }
    return true;
}

QList<AuditRow> AuditModel::readPage(const QString &extra, const QVariantList &extraValues, int limit, bool *ok) const
{
    *ok = false;
    QList<AuditRow> rows;
    const Result<bool> opened = openIfPresent();
    if (!opened) {
        setError(opened.error());
        return rows;
    }
    if (!*opened) {
        *ok = true;
        return rows;
    }
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!runQuery(query, kListColumns, extra, extraValues, limit))
        return rows;
    rows.reserve(limit);
    while (query.next())
        rows.append(listRowOf(query));
    if (query.lastError().isValid()) {
        setError(Error{QStringLiteral("audit_error"),
                       tr("Could not read the audit log %1 (%2).").arg(m_path, query.lastError().text())});
        return {};
    }
    *ok = true;
    return rows;
}

void AuditModel::loadFirstPage()
{
    clearError();
    bool ok = false;
    QList<AuditRow> rows = readPage(QString(), {}, kPageSize, &ok);
    m_rows = std::move(rows);
    m_atEnd = !ok || m_rows.size() < kPageSize;
    if (!ok)
        Q_EMIT errorOccurred(m_error.message);
}

void AuditModel::setFilter(const AuditSearch &filter)
{
    const QScopedValueRollback changing(m_changing, true);
    beginResetModel();
    m_filter = filter;
    loadFirstPage();
    endResetModel();
}

void AuditModel::reload()
{
    const QScopedValueRollback changing(m_changing, true);
    beginResetModel();
    loadFirstPage();
    endResetModel();
}

int AuditModel::refreshNewRows()
{
    if (m_changing)
        return 0;
    if (m_rows.isEmpty()) {
        // Nothing shown yet (no file, no rows, or nothing matching so far): the first page is the tail.
        clearError();
        bool ok = false;
        QList<AuditRow> rows = readPage(QString(), {}, kPageSize, &ok);
        if (!ok) {
            Q_EMIT errorOccurred(m_error.message);
            return 0;
        }
        if (rows.isEmpty())
            return 0;
        const QScopedValueRollback changing(m_changing, true);
        const int added = int(rows.size());
        beginInsertRows(QModelIndex(), 0, added - 1);
        m_rows = std::move(rows);
        m_atEnd = added < kPageSize;
        endInsertRows();
        return added;
    }
    clearError();
    bool ok = false;
    QList<AuditRow> rows =
        readPage(QStringLiteral("seq > ?"), {m_rows.constFirst().seq}, kLiveTailLimit + 1, &ok);
    if (!ok) {
        Q_EMIT errorOccurred(m_error.message);
        return 0;
    }
    if (rows.isEmpty())
        return 0;
    if (rows.size() > kLiveTailLimit) {
        reload();
        return int(rows.size());
    }
    const QScopedValueRollback changing(m_changing, true);
    const int added = int(rows.size());
    beginInsertRows(QModelIndex(), 0, added - 1);
    rows.append(m_rows);
    m_rows = std::move(rows);
    endInsertRows();
    return added;
}

bool AuditModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_changing;
}

void AuditModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_atEnd || m_changing)
        return;
    const QScopedValueRollback changing(m_changing, true);
    clearError();
    bool ok = false;
    const QVariantList after = m_rows.isEmpty() ? QVariantList() : QVariantList{m_rows.constLast().seq};
    QList<AuditRow> rows =
        readPage(m_rows.isEmpty() ? QString() : QStringLiteral("seq < ?"), after, kPageSize, &ok);
    if (!ok) {
        Q_EMIT errorOccurred(m_error.message);
        return;
    }
    m_atEnd = rows.size() < kPageSize;
    if (rows.isEmpty())
        return;
    beginInsertRows(QModelIndex(), int(m_rows.size()), int(m_rows.size() + rows.size()) - 1);
    m_rows.append(rows);
    endInsertRows();
}

Result<AuditRow> AuditModel::fullRow(int row) const
{
    if (row < 0 || row >= m_rows.size()) {
        return Error{QStringLiteral("audit_error"),
                     tr("There is no row %1 in the audit view: select a row that is shown.").arg(row)};
    }
    const qint64 seq = m_rows.at(row).seq;
    const Result<bool> opened = openIfPresent();
    if (!opened)
        return opened.error();
    if (!*opened)
        return Error{QStringLiteral("audit_error"), tr("The audit log %1 is gone: reload the view.").arg(m_path)};
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT ") + kAllColumns + QStringLiteral(" FROM audit WHERE seq = ?"));
    query.addBindValue(seq);
    if (!query.exec()) {
        return Error{QStringLiteral("audit_error"),
                     tr("Could not read row %1 of the audit log (%2).").arg(seq).arg(query.lastError().text())};
    }
    if (!query.next()) {
        return Error{QStringLiteral("audit_error"),
                     tr("Row %1 is no longer in the audit log (it was purged): reload the view.").arg(seq)};
    }
    return auditRowFromQuery(query);
}

Result<qint64> AuditModel::exportRows(QIODevice &device, ExportFormat format) const
{
    if (!device.isOpen() || !device.isWritable()) {
        return Error{QStringLiteral("export_error"),
                     tr("The export file is not open for writing: choose a file you can write to.")};
    }
    auto write = [&device](const QByteArray &bytes) { return device.write(bytes) == bytes.size(); };
    auto writeFailed = [&device] {
        return Error{QStringLiteral("export_error"),
                     tr("Could not write the export (%1): check the disk space and that the file is writable.")
                         .arg(device.errorString())};
    };
    if (format == ExportFormat::Csv) {
        QByteArray header = kAllColumns.toLatin1();
        header.replace(", ", ",");
        if (!write(header + "\r\n"))
            return writeFailed();
    }
    const Result<bool> opened = openIfPresent();
    if (!opened)
        return opened.error();
    if (!*opened)
        return qint64(0);
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!runQuery(query, kAllColumns, QString(), {}, 0))
        return m_error;
    qint64 written = 0;
    while (query.next()) {
        const AuditRow row = auditRowFromQuery(query);
        const QByteArray bytes = format == ExportFormat::Csv
                                     ? csvRecord(row)
                                     : QByteArray::fromStdString(auditRowJson(row).dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace)) +
                                           '\n';
        if (!write(bytes))
            return writeFailed();
        ++written;
    }
    if (query.lastError().isValid()) {
        return Error{QStringLiteral("audit_error"),
                     tr("Could not read the audit log %1 while exporting (%2); the export is incomplete.")
                         .arg(m_path, query.lastError().text())};
    }
    return written;
}

Result<VerifyReport> AuditModel::verifyChain() const
{
    if (!QFileInfo(m_path).isFile())
        return VerifyReport{};
    AuditLog log(m_path);
    if (auto opened = log.openReadOnly(); !opened)
        return opened.error();
    return log.verify();
}

int AuditModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int AuditModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AuditModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditRow &row = m_rows.at(index.row());
    if (role == SeqRole)
        return row.seq;
    if (role == DecisionRole)
        return row.decision;
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == Status || index.column() == Duration)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ToolTipRole && index.column() == Time)
        return formatRfc3339Ms(row.time);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Time:
        return row.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    case Agent:
        return row.agent;
    case Client:
        return row.client;
    case Service:
        return row.service;
    case Method:
        return row.method;
    case Path:
        return row.path;
    case Status:
        return row.status ? QVariant(*row.status) : QVariant(QString());
    case Decision:
        return row.decision;
    case Rule:
        return row.rule.value_or(QString());
    case Duration:
        return durationText(row.durationMs);
    default:
        return {};
    }
}

QVariant AuditModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case Agent:
        return tr("Agent");
    case Client:
        return tr("Client");
    case Service:
        return tr("Service");
    case Method:
        return tr("Method");
    case Path:
        return tr("Path");
    case Status:
        return tr("Status");
    case Decision:
        return tr("Decision");
    case Rule:
        return tr("Rule");
    case Duration:
        return tr("Duration");
    default:
        return {};
    }
}

} // namespace keyward::gui
