#include "audit/auditrowsql.h"

#include "audit/auditchain.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QVariant>

namespace keyward {

QString auditRowColumns()
{
    return QStringLiteral("seq, time, agent, client, service, method, path, query_keys, status, duration_ms, bytes_in, "
                          "bytes_out, decision, rule, reason, request_body, response_body, prev_hash, hash");
}

std::optional<QString> optionalStringColumn(const QSqlQuery &query, int index)
{
    if (query.isNull(index))
        return std::nullopt;
    return query.value(index).toString();
}

AuditRow auditRowFromQuery(const QSqlQuery &query)
{
    AuditRow row;
    row.seq = query.value(0).toLongLong();
    row.time = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs).toUTC();
    row.agent = query.value(2).toString();
    row.client = query.value(3).toString();
    row.service = query.value(4).toString();
    row.method = query.value(5).toString();
    row.path = query.value(6).toString();
    row.queryKeys = queryKeysFromText(query.value(7).toString());
    if (!query.isNull(8))
        row.status = query.value(8).toInt();
    row.durationMs = query.value(9).toLongLong();
    row.bytesIn = query.value(10).toLongLong();
    row.bytesOut = query.value(11).toLongLong();
    row.decision = query.value(12).toString();
    row.rule = optionalStringColumn(query, 13);
    row.reason = optionalStringColumn(query, 14);
    row.requestBody = optionalStringColumn(query, 15);
    row.responseBody = optionalStringColumn(query, 16);
    row.prevHash = query.value(17).toString();
    row.hash = query.value(18).toString();
    return row;
}

} // namespace keyward
