#include "alerts/alertengine.h"

#include "policy/schedule.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <vector>

namespace keyward {

namespace {

using namespace alert_categories;

QString cat(const char *category) { return QString::fromLatin1(category); }

// Who made a change that needs no alert: Keyward's own automatic response, a notification button
// the user pressed, and the tray (where the user confirms widening changes).
bool isOwnChange(const QString &actor)
{
    return actor == QLatin1String("alerts") || actor == QLatin1String("notification") ||
           actor == QLatin1String("tray") || actor == QLatin1String("gui");
}

bool isWideningCommand(const QString &command)
{
    static const QStringList widening = {
        QStringLiteral("resume"),         QStringLiteral("agent add"),         QStringLiteral("service add"),
        QStringLiteral("service enable"), QStringLiteral("policy set"),        QStringLiteral("log purge"),
        QStringLiteral("reset"),          QStringLiteral("clients configure"), QStringLiteral("clients migrate")};
    return widening.contains(command);
}

QString quoted(const QString &name) { return u'\'' + name + u'\''; }

// Guard refusals that try to leave the policy's view of the path (escapes, encodings that servers
// read differently, other hosts): signs of an attempt to reach what the agent may not. Malformed
// input (bad UTF-8, a lowercase method, a query in the path) is not.
bool isEscapeAttempt(const QString &guardRule)
{
    static const QStringList escapes = {
        QStringLiteral("dot-segment"),  QStringLiteral("encoded-slash"),   QStringLiteral("encoded-backslash"),
        QStringLiteral("encoded-dot"),  QStringLiteral("encoded-percent"), QStringLiteral("backslash"),
        QStringLiteral("absolute-url"), QStringLiteral("scheme-relative"), QStringLiteral("outside-base"),
        QStringLiteral("path-parameter"), QStringLiteral("not-normalized"), QStringLiteral("control-char"),
        QStringLiteral("invisible-char"), QStringLiteral("confusable-char")};
    return escapes.contains(guardRule);
}

// Refused headers that carry credentials or redirect the request; not malformed or hop-by-hop ones.
bool isCredentialHeader(const QString &header)
{
    static const QStringList harmless = {QStringLiteral("invalid"),  QStringLiteral("connection"),
                                         QStringLiteral("keep-alive"), QStringLiteral("te"),
                                         QStringLiteral("trailer"),  QStringLiteral("transfer-encoding"),
                                         QStringLiteral("upgrade"),  QStringLiteral("content-length")};
    return !harmless.contains(header);
}

qint64 stringBytes(const QString &text) { return qint64(sizeof(QString)) + text.capacity() * 2; }

} // namespace

AlertEngine::AlertEngine(AlertSettings settings, Clock clock)
{
    setSettings(settings);
    setClock(std::move(clock));
}

void AlertEngine::setSettings(const AlertSettings &settings)
{
    m_settings = settings;
    m_expectedHours.reset();
    const QStringList &entries = m_settings.rule(cat(kOutsideSchedule)).schedule;
    if (!entries.isEmpty()) {
        if (auto parsed = policy::parseSchedule(entries))
            m_expectedHours = *parsed;
    }
}

void AlertEngine::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock([] { return QDateTime::currentDateTimeUtc(); });
}

qint64 AlertEngine::nowMs() const { return m_clock().toMSecsSinceEpoch(); }

QString AlertEngine::pathPattern(const QString &method, const QString &path)
{
    const QStringList segments = path.split(u'/', Qt::SkipEmptyParts);
    if (segments.isEmpty())
        return method + QStringLiteral(" /");
    return method + QStringLiteral(" /") + segments.first() + QStringLiteral("/**");
}

bool AlertEngine::isCredentialEndpoint(const QString &path)
{
    static const QRegularExpression credential(
        QStringLiteral("(^|/)(oauth2?/(token|access_token|device/code)|login/oauth|auth/token|api[-_/]?keys?|"
                       "access[-_]tokens?|personal[-_]access[-_]tokens?|tokens?/(new|create|generate)|credentials?|"
                       "secrets?|service[-_]accounts?/[^/]+/keys)(/|$)"),
        QRegularExpression::CaseInsensitiveOption);
    return credential.match(path).hasMatch();
}

int AlertEngine::push(Window &window, qint64 now, qint64 seq, int windowSeconds, int keep)
{
    window.push_back(Event{now, seq});
    const qint64 oldest = now - qint64(windowSeconds) * 1000;
    while (!window.empty() && window.front().ms < oldest)
        window.pop_front();
    while (int(window.size()) > std::max(keep, 1))
        window.pop_front();
    return int(window.size());
}

template <typename Map>
void AlertEngine::evictOldest(Map &map, int cap)
{
    if (map.size() <= cap)
        return;
    // Drop the least recently used tenth at once, so eviction stays rare.
    std::vector<qint64> times;
    times.reserve(size_t(map.size()));
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        times.push_back(it->lastUsedMs);
    const size_t drop = size_t(map.size() - cap) + size_t(cap / 10);
    std::nth_element(times.begin(), times.begin() + qsizetype(drop - 1), times.end());
    const qint64 cutoff = times[drop - 1];
    size_t dropped = 0;
    for (auto it = map.begin(); it != map.end() && dropped < drop;) {
        if (it->lastUsedMs <= cutoff) {
            it = map.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
}

AlertEngine::AgentState &AlertEngine::agent(const QString &name, qint64 now, bool *created)
{
    auto found = m_agents.find(name);
    *created = found == m_agents.end();
    if (*created) {
        evictOldest(m_agents, kMaxAgents - 1);
        found = m_agents.insert(name, AgentState{});
    }
    found->lastUsedMs = now;
    return *found;
}

AlertEngine::ServiceState &AlertEngine::service(const QString &name, qint64 now)
{
    auto found = m_services.find(name);
    if (found == m_services.end()) {
        evictOldest(m_services, kMaxServices - 1);
        found = m_services.insert(name, ServiceState{});
    }
    found->lastUsedMs = now;
    return *found;
}

void AlertEngine::learn(const AuditRow &row)
{
    if (row.decision == QLatin1String("change") || row.decision == QLatin1String("anchor") || row.agent.isEmpty())
        return;
    bool created = false;
    AgentState &state = agent(row.agent, row.time.isValid() ? row.time.toMSecsSinceEpoch() : nowMs(), &created);
    ++state.calls;
    if (!row.service.isEmpty()) {
        state.services.insert(row.service);
        if (state.patterns.size() < kMaxPatternsPerAgent)
            state.patterns.insert(row.service + u' ' + pathPattern(row.method, row.path));
    }
}

void AlertEngine::pruneOpen(qint64 now)
{
    if (m_open.size() < kMaxOpenAlerts)
        return;
    for (auto it = m_open.begin(); it != m_open.end();) {
        const int window = std::max(m_settings.rule(it->alert.category).windowSeconds, kMinCoalesceSeconds);
        if (now - it->lastMs > qint64(window) * 1000)
            it = m_open.erase(it);
        else
            ++it;
    }
    while (m_open.size() >= kMaxOpenAlerts) {
        auto oldest = std::min_element(m_open.begin(), m_open.end(),
                                       [](const OpenAlert &a, const OpenAlert &b) { return a.lastMs < b.lastMs; });
        m_open.erase(oldest);
    }
}

void AlertEngine::raise(QList<AlertEvent> &out, const QString &category, AlertSeverity severity, const QString &agentName,
                        const QString &serviceName, qint64 firstSeq, qint64 lastSeq, int count, const QString &message)
{
    const AlertRuleSettings &rule = m_settings.rule(category);
    const qint64 now = nowMs();
    const QString key = category + u'\x1f' + agentName + u'\x1f' + serviceName;
    const qint64 coalesceMs = qint64(std::max(rule.windowSeconds, kMinCoalesceSeconds)) * 1000;
    auto open = m_open.find(key);
    if (open != m_open.end() && now - open->lastMs <= coalesceMs) {
        open->lastMs = now;
        open->alert.lastSeq = std::max(open->alert.lastSeq, lastSeq);
        open->alert.count += 1;
        AlertEvent event;
        event.alert = open->alert;
        event.key = key;
        event.isNew = false;
        event.autoKill = rule.autoKill && !agentName.isEmpty();
        out.append(event);
        return;
    }
    pruneOpen(now);
    Alert alert;
    alert.time = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    alert.severity = severity;
    alert.category = category;
    alert.agent = agentName;
    alert.service = serviceName;
    alert.message = message;
    alert.firstSeq = firstSeq;
    alert.lastSeq = lastSeq;
    alert.count = std::max(count, 1);
    m_open.insert(key, OpenAlert{alert, now});
    AlertEvent event;
    event.alert = alert;
    event.key = key;
    event.isNew = true;
    event.notify = rule.notify;
    event.autoKill = rule.autoKill && !agentName.isEmpty();
    out.append(event);
}

void AlertEngine::windowed(QList<AlertEvent> &out, Window &window, const QString &category, AlertSeverity severity,
                           const QString &agentName, const QString &serviceName, const AuditRow &row,
                           const std::function<QString(int)> &message)
{
    const AlertRuleSettings &rule = m_settings.rule(category);
    if (!rule.enabled)
        return;
    const int inWindow = push(window, nowMs(), row.seq, rule.windowSeconds, rule.count);
    if (inWindow < rule.count)
        return;
    raise(out, category, severity, agentName, serviceName, window.front().seq, row.seq, inWindow, message(inWindow));
}

QList<AlertEvent> AlertEngine::observe(const AuditRow &row)
{
    QList<AlertEvent> out;
    if (row.decision == QLatin1String("anchor"))
        return out;
    if (row.decision == QLatin1String("change")) {
        observeChange(out, row);
        return out;
    }
    const qint64 now = nowMs();
    const QString &name = row.agent;
    const QString &svc = row.service;
    const QString rule = row.rule.value_or(QString());
    const bool denied = row.decision == QLatin1String("denied");
    const bool reached = row.decision == QLatin1String("allowed") || row.decision == QLatin1String("approved");
    const QString logHint = QStringLiteral("`keyward log --agent %1`").arg(name);
    const QString stopHint = QStringLiteral("stop it with `keyward kill --agent %1`").arg(name);

    bool created = false;
    AgentState &state = agent(name, now, &created);
    const qint64 callsBefore = state.calls++;

    if (created && m_settings.rule(cat(kNewAgent)).enabled) {
        raise(out, cat(kNewAgent), AlertSeverity::Info, name, svc, row.seq, row.seq, 1,
              QStringLiteral("A new agent %1 (client %2) made its first call%3. If you did not set it up, %4.")
                  .arg(quoted(name), quoted(row.client),
                       svc.isEmpty() ? QString() : QStringLiteral(", to %1").arg(quoted(svc)), stopHint));
    }

    // Signs of exfiltration.
    QString sign;
    if (denied && rule.startsWith(QLatin1String("header:")) && isCredentialHeader(rule.mid(7)))
        sign = QStringLiteral("tried to send the forbidden header %1").arg(quoted(rule.mid(7)));
    else if (denied && rule.startsWith(QLatin1String("query:")) && rule != QLatin1String("query:invalid"))
        sign = QStringLiteral("tried to set the query parameter %1 that carries the credential").arg(quoted(rule.mid(6)));
    else if (denied && rule.startsWith(QLatin1String("guard:")) && isEscapeAttempt(rule.mid(6)))
        sign = QStringLiteral("sent a path or query the guard refused (%1: %2 %3)").arg(rule, row.method, row.path);
    else if (isCredentialEndpoint(row.path))
        sign = QStringLiteral("called the credential endpoint %1 %2%3")
                   .arg(row.method, row.path, svc.isEmpty() ? QString() : QStringLiteral(" of ") + quoted(svc));
    if (denied && rule == QLatin1String("service:unknown")) {
        const int probes =
            push(state.probes, now, row.seq, m_settings.rule(cat(kExfiltration)).windowSeconds, kProbeCount);
        if (probes >= kProbeCount && sign.isEmpty())
            sign = QStringLiteral("asked for %1 services that do not exist (probing for names)").arg(probes);
    }
    if (!sign.isEmpty()) {
        windowed(out, state.signs, cat(kExfiltration), AlertSeverity::Critical, name, svc, row, [&](int) {
            return QStringLiteral("The agent %1 %2: a sign it may be trying to get at credentials, often because a "
                                  "prompt injected instructions into it. Check %3 and what it was working on.")
                .arg(quoted(name), sign, logHint);
        });
    }

    if (denied && rule == QLatin1String("rate")) {
        windowed(out, state.rateHits, cat(kRateLimit), AlertSeverity::Warning, name, svc, row, [&](int n) {
            return QStringLiteral("The agent %1 hit the rate limit of %2 (%3 refused call%4). If its work needs more, "
                                  "raise it with `keyward policy set %5 --rate ...`; if not, check %6.")
                .arg(quoted(name), quoted(svc))
                .arg(n)
                .arg(n == 1 ? QString() : QStringLiteral("s"))
                .arg(svc, logHint);
        });
    } else if (denied && rule != QLatin1String("schedule")) {
        windowed(out, state.denials, cat(kDenialBurst), AlertSeverity::Warning, name, svc, row, [&](int n) {
            const AlertRuleSettings &settings = m_settings.rule(cat(kDenialBurst));
            return QStringLiteral("The agent %1 had %2 calls denied within %3 s (last: %4 %5%6, rule %7). An agent that "
                                  "keeps hitting refusals may be following injected instructions: check %8, and %9 "
                                  "if you did not expect this.")
                .arg(quoted(name))
                .arg(n)
                .arg(settings.windowSeconds)
                .arg(row.method, row.path, svc.isEmpty() ? QString() : QStringLiteral(" on ") + quoted(svc), rule,
                     logHint, stopHint);
        });
    }

    const AlertRuleSettings &scheduleRule = m_settings.rule(cat(kOutsideSchedule));
    bool offSchedule = denied && rule == QLatin1String("schedule");
    if (!offSchedule && scheduleRule.enabled && m_expectedHours)
        offSchedule = !policy::isOpen(*m_expectedHours, m_clock(), m_zone);
    if (offSchedule) {
        windowed(out, state.offSchedule, cat(kOutsideSchedule), AlertSeverity::Warning, name, svc, row, [&](int n) {
            return QStringLiteral("The agent %1 made %2 call%3 outside its schedule (last: %4 %5%6). Agents working at "
                                  "unusual hours can be a sign of misuse: check %7.")
                .arg(quoted(name))
                .arg(n)
                .arg(n == 1 ? QString() : QStringLiteral("s"))
                .arg(row.method, row.path, svc.isEmpty() ? QString() : QStringLiteral(" on ") + quoted(svc), logHint);
        });
    }

    if (!svc.isEmpty()) {
        const bool keychainFailure = row.decision == QLatin1String("error") && rule == QLatin1String("keychain_error");
        const bool upstreamFailure = (row.decision == QLatin1String("error") && rule == QLatin1String("upstream_error")) ||
                                     (reached && row.status && *row.status >= 500);
        if (keychainFailure) {
            windowed(out, service(svc, now).keychain, cat(kKeychain), AlertSeverity::Warning, QString(), svc, row,
                     [&](int) {
                         return QStringLiteral("Keyward could not read the secret of %1, so its calls fail. Unlock the "
                                               "keychain (or run `keyward unlock` for the encrypted file store); "
                                               "`keyward doctor` says what is wrong.")
                             .arg(quoted(svc));
                     });
        }
        if (upstreamFailure) {
            windowed(out, service(svc, now).errors, cat(kUpstreamErrors), AlertSeverity::Warning, QString(), svc, row,
                     [&](int n) {
                         const AlertRuleSettings &settings = m_settings.rule(cat(kUpstreamErrors));
                         return QStringLiteral("%1 calls to %2 failed upstream within %3 s (server errors, timeouts or "
                                               "TLS failures). Check the service's status and `keyward service test %4`; "
                                               "`keyward log --service %4` lists the failures.")
                             .arg(n)
                             .arg(quoted(svc))
                             .arg(settings.windowSeconds)
                             .arg(svc);
                     });
        }

        // New services and path patterns, once the agent has a history.
        const QString pattern = svc + u' ' + pathPattern(row.method, row.path);
        const AlertRuleSettings &patternRule = m_settings.rule(cat(kNewPattern));
        const bool newService = !state.services.contains(svc);
        const bool newPattern = !state.patterns.contains(pattern);
        if (patternRule.enabled && !created && callsBefore >= patternRule.learningCalls && (reached || denied) &&
            (newService || newPattern)) {
            raise(out, cat(kNewPattern), AlertSeverity::Warning, name, svc, row.seq, row.seq, 1,
                  newService ? QStringLiteral("The agent %1 used the service %2 for the first time (%3 %4). If that is "
                                             "not part of its work, check %5 and %6.")
                                  .arg(quoted(name), quoted(svc), row.method, row.path, logHint, stopHint)
                             : QStringLiteral("The agent %1 called %2 on %3 (%4), a kind of path it never used "
                                              "before. If that is not part of its work, check %5 and %6.")
                                   .arg(quoted(name), pathPattern(row.method, row.path), quoted(svc), row.path, logHint,
                                        stopHint));
        }
        state.services.insert(svc);
        if (state.patterns.size() < kMaxPatternsPerAgent)
            state.patterns.insert(pattern);

        if (m_settings.rule(cat(kVolumeSpike)).enabled)
            observeVolume(out, row, now);
    }
    return out;
}

void AlertEngine::observeVolume(QList<AlertEvent> &out, const AuditRow &row, qint64 now)
{
    const QString key = row.agent + u'\x1f' + row.service;
    auto found = m_baselines.find(key);
    if (found == m_baselines.end()) {
        evictOldest(m_baselines, kMaxBaselines - 1);
        found = m_baselines.insert(key, Baseline{});
    }
    Baseline &baseline = *found;
    baseline.lastUsedMs = now;
    const qint64 minute = now / 60000;
    if (baseline.minute != minute) {
        // The minute that ended was an active one (idle minutes are not samples): fold it in.
        if (baseline.minute >= 0 && baseline.current > 0) {
            const double x = baseline.current;
            if (baseline.samples == 0) {
                baseline.mean = x;
                baseline.variance = 0;
            } else {
                const double delta = x - baseline.mean;
                baseline.mean += kEwmaAlpha * delta;
                baseline.variance = (1 - kEwmaAlpha) * (baseline.variance + kEwmaAlpha * delta * delta);
            }
            ++baseline.samples;
        }
        baseline.minute = minute;
        baseline.current = 0;
    }
    ++baseline.current;
    const AlertRuleSettings &rule = m_settings.rule(cat(kVolumeSpike));
    if (baseline.samples < kWarmupMinutes || baseline.current < rule.minCalls)
        return;
    const double deviation =
        std::max({std::sqrt(std::max(baseline.variance, 0.0)), std::sqrt(std::max(baseline.mean, 1.0)), 1.0});
    const double z = (baseline.current - baseline.mean) / deviation;
    if (z < rule.zScore)
        return;
    raise(out, cat(kVolumeSpike), AlertSeverity::Warning, row.agent, row.service, row.seq, row.seq, baseline.current,
          QStringLiteral("The agent %1 made %2 calls to %3 in one minute, far above its usual %4 per active minute. A "
                         "sudden burst can mean it is looping or pulling data out: check `keyward log --agent %5`, "
                         "and stop it with `keyward kill --agent %5` if you did not expect this.")
              .arg(quoted(row.agent))
              .arg(baseline.current)
              .arg(quoted(row.service))
              .arg(baseline.mean, 0, 'f', 1)
              .arg(row.agent));
}

void AlertEngine::observeChange(QList<AlertEvent> &out, const AuditRow &row)
{
    const QString &actor = row.agent;
    if (isOwnChange(actor))
        return;
    const QString what = row.reason.value_or(QString());
    if (row.method == QLatin1String("kill")) {
        if (!m_settings.rule(cat(kKillSwitch)).enabled)
            return;
        const QString target = row.path; // all, service:<s>, agent:<a>
        const QString agentName = target.startsWith(QLatin1String("agent:")) ? target.mid(6) : QString();
        QString resume = QStringLiteral("keyward resume");
        if (target.startsWith(QLatin1String("agent:")))
            resume += QStringLiteral(" --agent ") + agentName;
        else if (target.startsWith(QLatin1String("service:")))
            resume += QStringLiteral(" --service ") + target.mid(8);
        raise(out, cat(kKillSwitch), AlertSeverity::Warning, agentName, row.service, row.seq, row.seq, 1,
              QStringLiteral("A kill switch was engaged (%1, by %2): %3. The calls it covers are refused until `%4`.")
                  .arg(target, quoted(actor), what, resume));
        return;
    }
    if (!m_settings.rule(cat(kAccessChange)).enabled)
        return;
    if (row.method == QLatin1String("config edit")) {
        raise(out, cat(kAccessChange), AlertSeverity::Warning, QString(), row.service, row.seq, row.seq, 1,
              QStringLiteral("config.json was edited outside Keyward and the new config is in force. If you did not "
                             "edit it, review it (`keyward service list`, `keyward policy show NAME`); the previous "
                             "version is config.json.bak."));
        return;
    }
    if (!isWideningCommand(row.method))
        return;
    raise(out, cat(kAccessChange), AlertSeverity::Warning, QString(), row.service, row.seq, row.seq, 1,
          QStringLiteral("`keyward %1 %2` was run by %3: %4. This can widen what agents may do; if you did not make "
                         "this change, undo it and check `keyward log --decision change`.")
              .arg(row.method, row.path, quoted(actor), what));
}

qint64 AlertEngine::approximateMemoryBytes() const
{
    // A QHash node holds the key, the value and a little bookkeeping; windows hold Events.
    constexpr qint64 kNodeOverhead = 32;
    auto windowBytes = [](const Window &window) { return qint64(sizeof(Window)) + qint64(window.size() * sizeof(Event)); };
    qint64 bytes = 0;
    for (auto it = m_agents.cbegin(); it != m_agents.cend(); ++it) {
        bytes += kNodeOverhead + stringBytes(it.key()) + qint64(sizeof(AgentState));
        for (const QString &service : it->services)
            bytes += kNodeOverhead + stringBytes(service);
        for (const QString &pattern : it->patterns)
            bytes += kNodeOverhead + stringBytes(pattern);
        for (const Window *window : {&it->denials, &it->rateHits, &it->signs, &it->probes, &it->offSchedule})
            bytes += windowBytes(*window) - qint64(sizeof(Window));
    }
    for (auto it = m_baselines.cbegin(); it != m_baselines.cend(); ++it)
        bytes += kNodeOverhead + stringBytes(it.key()) + qint64(sizeof(Baseline));
    for (auto it = m_services.cbegin(); it != m_services.cend(); ++it)
        bytes += kNodeOverhead + stringBytes(it.key()) + qint64(sizeof(ServiceState)) + windowBytes(it->errors) +
                 windowBytes(it->keychain) - 2 * qint64(sizeof(Window));
    for (auto it = m_open.cbegin(); it != m_open.cend(); ++it)
        bytes += kNodeOverhead + stringBytes(it.key()) + qint64(sizeof(OpenAlert)) + stringBytes(it->alert.message);
    return bytes;
}

} // namespace keyward
