#pragma once

#include "alerts/alert.h"

#include <QObject>
#include <QString>

namespace keyward {

// The buttons a desktop notification offers (DESIGN.md "GUI": notifications on anomalies).
enum class NotificationAction { StopAgent, KillAll, OpenAudit };

// The action keys sent over org.freedesktop.Notifications: "stop-agent", "kill-all", "open-audit".
QString notificationActionKey(NotificationAction action);
std::optional<NotificationAction> notificationActionFromKey(const QString &key);

// One desktop notification.
struct Notification {
    QString summary;  // one short line: "Keyward: denied calls from 'bot'"
    QString body;     // the alert's message (plain text; the notifier escapes it for markup)
    AlertSeverity severity = AlertSeverity::Warning;
    QString agent;    // the agent "Stop this agent" stops; empty: that button is not offered
};

// Shows desktop notifications and reports the button the user pressed. The owner's AlertCenter
// calls notify(); the implementation is per platform: DBusNotifier (org.freedesktop.Notifications
// over QtDBus) on Linux. Elsewhere a notifier built on QSystemTrayIcon::showMessage belongs in
// the GUI (it needs QtWidgets) and is handed to the AlertCenter by app/; tests use a fake.
//
// Contract: notify() never blocks and never fails loudly (a missing notification service is
// logged once); actionInvoked() is emitted on the notifier's thread, at most once per pressed
// button, only for notifications this notifier showed, with the agent given to notify().
class Notifier : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void notify(const Notification &notification) = 0;

Q_SIGNALS:
    void actionInvoked(keyward::NotificationAction action, const QString &agent);
};

} // namespace keyward
