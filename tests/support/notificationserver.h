#pragma once

#include <QDBusConnection>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QVariantMap>

namespace keyward::test {

// A tiny org.freedesktop.Notifications server on the session bus for end-to-end tests: answers
// Notify with a fresh id and records the call, and sends ActionInvoked on request, as a desktop's
// notification daemon does when the user presses a button. Register it before the owner starts.
class NotificationServer : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call {
        uint id = 0;
        QString appName;
        QString summary;
        QString body;
        QStringList actions; // key, label, key, label...
        QVariantMap hints;
    };

    explicit NotificationServer(QObject *parent = nullptr);
    ~NotificationServer() override;

    // Takes the name org.freedesktop.Notifications on the session bus; false (with `error`) when
    // there is no bus or another process owns the name.
    bool registerOnSessionBus(QString *error);

    const QList<Call> &calls() const { return m_calls; }
    // The calls whose body mentions `text` (tests running in parallel share the bus).
    QList<Call> callsMentioning(const QString &text) const;
    // Emits ActionInvoked(id, actionKey) from the notification service's object, as a press.
    bool invokeAction(uint id, const QString &actionKey);

public Q_SLOTS:
    uint Notify(const QString &appName, uint replacesId, const QString &appIcon, const QString &summary,
                const QString &body, const QStringList &actions, const QVariantMap &hints, int expireTimeout);
    QStringList GetCapabilities();
    void CloseNotification(uint id);

private:
    QDBusConnection m_bus;
    QList<Call> m_calls;
    uint m_nextId = 1;
    bool m_registered = false;
};

} // namespace keyward::test
