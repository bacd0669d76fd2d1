#pragma once

#include "audit/auditlog.h"
#include "audit/auditrow.h"
#include "audit/auditsearch.h"
#include "core/result.h"

#include <QAbstractTableModel>
#include <QList>
#include <QString>

class QIODevice;
class QSqlQuery;

namespace keyward::gui {

// The audit browser's table over `audit.db` (DESIGN.md "Audit"), newest row first.
//
// The model reads the file through its own read-only QSqlDatabase connection while the owner keeps
// appending to it (WAL): it never writes, creates or migrates anything. A file that does not exist
// yet, or holds no audit table yet, is an empty log; the next reload() or refreshNewRows() picks it
// up once it exists.
//
// Rows come in pages of kPageSize by keyset pagination on seq (`seq < oldest shown`), so paging is
// exact while rows are appended or purged: no row shows twice and none is skipped. Rows appended
// after the first page arrive only through refreshNewRows() (live tail), at the top. The model
// never counts the matching rows: rowCount() is the number of rows loaded so far.
//
// The table holds only the list columns; fullRow() reads one row with its redacted bodies for the
// detail pane. Must be used from the thread that created it. Errors (a damaged file, a locked
// database) leave the rows shown as they were, set lastError() and emit errorOccurred().
class AuditModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Agent, Client, Service, Method, Path, Status, Decision, Rule, Duration, ColumnCount };
    enum Role {
        SeqRole = Qt::UserRole + 1, // qint64: the row's seq
        DecisionRole,               // QString: allowed, denied, ... (for colouring a row)
    };
    enum class ExportFormat { Csv, Jsonl };

    static constexpr int kPageSize = 200;
    // refreshNewRows() inserts at most this many new rows; a bigger burst reloads the first page.
    static constexpr int kLiveTailLimit = 1000;

    // Loads the first page of `databasePath` at once (nothing when it does not exist yet).
    explicit AuditModel(const QString &databasePath, QObject *parent = nullptr);
    ~AuditModel() override;

    QString databasePath() const { return m_path; }
    const AuditSearch &filter() const { return m_filter; }
    // The last error, empty message when the last operation succeeded.
    const Error &lastError() const { return m_error; }

    // Replaces the filter: resets the model and loads the first matching page.
    void setFilter(const AuditSearch &filter);
    // Resets the model and loads the first page of the current filter again.
    void reload();
    // Live tail: inserts the rows matching the filter with seq greater than the newest row shown,
    // at the top (beginInsertRows at row 0), without a reset. More than kLiveTailLimit new rows
    // reload the first page instead. Returns the number of rows that appeared (0 also on error).
    int refreshNewRows();

    // The row at `row` (a model row) with every column, bodies included, read from the database
    // (so a row purged since it was shown is an error). Bodies are stored redacted.
    Result<AuditRow> fullRow(int row) const;
    // The list columns of the row at `row` as loaded (no bodies, no hashes); `row` must be valid.
    const AuditRow &rowAt(int row) const { return m_rows.at(row); }

    // Writes every row matching the current filter, newest first, to `device` (open for writing),
    // streaming from the database a row at a time. Csv: a header line of the DESIGN.md column
    // names, then RFC 4180 records (CRLF, fields with a comma, quote, CR or LF quoted, quotes
    // doubled; a text field starting with = + - @ or a tab gets a leading ' so spreadsheets do
    // not run it as a formula). Jsonl: one auditRowJson() object per line, as `keyward log --json`.
    // Returns the number of rows written.
    Result<qint64> exportRows(QIODevice &device, ExportFormat format) const;

    // Verifies the whole hash chain (AuditLog::verify) over a separate read-only connection. A
    // file that does not exist yet verifies as an empty log.
    Result<VerifyReport> verifyChain() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent = QModelIndex()) const override;
    void fetchMore(const QModelIndex &parent = QModelIndex()) override;

Q_SIGNALS:
    // Emitted when an operation fails, with lastError().message.
    void errorOccurred(const QString &message);

private:
    // Opens the connection when the file exists and holds an audit table. False: nothing to read
    // yet; an error when the file exists but cannot be read.
    Result<bool> openIfPresent() const;
    void closeDatabase() const;
    // Runs `SELECT <columns> FROM audit WHERE <filter> [AND extra] ORDER BY seq DESC [LIMIT limit]`.
    bool runQuery(QSqlQuery &query, const QString &columns, const QString &extra, const QVariantList &extraValues,
                  int limit) const;
    QList<AuditRow> readPage(const QString &extra, const QVariantList &extraValues, int limit, bool *ok) const;
    void loadFirstPage();
    void setError(const Error &error) const;
    void clearError() const;

    QString m_path;
    QString m_connection;
    AuditSearch m_filter;
    QList<AuditRow> m_rows; // newest first
    bool m_atEnd = true;
    // True from the first to the last signal of a change: views (and QAbstractItemModelTester) call
    // fetchMore() from their handlers of those signals, and must get nothing until the change is done.
    bool m_changing = false;
    mutable bool m_open = false;
    mutable Error m_error;
};

} // namespace keyward::gui
