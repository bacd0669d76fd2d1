#include "windows/alertspresenter.h"

#include "alerts/alertcenter.h"
#include "alerts/alertsettingsadmin.h"

namespace keyward::gui {

AlertsPresenter::AlertsPresenter(AlertCenter &center, const KeywardHome &home, AuditLog &audit, std::function<void()> reload,
                                 QObject *parent)
    : QObject(parent), m_center(center), m_home(home), m_audit(audit), m_reload(std::move(reload))
{
}

const AlertSettings &AlertsPresenter::settings() const { return m_center.settings(); }

QString AlertsPresenter::quietHoursText() const
{
    const QString quiet = settings().quietHours;
    if (quiet.isEmpty())
        return tr("none");
    return tr("%1 (only critical alerts notify then)").arg(quiet);
}

bool AlertsPresenter::setRecord(const QString &category, bool enabled) { return change(category, enabled, std::nullopt); }

bool AlertsPresenter::setNotify(const QString &category, bool notify) { return change(category, std::nullopt, notify); }

bool AlertsPresenter::change(const QString &category, std::optional<bool> enabled, std::optional<bool> notify)
{
    admin::AlertRuleEdit edit;
    edit.enabled = enabled;
    edit.notify = notify;
    const auto changed =
        admin::changeAlertRule(m_home, m_audit, category, edit, QStringLiteral("tray"), QStringLiteral("keyward-tray"));
    if (!changed) {
        setError(tr("The alert settings were not changed: %1").arg(changed.error().message));
        Q_EMIT settingsChanged(); // the toggles show the settings in force again
        return false;
    }
    if (m_reload)
        m_reload();
    setError(QString());
    Q_EMIT settingsChanged();
    return true;
}

bool AlertsPresenter::markAllSeen()
{
    const auto marked = m_center.markSeen();
    if (!marked) {
        setError(tr("The alerts could not be marked seen: %1").arg(marked.error().message));
        return false;
    }
    setError(QString());
    return true;
}

void AlertsPresenter::setError(const QString &text)
{
    if (text == m_error)
        return;
    m_error = text;
    Q_EMIT errorChanged(m_error);
}

} // namespace keyward::gui
