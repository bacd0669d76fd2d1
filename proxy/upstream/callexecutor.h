#pragma once

#include "config/config.h"
#include "core/cancellation.h"
#include "mcp/executearguments.h"
#include "policy/ratelimiter.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <QTimeZone>

#include <functional>
#include <map>
#include <memory>

namespace keyward {

class AuditLog;
class ConfigStore;
class SecretCache;
class UpstreamClient;
namespace policy {
class ApprovalProvider;
}

// Who makes a call: the agent name policy and audit use, and the MCP client's own name.
struct Caller {
    QString agent;
    QString client;
};

// Runs one `execute` call end to end (DESIGN.md "Data flow"): the gate (service enabled, agent
// allowed, method, path guard and base-URL containment, header and query guards, rules, reason,
// request size), the secret from the cache, credential injection, the upstream call, redaction of
// the secret in every form from headers and body, and one audit row committed before the result
// is handed back. The result is an MCP CallToolResult: success with structuredContent
// {status, headers, body, bodyEncoding?, truncated, droppedHeaders?}, or a text-only isError
// {error, rule?, message}. Nothing it returns, logs or audits contains a secret.
class CallExecutor : public QObject {
    Q_OBJECT
public:
    using ResultCallback = std::function<void(nlohmann::json)>;

    CallExecutor(ConfigStore &config, SecretCache &secrets, UpstreamClient &upstream, AuditLog &audit,
                 QObject *parent = nullptr);

    // `done` runs exactly once, possibly before execute() returns. When `cancellation` fires
    // before the call has ended, the upstream call is aborted and the call ends audited.
    void execute(const nlohmann::json &arguments, const Caller &caller, ResultCallback done,
                 std::shared_ptr<Cancellation> cancellation = nullptr);

    // Where `ask` calls wait for the user; without one they are denied at once. Not owned.
    void setApprovalProvider(policy::ApprovalProvider *provider) { m_approvals = provider; }

    // The wall clock and time zone that schedules are read in (tests fix them); defaults: now, system zone.
    void setClock(std::function<QDateTime()> now, const QTimeZone &zone)
    {
        m_now = std::move(now);
        m_zone = zone;
    }

    // The `list_services` result for `caller`: {"services": [...]} (never a secret).
    nlohmann::json listServices(const Caller &caller) const;

private:
    struct Call;
    void continueAfterRules(const std::shared_ptr<Call> &call);
    void deny(Call &call, const QString &error, const QString &rule, const QString &message);
    void finish(Call &call, nlohmann::json result);
    QList<QSslCertificate> caCertificates(const QString &path);

    ConfigStore &m_config;
    SecretCache &m_secrets;
    UpstreamClient &m_upstream;
    AuditLog &m_audit;
    policy::ApprovalProvider *m_approvals = nullptr;
    policy::RateLimiter m_rates;
    std::function<QDateTime()> m_now;
    QTimeZone m_zone = QTimeZone::systemTimeZone();
    struct CachedCa {
        QDateTime modified;
        QList<QSslCertificate> certificates;
    };
    std::map<QString, CachedCa> m_caCache;
};

} // namespace keyward
