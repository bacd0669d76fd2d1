#include "audit/auditchain.h"

#include "core/timespec.h"

#include <QCryptographicHash>

namespace keyward {

using json = nlohmann::json;

namespace {

json optionalText(const std::optional<QString> &text) { return text ? json(text->toStdString()) : json(nullptr); }

} // namespace

QString queryKeysText(const QStringList &keys)
{
    json array = json::array();
    for (const QString &key : keys)
        array.push_back(key.toStdString());
    return QString::fromStdString(array.dump(-1, ' ', false, json::error_handler_t::replace));
}

QStringList queryKeysFromText(const QString &text)
{
    const json parsed = json::parse(text.toStdString(), nullptr, false);
    QStringList keys;
    if (!parsed.is_array())
        return keys;
    for (const json &item : parsed) {
        if (!item.is_string())
            return {};
        keys.append(QString::fromStdString(item.get<std::string>()));
    }
    return keys;
}

json auditColumns(const AuditRow &row)
{
    json columns = json::object();
    columns["seq"] = row.seq;
    columns["time"] = formatRfc3339Ms(row.time).toStdString();
    columns["agent"] = row.agent.toStdString();
    columns["client"] = row.client.toStdString();
    columns["service"] = row.service.toStdString();
    columns["method"] = row.method.toStdString();
    columns["path"] = row.path.toStdString();
    columns["query_keys"] = queryKeysText(row.queryKeys).toStdString();
    columns["status"] = row.status ? json(*row.status) : json(nullptr);
    columns["duration_ms"] = row.durationMs;
    columns["bytes_in"] = row.bytesIn;
    columns["bytes_out"] = row.bytesOut;
    columns["decision"] = row.decision.toStdString();
    columns["rule"] = optionalText(row.rule);
    columns["reason"] = optionalText(row.reason);
    columns["request_body"] = optionalText(row.requestBody);
    columns["response_body"] = optionalText(row.responseBody);
    columns["prev_hash"] = row.prevHash.toStdString();
    columns["hash"] = row.hash.toStdString();
    return columns;
}

QByteArray canonicalAuditJson(const json &columns)
{
    json canonical = columns;
    canonical.erase("hash");
    return QByteArray::fromStdString(canonical.dump(-1, ' ', false, json::error_handler_t::replace));
}

QByteArray canonicalAuditJson(const AuditRow &row) { return canonicalAuditJson(auditColumns(row)); }

QString auditRowHash(const json &columns)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(canonicalAuditJson(columns), QCryptographicHash::Sha256).toHex());
}

QString auditRowHash(const AuditRow &row) { return auditRowHash(auditColumns(row)); }

} // namespace keyward
