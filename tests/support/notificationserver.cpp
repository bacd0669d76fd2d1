#include "support/notificationserver.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>

namespace keyward::test {

namespace {
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
} // namespace

NotificationServer::NotificationServer(QObject *parent) : QObject(parent), m_bus(QDBusConnection::sessionBus()) {}

NotificationServer::~NotificationServer()
{
    if (m_registered) {
        m_bus.unregisterObject(kPath);
        m_bus.unregisterService(kService);
    }
}

bool NotificationServer::registerOnSessionBus(QString *error)
{
    if (!m_bus.isConnected()) {
        *error = QStringLiteral("no session bus: run the test under dbus-run-session");
        return false;
    }
    if (!m_bus.registerObject(kPath, this, QDBusConnection::ExportAllSlots)) {
        *error = QStringLiteral("could not export the notification object: ") + m_bus.lastError().message();
        return false;
    }
    if (!m_bus.registerService(kService)) {
        *error = QStringLiteral("could not own org.freedesktop.Notifications: ") + m_bus.lastError().message();
        m_bus.unregisterObject(kPath);
        return false;
    }
    m_registered = true;
    return true;
}

QList<NotificationServer::Call> NotificationServer::callsMentioning(const QString &text) const
{
    QList<Call> found;
    for (const Call &call : m_calls) {
        if (call.body.contains(text) || call.summary.contains(text))
            found << call;
    }
    return found;
}

bool NotificationServer::invokeAction(uint id, const QString &actionKey)
{
    QDBusMessage signal = QDBusMessage::createSignal(kPath, kService, QStringLiteral("ActionInvoked"));
    signal << id << actionKey;
    return m_bus.send(signal);
}

uint NotificationServer::Notify(const QString &appName, uint, const QString &, const QString &summary,
                                const QString &body, const QStringList &actions, const QVariantMap &hints, int)
{
    Call call;
    call.id = m_nextId++;
    call.appName = appName;
    call.summary = summary;
    call.body = body;
    call.actions = actions;
    call.hints = hints;
    m_calls.append(call);
    return call.id;
}

QStringList NotificationServer::GetCapabilities() { return {QStringLiteral("actions"), QStringLiteral("body")}; }

void NotificationServer::CloseNotification(uint) {}

} // namespace keyward::test
