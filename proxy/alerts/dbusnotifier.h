#pragma once

#include "alerts/notifier.h"

#include <QDBusConnection>

#include <map>

namespace keyward {

// Desktop notifications through org.freedesktop.Notifications on the session bus (the Desktop
// Notifications Specification): Notify with the actions "Stop this agent" (only when the
// notification names an agent), "Kill all" and "Open audit", urgency from the severity (critical
// = 2), icon `io.github.keyward.Keyward`, and the server's ActionInvoked signal turned into
// actionInvoked() for the ids this notifier received. NotificationClosed forgets an id; at most
// kMaxTracked ids are remembered (the oldest go first). Without a session bus or a notification
// server, notify() logs once and does nothing else.
class DBusNotifier : public Notifier {
    Q_OBJECT
public:
    static constexpr int kMaxTracked = 64;
    static constexpr const char *kService = "org.freedesktop.Notifications";
    static constexpr const char *kPath = "/org/freedesktop/Notifications";

    explicit DBusNotifier(QDBusConnection bus = QDBusConnection::sessionBus(), QObject *parent = nullptr);

    void notify(const Notification &notification) override;

private Q_SLOTS:
    void onActionInvoked(uint id, const QString &actionKey);
    void onClosed(uint id, uint reason);

private:
    QDBusConnection m_bus;
    std::map<uint, QString> m_agents; // notification id → the agent it offered to stop
    bool m_warned = false;
};

} // namespace keyward
