#include "alerts/notifier.h"

namespace keyward {

QString notificationActionKey(NotificationAction action)
{
    switch (action) {
    case NotificationAction::StopAgent:
        return QStringLiteral("stop-agent");
    case NotificationAction::KillAll:
        return QStringLiteral("kill-all");
    case NotificationAction::OpenAudit:
        return QStringLiteral("open-audit");
    }
    return {};
}

std::optional<NotificationAction> notificationActionFromKey(const QString &key)
{
    for (const NotificationAction action :
         {NotificationAction::StopAgent, NotificationAction::KillAll, NotificationAction::OpenAudit}) {
        if (notificationActionKey(action) == key)
            return action;
    }
    return std::nullopt;
}

} // namespace keyward
