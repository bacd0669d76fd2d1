#pragma once

#include "alerts/alert.h"
#include "alerts/alertsettings.h"
#include "audit/auditrow.h"
#include "policy/schedule.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QTimeZone>

#include <deque>
#include <optional>
#include <functional>

namespace keyward {

// What AlertEngine::observe() found for one row: a new alert, or a coalesced update of the alert
// it returned earlier under the same key (same category, agent and service, still happening).
struct AlertEvent {
    Alert alert;            // as it now stands: for an update, count and last_seq have grown
    QString key;            // the same for every update of one alert
    bool isNew = true;      // false: an update of the alert last returned under `key`
    bool notify = false;    // a new alert whose rule notifies (settings rule.notify)
    bool autoKill = false;  // the rule asks to stop `alert.agent` (settings rule.autoKill)
};

// Spots unusual agent behaviour in the audit rows as they are committed (DESIGN.md "Audit":
// the alerts are fed by the rows the audit writes, nothing else). Pure logic: no I/O, no Qt event
// loop; the time comes from an injectable clock (default: now, UTC) and schedules are read in an
// injectable time zone. One thread.
//
// Rules (categories in alert.h; settings and defaults in alertsettings.h):
//  - denial_burst: `count` denied calls of one agent within `windowSeconds` (rate and schedule
//    refusals have their own rules).
//  - rate_limit: `count` calls of one agent refused by a rate limit (rule "rate") in the window.
//  - new_agent: the first call of an agent not seen before (history comes through learn()).
//  - new_pattern: an agent past `learningCalls` calls uses a service, or a path pattern (method and
//    first path segment, e.g. "GET /repos/**"), it never used before.
//  - outside_schedule: a call refused by a policy schedule, or any call outside the rule's own
//    `schedule` when one is set.
//  - volume_spike: calls of one agent to one service in the current minute reach `minCalls` and
//    stand `zScore` standard deviations above that pair's baseline: an EWMA (alpha kEwmaAlpha) of
//    its calls per active minute, trusted after kWarmupMinutes active minutes (the deviation is
//    at least sqrt(mean) and 1, as for a Poisson count).
//  - upstream_errors: `count` upstream failures of one service (5xx answers, timeouts, TLS and
//    connection errors: decision error with rule "upstream_error") in the window.
//  - exfiltration: `count` signs of one agent in the window; a sign is a refused forbidden header
//    carrying credentials or redirecting the request (rule "header:*", not hop-by-hop or malformed
//    ones), an attempt to set the credential's query parameter ("query:*"), a guard refusal of a
//    path escape ("guard:dot-segment", encoded separators, other hosts...; not malformed input such
//    as "guard:method"), a call to a credential endpoint (OAuth token,
//    API key, access token, credential or secret paths), or kProbeCount calls to services that do
//    not exist (rule "service:unknown") within the window. Critical; stops the agent by default.
//  - keychain: `count` calls of one service that failed reading the secret (rule "keychain_error").
//  - kill_switch: a `change` row engaging a kill switch (not ones Keyward or the tray engaged).
//  - access_change: a `change` row that widens access (resume, agent add, service add, service
//    enable, policy set, log purge, clients configure/migrate, reset) or records a hand edit of
//    config.json ("config edit"), made outside the tray.
//
// Coalescing: while a rule keeps firing for the same (category, agent, service) with no gap longer
// than max(windowSeconds, kMinCoalesceSeconds), the events update one alert (count + 1, last_seq)
// instead of raising new ones. Memory is bounded: at most kMaxAgents agents (with at most
// kMaxPatternsPerAgent patterns each), kMaxBaselines agent×service baselines, kMaxServices
// services and kMaxOpenAlerts open alerts; the least recently used go first.
class AlertEngine {
public:
    using Clock = std::function<QDateTime()>;

    static constexpr int kMaxAgents = 2000;
    static constexpr int kMaxPatternsPerAgent = 256;
    static constexpr int kMaxBaselines = 20000;
    static constexpr int kMaxServices = 2000;
    static constexpr int kMaxOpenAlerts = 1024;
    static constexpr int kMinCoalesceSeconds = 60;
    static constexpr int kWarmupMinutes = 10;
    static constexpr double kEwmaAlpha = 0.1;
    static constexpr int kProbeCount = 3;

    explicit AlertEngine(AlertSettings settings = AlertSettings::defaults(), Clock clock = {});

    void setSettings(const AlertSettings &settings);
    const AlertSettings &settings() const { return m_settings; }
    void setClock(Clock clock);
    void setTimeZone(const QTimeZone &zone) { m_zone = zone; }
    // The engine's clock (UTC).
    QDateTime now() const { return m_clock(); }

    // Takes in a row of the past (read at start) without raising anything: its agent is known and
    // its service and path pattern are used from then on.
    void learn(const AuditRow &row);
    // Evaluates one committed row (every decision; anchors are ignored) against every enabled rule.
    QList<AlertEvent> observe(const AuditRow &row);

    // For tests and the benchmark.
    int agentCount() const { return int(m_agents.size()); }
    int baselineCount() const { return int(m_baselines.size()); }
    // The bytes the engine's state takes, estimated from its containers (keys, entries, windows).
    qint64 approximateMemoryBytes() const;

    // The path pattern new_pattern compares, the method and the first segment: "GET /repos/**" (for
    // /repos and everything under it), "POST /" for the root.
    static QString pathPattern(const QString &method, const QString &path);
    // Whether `path` (normalized) looks like an endpoint that mints or lists credentials.
    static bool isCredentialEndpoint(const QString &path);

private:
    struct Event {
        qint64 ms = 0;
        qint64 seq = 0;
    };
    using Window = std::deque<Event>;
    struct AgentState {
        qint64 calls = 0;
        qint64 lastUsedMs = 0;
        QSet<QString> services;
        QSet<QString> patterns;
        Window denials, rateHits, signs, probes, offSchedule;
    };
    struct Baseline {
        qint64 minute = -1;
        int current = 0;
        int samples = 0;
        double mean = 0;
        double variance = 0;
        qint64 lastUsedMs = 0;
    };
    struct ServiceState {
        qint64 lastUsedMs = 0;
        Window errors, keychain;
    };
    struct OpenAlert {
        Alert alert;
        qint64 lastMs = 0;
    };

    qint64 nowMs() const;
    AgentState &agent(const QString &name, qint64 now, bool *created);
    ServiceState &service(const QString &name, qint64 now);
    // Adds the event, forgets those older than the window and all but the newest `keep`; returns
    // how many are in the window.
    static int push(Window &window, qint64 now, qint64 seq, int windowSeconds, int keep);
    void raise(QList<AlertEvent> &out, const QString &category, AlertSeverity severity, const QString &agent,
               const QString &service, qint64 firstSeq, qint64 lastSeq, int count, const QString &message);
    void windowed(QList<AlertEvent> &out, Window &window, const QString &category, AlertSeverity severity,
                  const QString &agent, const QString &service, const AuditRow &row, const std::function<QString(int)> &message);
    void observeChange(QList<AlertEvent> &out, const AuditRow &row);
    void observeVolume(QList<AlertEvent> &out, const AuditRow &row, qint64 now);
    void pruneOpen(qint64 now);
    template <typename Map>
    static void evictOldest(Map &map, int cap);

    AlertSettings m_settings;
    std::optional<policy::Schedule> m_expectedHours; // outside_schedule's own schedule, parsed once
    Clock m_clock;
    QTimeZone m_zone = QTimeZone::systemTimeZone();
    QHash<QString, AgentState> m_agents;
    QHash<QString, Baseline> m_baselines;
    QHash<QString, ServiceState> m_services;
    QHash<QString, OpenAlert> m_open;
};

} // namespace keyward
