#include "alerts/alertcenter.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "config/configstore.h"
#include "config/homelock.h"
#include "core/logging.h"
#include "state/killstate.h"

namespace keyward {

namespace {

using namespace alert_categories;

const auto &log()
{
    static const auto logger = keyward::logger("core.alerts");
    return logger;
}

QString quoted(const QString &name) { return u'\'' + name + u'\''; }

// The one-line notification summary of an alert.
QString summaryOf(const Alert &alert)
{
    const QString agent = quoted(alert.agent);
    const QString service = quoted(alert.service);
    const QString &c = alert.category;
    QString text;
    if (c == QLatin1String(kDenialBurst))
        text = QStringLiteral("denied calls from %1").arg(agent);
    else if (c == QLatin1String(kRateLimit))
        text = QStringLiteral("%1 hit a rate limit").arg(agent);
    else if (c == QLatin1String(kNewAgent))
        text = QStringLiteral("new agent %1").arg(agent);
    else if (c == QLatin1String(kNewPattern))
        text = QStringLiteral("%1 did something new").arg(agent);
    else if (c == QLatin1String(kOutsideSchedule))
        text = QStringLiteral("%1 called outside its schedule").arg(agent);
    else if (c == QLatin1String(kVolumeSpike))
        text = QStringLiteral("call spike from %1").arg(agent);
    else if (c == QLatin1String(kUpstreamErrors))
        text = QStringLiteral("%1 is failing").arg(service);
    else if (c == QLatin1String(kExfiltration))
        text = QStringLiteral("%1 may be after your credentials").arg(agent);
    else if (c == QLatin1String(kKeychain))
        text = QStringLiteral("the secret of %1 cannot be read").arg(service);
    else if (c == QLatin1String(kKillSwitch))
        text = QStringLiteral("a kill switch was engaged");
    else if (c == QLatin1String(kAccessChange))
        text = QStringLiteral("access was changed");
    else
        text = c;
    return QStringLiteral("Keyward: ") + text;
}

} // namespace

AlertCenter::AlertCenter(const KeywardHome &home, AuditLog &audit, ConfigStore &config, KillState &kills, QObject *parent)
    : QObject(parent), m_home(home), m_audit(audit), m_config(config), m_kills(kills), m_store(home.auditDatabase())
{
    m_handEdit.setSingleShot(true);
    m_handEdit.setInterval(kHandEditGraceMs);
    connect(&m_handEdit, &QTimer::timeout, this, &AlertCenter::checkHandEdit);
    m_flush.setSingleShot(true);
    m_flush.setInterval(kFlushIntervalMs);
    connect(&m_flush, &QTimer::timeout, this, &AlertCenter::flush);
}

AlertCenter::~AlertCenter()
{
    flush();
    if (m_started)
        m_audit.setAppendObserver({});
}

void AlertCenter::setNotifier(Notifier *notifier)
{
    if (m_notifier)
        disconnect(m_notifier, nullptr, this, nullptr);
    m_notifier = notifier;
    if (m_notifier)
        connect(m_notifier, &Notifier::actionInvoked, this, &AlertCenter::onAction);
}

void AlertCenter::setClock(AlertEngine::Clock clock) { m_engine.setClock(std::move(clock)); }

void AlertCenter::setTimeZone(const QTimeZone &zone)
{
    m_zone = zone;
    m_engine.setTimeZone(zone);
}

Result<void> AlertCenter::start()
{
    if (m_started)
        return {};
    if (auto opened = m_store.open(); !opened)
        return opened.error();
    applySettings();
    const auto history = m_store.recentCalls(kHistoryRows);
    if (!history)
        return history.error();
    for (const AuditRow &row : *history)
        m_engine.learn(row);
    const auto last = m_store.lastSeq();
    if (!last)
        return last.error();
    m_lastSeq = *last;
    m_audit.setAppendObserver([this](const AuditRow &row) { onAppended(row); });
    connect(&m_config, &ConfigStore::changed, this, &AlertCenter::onConfigChanged);
    m_started = true;
    updateUnseen();
    log()->info("alerts: watching from seq {} ({} agents known)", m_lastSeq, m_engine.agentCount());
    return {};
}

void AlertCenter::applySettings()
{
    const auto settings = alertSettingsFromText(m_config.config().settings.notificationsJson);
    if (!settings) {
        log()->warn("settings.notifications is invalid, the alert defaults apply: {}",
                    settings.error().message.toStdString());
        m_engine.setSettings(AlertSettings::defaults());
        return;
    }
    m_engine.setSettings(*settings);
}

void AlertCenter::onConfigChanged()
{
    applySettings();
    m_configChangedAt = QDateTime::currentDateTimeUtc();
    m_handEdit.start();
}

void AlertCenter::checkHandEdit()
{
    refresh();
    // An admin command records its change row right after saving: one close to the change means
    // the command made it.
    if (m_lastChangeRow.isValid() && m_lastChangeRow >= m_configChangedAt.addSecs(-5))
        return;
    const auto recorded = recordChange(m_audit, QStringLiteral("config edit"), QStringLiteral("config.json"),
                                       QStringLiteral("config.json was changed outside Keyward; the new config is in force"),
                                       QStringLiteral("hand-edit"));
    if (!recorded)
        log()->error("the hand edit of config.json could not be audited: {}", recorded.error().message.toStdString());
}

void AlertCenter::onAppended(const AuditRow &row)
{
    m_pending.push_back(row);
    drain();
}

void AlertCenter::drain()
{
    // Rows appended while an alert is handled (the automatic kill's change row, calls it aborted)
    // queue up here and are handled in order after it.
    if (m_draining)
        return;
    m_draining = true;
    while (!m_pending.empty()) {
        const AuditRow row = std::move(m_pending.front());
        m_pending.pop_front();
        if (row.seq <= m_lastSeq)
            continue;
        if (row.seq > m_lastSeq + 1)
            catchUp(row.seq);
        process(row);
    }
    m_draining = false;
}

void AlertCenter::catchUp(qint64 beforeSeq)
{
    AuditFilter filter;
    filter.afterSeq = m_lastSeq;
    filter.limit = kCatchUpRows;
    const auto rows = m_audit.query(filter);
    if (!rows) {
        log()->warn("alerts could not read the audit rows of other processes: {}", rows.error().message.toStdString());
        return;
    }
    for (const AuditRow &row : *rows) {
        if (row.seq < beforeSeq && row.seq > m_lastSeq)
            process(row);
    }
}

void AlertCenter::process(const AuditRow &row)
{
    m_lastSeq = std::max(m_lastSeq, row.seq);
    if (row.decision == QLatin1String("change") && (!m_lastChangeRow.isValid() || row.time > m_lastChangeRow))
        m_lastChangeRow = row.time;
    for (AlertEvent &event : m_engine.observe(row))
        handle(std::move(event));
}

void AlertCenter::handle(AlertEvent event)
{
    Alert &alert = event.alert;
    const bool agentKilled = !alert.agent.isEmpty() && m_kills.switches().agents.contains(alert.agent);
    bool acted = false;
    if (event.autoKill && !agentKilled) {
        const auto stopped = engage(KillTarget::agent(alert.agent), QStringLiteral("alerts"),
                                    QStringLiteral("automatic response to the %1 alert").arg(alert.category));
        if (stopped) {
            alert.actionTaken = QStringLiteral("killed agent '%1'").arg(alert.agent);
            alert.message += QStringLiteral(" Keyward stopped the agent '%1' on its own; once you have checked, resume "
                                            "it with `keyward resume --agent %1`.")
                                 .arg(alert.agent);
        } else {
            alert.message += QStringLiteral(" Keyward could not stop the agent on its own (%1): stop it with `keyward "
                                            "kill --agent %2`.")
                                 .arg(stopped.error().message, alert.agent);
        }
        acted = true;
    }

    if (!event.isNew) {
        const auto found = m_stored.find(event.key);
        if (found != m_stored.end()) {
            alert.id = found->id;
            if (acted) {
                found->message = alert.message;
                found->actionTaken = alert.actionTaken;
            } else {
                alert.message = found->message;
                alert.actionTaken = found->actionTaken;
            }
            m_grown.insert(alert.id, alert);
            if (!m_flush.isActive())
                m_flush.start();
            return;
        }
        // Not stored by this process (forgotten, or raised before a restart): store it afresh.
    }

    const auto id = m_store.insert(alert);
    if (!id) {
        log()->error("an alert could not be stored: {}", id.error().message.toStdString());
        return;
    }
    alert.id = *id;
    if (m_stored.size() >= AlertEngine::kMaxOpenAlerts)
        m_stored.clear();
    m_stored.insert(event.key, Stored{alert.id, alert.message, alert.actionTaken});
    log()->info("alert {} ({}, {}): agent '{}', service '{}', seq {}..{}", alert.id, alert.category.toStdString(),
                severityName(alert.severity).toStdString(), alert.agent.toStdString(), alert.service.toStdString(),
                alert.firstSeq, alert.lastSeq);
    Q_EMIT alertRaised(alert);
    Q_EMIT alertsChanged();
    updateUnseen();

    const auto decision = m_throttle.admit(alert, event.notify, m_engine.settings(), m_engine.now(), m_zone);
    if (decision.show)
        showNotification(alert, decision.heldBack);
}

void AlertCenter::showNotification(const Alert &alert, int heldBack)
{
    if (!m_notifier)
        return;
    Notification notification;
    notification.summary = summaryOf(alert);
    notification.body = alert.message;
    if (heldBack > 0) {
        notification.body += QStringLiteral("\n(%1 more alert%2 of this kind held back since the last notification: "
                                            "`keyward alerts` lists them.)")
                                 .arg(heldBack)
                                 .arg(heldBack == 1 ? QString() : QStringLiteral("s"));
    }
    notification.severity = alert.severity;
    notification.agent = alert.agent;
    m_notifier->notify(notification);
}

void AlertCenter::onAction(NotificationAction action, const QString &agent)
{
    Result<void> done;
    switch (action) {
    case NotificationAction::StopAgent:
        done = stopAgent(agent, QStringLiteral("notification"), QStringLiteral("\"Stop this agent\" in a notification"));
        break;
    case NotificationAction::KillAll:
        done = killAll(QStringLiteral("notification"), QStringLiteral("\"Kill all\" in a notification"));
        break;
    case NotificationAction::OpenAudit:
        Q_EMIT openAuditRequested();
        return;
    }
    if (!done)
        log()->error("a notification button could not stop the calls: {}", done.error().message.toStdString());
}

Result<void> AlertCenter::stopAgent(const QString &agent, const QString &actor, const QString &why)
{
    if (agent.isEmpty())
        return Error{QStringLiteral("invalid_argument"), QStringLiteral("no agent named to stop")};
    return engage(KillTarget::agent(agent), actor, why);
}

Result<void> AlertCenter::killAll(const QString &actor, const QString &why) { return engage(KillTarget::all(), actor, why); }

Result<void> AlertCenter::engage(const KillTarget &target, const QString &actor, const QString &why)
{
    auto lock = HomeLock::acquire(m_home, kLockTimeoutMs);
    if (!lock)
        return lock.error();
    const auto change = m_kills.kill(target);
    if (!change)
        return change.error();
    log()->warn("killed {} ({})", target.describe().toStdString(), why.toStdString());
    const QString summary =
        QStringLiteral("Killed %1 (%2); now killed: %3").arg(target.describe(), why, change->after.describe());
    const auto recorded =
        recordChange(m_audit, QStringLiteral("kill"), target.rule().mid(int(qstrlen("kill:"))), summary, actor,
                     target.kind == KillTarget::Kind::Service ? target.name : QString());
    if (!recorded) {
        return Error{recorded.error().code,
                     QStringLiteral("%1 is killed, but the change could not be recorded in the audit log: %2")
                         .arg(target.describe(), recorded.error().message)};
    }
    return {};
}

void AlertCenter::flush()
{
    m_flush.stop();
    if (m_grown.isEmpty())
        return;
    for (const Alert &alert : std::as_const(m_grown)) {
        if (const auto updated = m_store.update(alert); !updated)
            log()->error("an alert could not be updated: {}", updated.error().message.toStdString());
    }
    m_grown.clear();
    Q_EMIT alertsChanged();
}

Result<QList<Alert>> AlertCenter::alerts(int limit, bool onlyUnseen)
{
    flush();
    return m_store.list(limit, onlyUnseen);
}

Result<int> AlertCenter::markSeen(const QList<qint64> &ids)
{
    flush();
    auto marked = m_store.markSeen(ids);
    if (!marked)
        return marked;
    if (*marked > 0)
        Q_EMIT alertsChanged();
    updateUnseen();
    return marked;
}

void AlertCenter::refresh()
{
    if (!m_started)
        return;
    const auto last = m_store.lastSeq();
    if (last && *last > m_lastSeq && !m_draining) {
        m_draining = true;
        catchUp(*last + 1);
        m_draining = false;
        drain();
    }
    updateUnseen();
}

void AlertCenter::updateUnseen()
{
    const auto unseen = m_store.unseenCount();
    if (!unseen) {
        log()->warn("the unseen alerts could not be counted: {}", unseen.error().message.toStdString());
        return;
    }
    if (*unseen == m_unseen)
        return;
    m_unseen = *unseen;
    Q_EMIT unseenCountChanged(m_unseen);
}

} // namespace keyward
