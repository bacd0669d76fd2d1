#pragma once

#include "alerts/alert.h"
#include "audit/auditrow.h"
#include "core/result.h"

#include <QList>
#include <QString>

namespace keyward {

// The `alerts` table of `audit.db` (DESIGN.md "Audit"; outside the hash chain). The owner's
// AlertCenter writes it; `keyward alerts` and the tray read it and mark alerts seen. Like AuditLog,
// any number of instances in any number of processes may use one file: each owns its own named
// QSqlDatabase connection, must be used from the thread that opened it, and writes one committed
// statement at a time. open() brings the file to AuditLog's current schema first (creating it when
// missing), so it works on a fresh home. Errors have code "audit_error" and say what to do.
class AlertStore {
public:
    explicit AlertStore(const QString &databasePath);
    ~AlertStore();
    AlertStore(const AlertStore &) = delete;
    AlertStore &operator=(const AlertStore &) = delete;

    Result<void> open();
    QString path() const { return m_path; }

    // Stores a new alert (its id and seen flag are ignored) and returns its id.
    Result<qint64> insert(const Alert &alert);
    // A coalesced alert grew: sets last_seq, count and, when given, action_taken and message.
    Result<void> update(const Alert &alert);
    // The newest `limit` alerts (all when limit <= 0), newest first; only unseen ones when asked.
    Result<QList<Alert>> list(int limit = 0, bool onlyUnseen = false);
    // Marks the alerts with these ids seen (every unseen alert when `ids` is empty); returns how many changed.
    Result<int> markSeen(const QList<qint64> &ids = {});
    Result<qint64> unseenCount();

    // The latest `limit` call rows of the audit (seq, time, agent, service, method, path only; no
    // bodies), oldest first: the history AlertEngine::learn() starts from.
    Result<QList<AuditRow>> recentCalls(int limit);
    // The highest seq in the audit (0 when empty).
    Result<qint64> lastSeq();

private:
    Result<void> ensureOpen();
    Error sqlError(const QString &doing, const QString &detail) const;

    QString m_path;
    QString m_connection;
    bool m_open = false;
};

} // namespace keyward
