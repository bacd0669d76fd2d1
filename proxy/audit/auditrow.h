#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace keyward {

// One row of the `audit` table (DESIGN.md "Audit"). Bodies and every other field are already
// redacted when a row is built: the audit never holds a secret.
struct AuditRow {
    qint64 seq = 0;   // assigned by AuditLog::append
    QDateTime time;   // UTC; stored as RFC 3339 with milliseconds
    QString agent;
    QString client;
    QString service;
    QString method;   // the HTTP method, or the admin command for `change` rows ("service add")
    QString path;     // the normalized path, or the target of an admin change
    QStringList queryKeys;
    std::optional<int> status;
    qint64 durationMs = 0;
    qint64 bytesIn = 0;
    qint64 bytesOut = 0;
    QString decision; // allowed, denied, killed, approved, error, change, anchor
    std::optional<QString> rule;
    std::optional<QString> reason;
    std::optional<QString> requestBody;
    std::optional<QString> responseBody;
    QString prevHash; // assigned by AuditLog::append
    QString hash;     // assigned by AuditLog::append
};

} // namespace keyward
