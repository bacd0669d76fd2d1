#include "audit/auditrowjson.h"

#include "core/timespec.h"

namespace keyward {

namespace {

nlohmann::json optionalJson(const std::optional<QString> &value)
{
    return value ? nlohmann::json(value->toStdString()) : nlohmann::json(nullptr);
}

} // namespace

nlohmann::json auditRowJson(const AuditRow &row)
{
    nlohmann::json keys = nlohmann::json::array();
    for (const QString &key : row.queryKeys)
        keys.push_back(key.toStdString());
    return nlohmann::json{{"seq", row.seq},
                          {"time", formatRfc3339Ms(row.time).toStdString()},
                          {"agent", row.agent.toStdString()},
                          {"client", row.client.toStdString()},
                          {"service", row.service.toStdString()},
                          {"method", row.method.toStdString()},
                          {"path", row.path.toStdString()},
                          {"query_keys", keys},
                          {"status", row.status ? nlohmann::json(*row.status) : nlohmann::json(nullptr)},
                          {"duration_ms", row.durationMs},
                          {"bytes_in", row.bytesIn},
                          {"bytes_out", row.bytesOut},
                          {"decision", row.decision.toStdString()},
                          {"rule", optionalJson(row.rule)},
                          {"reason", optionalJson(row.reason)},
                          {"request_body", optionalJson(row.requestBody)},
                          {"response_body", optionalJson(row.responseBody)},
                          {"prev_hash", row.prevHash.toStdString()},
                          {"hash", row.hash.toStdString()}};
}

} // namespace keyward
