#include "alerts/dbusnotifier.h"

#include "core/logging.h"

#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QVariantMap>

namespace keyward {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.alerts");
    return logger;
}

// Notification bodies may be rendered as markup: show the text as written.
QString escaped(const QString &text) { return text.toHtmlEscaped(); }

const QString kInterface = QStringLiteral("org.freedesktop.Notifications");

} // namespace

DBusNotifier::DBusNotifier(QDBusConnection bus, QObject *parent) : Notifier(parent), m_bus(std::move(bus))
{
    if (!m_bus.isConnected())
        return;
    const QString service = QString::fromLatin1(kService);
    const QString path = QString::fromLatin1(kPath);
    m_bus.connect(service, path, kInterface, QStringLiteral("ActionInvoked"), this, SLOT(onActionInvoked(uint, QString)));
    m_bus.connect(service, path, kInterface, QStringLiteral("NotificationClosed"), this, SLOT(onClosed(uint, uint)));
}

void DBusNotifier::notify(const Notification &notification)
{
    if (!m_bus.isConnected()) {
        if (!m_warned)
            log()->info("no D-Bus session bus: alerts are stored but not shown as desktop notifications");
        m_warned = true;
        return;
    }
    QStringList actions;
    if (!notification.agent.isEmpty())
        actions << notificationActionKey(NotificationAction::StopAgent) << tr("Stop this agent");
    actions << notificationActionKey(NotificationAction::KillAll) << tr("Kill all");
    actions << notificationActionKey(NotificationAction::OpenAudit) << tr("Open audit");
    QVariantMap hints;
    const uchar urgency = notification.severity == AlertSeverity::Critical ? 2
                          : notification.severity == AlertSeverity::Warning ? 1
                                                                             : 0;
    hints.insert(QStringLiteral("urgency"), QVariant::fromValue(urgency));
    hints.insert(QStringLiteral("desktop-entry"), QStringLiteral("io.github.keyward.Keyward"));

    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                                                       kInterface, QStringLiteral("Notify"));
    call << QStringLiteral("Keyward") << uint(0) << QStringLiteral("io.github.keyward.Keyward") << notification.summary
         << escaped(notification.body) << actions << hints << int(-1);
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    const QString agent = notification.agent;
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, agent](QDBusPendingCallWatcher *finished) {
        finished->deleteLater();
        const QDBusPendingReply<uint> reply = *finished;
        if (reply.isError()) {
            if (!m_warned) {
                log()->info("no desktop notification service answered ({}): alerts are stored and shown in the tray "
                            "and by `keyward alerts`",
                            reply.error().message().toStdString());
            }
            m_warned = true;
            return;
        }
        m_warned = false;
        while (m_agents.size() >= size_t(kMaxTracked))
            m_agents.erase(m_agents.begin());
        m_agents[reply.value()] = agent;
    });
}

void DBusNotifier::onActionInvoked(uint id, const QString &actionKey)
{
    const auto found = m_agents.find(id);
    if (found == m_agents.end())
        return; // not ours
    const auto action = notificationActionFromKey(actionKey);
    if (!action)
        return;
    const QString agent = found->second;
    if (*action == NotificationAction::StopAgent && agent.isEmpty())
        return;
    log()->info("notification action {} pressed", actionKey.toStdString());
    Q_EMIT actionInvoked(*action, agent);
}

void DBusNotifier::onClosed(uint id, uint) { m_agents.erase(id); }

} // namespace keyward
