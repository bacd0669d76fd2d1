#pragma once

#include "alerts/alertsettings.h"
#include "core/keywardhome.h"

#include <QObject>
#include <QString>

#include <functional>

namespace keyward {
class AlertCenter;
class AuditLog;
} // namespace keyward

namespace keyward::gui {

// What the Alerts window does, without widgets: marks alerts seen, and turns a category's "Record"
// (rule enabled) and "Notify" toggles on or off through admin::changeAlertRule (one audited change
// row by agent "tray", client "keyward-tray"), then calls `reload` so the running core (and the
// AlertCenter's settings) follow config.json. Each action returns whether it worked; when not,
// errorText() says why (shown inline by the window).
class AlertsPresenter : public QObject {
    Q_OBJECT
public:
    AlertsPresenter(AlertCenter &center, const KeywardHome &home, AuditLog &audit, std::function<void()> reload,
                    QObject *parent = nullptr);

    // The settings in force (AlertCenter::settings()).
    const AlertSettings &settings() const;
    // "22:00-07:00 (only critical alerts notify then)" or "none", for display.
    QString quietHoursText() const;

    bool setRecord(const QString &category, bool enabled);
    bool setNotify(const QString &category, bool notify);
    // Marks every alert seen (AlertCenter::markSeen()).
    bool markAllSeen();

    // Why the last action failed; empty after one that worked.
    QString errorText() const { return m_error; }

Q_SIGNALS:
    // A toggle was saved and the config reloaded: show settings() again.
    void settingsChanged();
    // errorText() changed.
    void errorChanged(const QString &text);

private:
    bool change(const QString &category, std::optional<bool> enabled, std::optional<bool> notify);
    void setError(const QString &text);

    AlertCenter &m_center;
    KeywardHome m_home;
    AuditLog &m_audit;
    std::function<void()> m_reload;
    QString m_error;
};

} // namespace keyward::gui
