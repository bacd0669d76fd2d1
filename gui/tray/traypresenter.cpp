#include "tray/traypresenter.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "config/homelock.h"

#include <algorithm>

namespace keyward::gui {

namespace {

// How long a click waits for the home's lock held by an admin command (the CLI holds it briefly).
constexpr int kLockTimeoutMs = 2000;

} // namespace

TrayPresenter::TrayPresenter(const KeywardHome &home, KillState &kills, AuditLog &audit, CallCounter callsToday,
                             ServiceLister services, QObject *parent)
    : QObject(parent),
      m_home(home),
      m_kills(kills),
      m_audit(audit),
      m_callsToday(std::move(callsToday)),
      m_services(std::move(services))
{
    m_calls = m_callsToday ? m_callsToday() : 0;
    connect(&m_kills, &KillState::changed, this, &TrayPresenter::refresh);
    connect(&m_kills, &KillState::changed, this, &TrayPresenter::stateChanged);
}

TrayState TrayPresenter::state() const
{
    if (killed())
        return TrayState::Killed;
    return m_unseenAlerts > 0 ? TrayState::Alert : TrayState::Active;
}

void TrayPresenter::setUnseenAlerts(qint64 count)
{
    if (count == m_unseenAlerts)
        return;
    m_unseenAlerts = count;
    Q_EMIT stateChanged();
}

QString TrayPresenter::alertsText() const
{
    if (m_unseenAlerts <= 0)
        return QString();
    return m_unseenAlerts == 1 ? tr(" · 1 new alert") : tr(" · %1 new alerts").arg(m_unseenAlerts);
}

QString TrayPresenter::toolTip() const
{
    if (killed())
        return tr("Keyward — all agents stopped");
    return tr("Keyward — active · %1").arg(callsText()) + alertsText();
}

QString TrayPresenter::statusLine() const
{
    if (killed())
        return tr("All agents stopped");
    const qsizetype stopped = m_kills.switches().services.size();
    if (stopped == 1)
        return tr("Active · 1 service stopped · %1").arg(callsText()) + alertsText();
    if (stopped > 1)
        return tr("Active · %1 services stopped · %2").arg(stopped).arg(callsText()) + alertsText();
    return tr("Active · %1").arg(callsText()) + alertsText();
}

QString TrayPresenter::callsText() const
{
    return m_calls == 1 ? tr("1 call today") : tr("%1 calls today").arg(m_calls);
}

QStringList TrayPresenter::services() const
{
    QStringList names = m_services ? m_services() : QStringList();
    std::sort(names.begin(), names.end());
    return names;
}

bool TrayPresenter::serviceKilled(const QString &service) const
{
    return m_kills.switches().services.contains(service);
}

Result<void> TrayPresenter::setKilled(bool killed)
{
    return change(killed ? KillAction::Kill : KillAction::Resume, KillTarget::all());
}

Result<void> TrayPresenter::setServiceKilled(const QString &service, bool killed)
{
    return change(killed ? KillAction::Kill : KillAction::Resume, KillTarget::service(service));
}

void TrayPresenter::refresh()
{
    const qint64 calls = m_callsToday ? m_callsToday() : 0;
    if (calls == m_calls)
        return;
    m_calls = calls;
    Q_EMIT stateChanged();
}

Result<void> TrayPresenter::change(KillAction action, const KillTarget &target)
{
    auto fail = [this](const Error &error) -> Result<void> {
        Q_EMIT failed(error.message);
        return error;
    };
    auto lock = HomeLock::acquire(m_home, kLockTimeoutMs);
    if (!lock)
        return fail(lock.error());
    const auto changed = action == KillAction::Kill ? m_kills.kill(target) : m_kills.resume(target);
    if (!changed)
        return fail(changed.error());
    const bool kill = action == KillAction::Kill;
    const QString what = target.describe();
    QString outcome;
    if (target.kind == KillTarget::Kind::All)
        outcome = kill ? QStringLiteral("Engaged the global kill switch")
                       : QStringLiteral("Lifted the global kill switch");
    else
        outcome = kill ? QStringLiteral("Killed %1").arg(what) : QStringLiteral("Resumed %1").arg(what);
    if (!changed->changed())
        outcome += QStringLiteral(" (it already was)");
    const QString summary = outcome + QStringLiteral(" from the tray; now killed: ") + changed->after.describe();
    const auto recorded = recordChange(m_audit, kill ? QStringLiteral("kill") : QStringLiteral("resume"),
                                       target.rule().mid(int(qstrlen("kill:"))), summary,
                                       QString::fromLatin1(kAuditAgent),
                                       target.kind == KillTarget::Kind::Service ? target.name : QString(),
                                       QStringLiteral("keyward-tray"));
    if (!recorded) {
        return fail(Error{recorded.error().code,
                          tr("%1, but the change could not be recorded in the audit log: %2")
                              .arg(outcome, recorded.error().message)});
    }
    return {};
}

} // namespace keyward::gui
