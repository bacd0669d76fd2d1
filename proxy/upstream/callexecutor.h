#pragma once

#include "config/config.h"
#include "core/cancellation.h"
#include "mcp/executearguments.h"
#include "policy/ratelimiter.h"
#include "upstream/redactor.h"
#include "upstream/upstreamclient.h"
#include "state/killswitches.h"

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
class KillState;
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

// Runs one `execute` call end to end (DESIGN.md "Data flow"): the gate (kill switch first, then
// service enabled, agent allowed, method, path guard and base-URL containment, header and query
// guards, rules, reason, rate, request size), the secret from the cache, credential injection, the
// upstream call, redaction of the secret in every form from headers and body, and one audit row
// committed before the result is handed back. The result is an MCP CallToolResult: success with
// structuredContent {status, headers, body, bodyEncoding?, truncated, droppedHeaders?}, or a
// text-only isError {error, rule?, message}. Nothing it returns, logs or audits contains a secret.
//
// Kill switches: a call a switch stops is refused with error `killed`, the rule naming the switch
// ("kill:all", "kill:service:<s>", "kill:agent:<a>") and the command that lifts it, audited with
// decision `killed`, before anything else is looked at (no rate token taken, no secret read). When
// the KillState changes, every call in flight that is now stopped (waiting for approval, for the
// secret or for the upstream) ends the same way at once, its upstream request aborted and its row
// carrying the status and bytes received so far; the secret cache is dropped whenever anything is
// killed.
class CallExecutor : public QObject {
    Q_OBJECT
public:
    using ResultCallback = std::function<void(nlohmann::json)>;

    // Holds references to everything; each must outlive the executor.
    CallExecutor(ConfigStore &config, KillState &kills, SecretCache &secrets, UpstreamClient &upstream, AuditLog &audit,
                 QObject *parent = nullptr);
    // Calls still in flight end without `done` (their upstream requests aborted, nothing audited):
    // nothing calls back into a destroyed executor or its caller.
    ~CallExecutor() override;

    // `done` runs exactly once, possibly before execute() returns. When `cancellation` fires
    // before the call has ended (the client went away), the call stops where it is (its upstream
    // request aborted) and ends as an `upstream_error` audited with decision `error` and rule
    // "cancelled: <reason>", with the status and bytes received so far.
    void execute(const nlohmann::json &arguments, const Caller &caller, ResultCallback done,
                 std::shared_ptr<Cancellation> cancellation = nullptr);

    // Where a streamed call's response goes (the /proxy endpoint) instead of into the result: the
    // status and headers once (values redacted; framing headers such as Content-Length,
    // Content-Encoding and Transfer-Encoding removed, since the body may change length), then the
    // body in redacted chunks as it arrives (a secret split across chunks is still caught), at most
    // the policy's maxResponseBytes in all. Neither runs after the call has ended.
    struct StreamSink {
        std::function<void(int status, const QList<QPair<QByteArray, QByteArray>> &headers)> head;
        std::function<void(const QByteArray &chunk)> body;
    };
    // execute() with the response streamed into `sink`. `done` still runs exactly once, after the
    // audit row: an isError result when the call was refused or failed (if the head was already
    // streamed, the stream simply stops), else a success whose structured content has status,
    // headers and `truncated` but an empty body (the sink had it).
    void executeStreaming(const nlohmann::json &arguments, const Caller &caller, std::shared_ptr<StreamSink> sink,
                          ResultCallback done, std::shared_ptr<Cancellation> cancellation = nullptr);

    // Calls started and not yet ended (waiting for approval, the secret or the upstream).
    int inFlightCalls() const { return int(m_inFlight.size()); }

    // Where `ask` calls wait for the user; without one they are denied at once. Not owned.
    void setApprovalProvider(policy::ApprovalProvider *provider) { m_approvals = provider; }

    // The wall clock and time zone that schedules are read in (tests fix them); defaults: now, system zone.
    void setClock(std::function<QDateTime()> now, const QTimeZone &zone)
    {
        m_now = std::move(now);
        m_zone = zone;
    }

    // The `list_services` result for `caller`: {"services": [...]} (never a secret); a service a
    // kill switch stops for `caller` has state "killed".
    nlohmann::json listServices(const Caller &caller) const;

private:
    struct Call;
    void start(const nlohmann::json &arguments, const Caller &caller, ResultCallback done,
               std::shared_ptr<Cancellation> cancellation, std::shared_ptr<StreamSink> sink);
    void continueAfterRules(const std::shared_ptr<Call> &call);
    void prepareStreaming(const std::shared_ptr<Call> &call, const Redactor &redactor, UpstreamRequest &request);
    void finishStreaming(Call &call, const UpstreamResponse &reply, qint64 cap, const nlohmann::json &dropped);
    void sendUpstream(const std::shared_ptr<Call> &call, const QByteArray &body, const nlohmann::json &dropped,
                      const QByteArray &secret);
    void deny(Call &call, const QString &error, const QString &rule, const QString &message);
    void refuseAsKilled(Call &call, const KillRefusal &refusal);
    bool refuseIfKilled(Call &call);
    void finish(Call &call, nlohmann::json result);
    // Registers a call that is about to wait (approval, secret, upstream) so kills and the
    // caller's cancellation reach it; false when it ended meanwhile (already cancelled).
    bool track(const std::shared_ptr<Call> &call);
    // Stops a call that is killed or cancelled (the reason is set on it) wherever it waits.
    void abort(const std::shared_ptr<Call> &call);
    void endAborted(Call &call);
    void abortKilledCalls();
    QList<QSslCertificate> caCertificates(const QString &path);

    ConfigStore &m_config;
    KillState &m_kills;
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
    std::map<quint64, std::shared_ptr<Call>> m_inFlight;
    quint64 m_nextCallId = 1;
};

} // namespace keyward
