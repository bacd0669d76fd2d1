#include "audit/changerecorder.h"

#include <QDateTime>

namespace keyward {

Result<AuditRow> recordChange(AuditLog &audit, const QString &command, const QString &target, const QString &whatChanged,
                              const QString &agent, const QString &service, const QString &client)
{
    AuditRow row;
    row.time = QDateTime::currentDateTimeUtc();
    row.agent = agent;
    row.client = client;
    row.service = service;
    row.method = command;
    row.path = target;
    row.decision = QStringLiteral("change");
    row.reason = whatChanged;
    return audit.append(std::move(row));
}

} // namespace keyward
