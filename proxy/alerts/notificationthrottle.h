#pragma once

#include "alerts/alert.h"
#include "alerts/alertsettings.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QTimeZone>

#include <optional>

namespace keyward {

// Decides which new alerts become desktop notifications, so a burst never floods the desktop:
// at most one notification per category per kIntervalSeconds; the ones held back are counted and
// the next notification of that category carries the count. Nothing is shown when notifications
// are off (settings.enabled), for a rule whose `notify` is off, or during quiet hours unless the
// alert is critical. Pure logic, time passed in.
class NotificationThrottle {
public:
    static constexpr int kIntervalSeconds = 60;

    struct Decision {
        bool show = false;
        int heldBack = 0; // alerts of this category not shown since the last notification of it
    };

    // `wantsNotify` is the rule's setting as AlertEngine reported it (AlertEvent::notify).
    Decision admit(const Alert &alert, bool wantsNotify, const AlertSettings &settings, const QDateTime &now,
                   const QTimeZone &zone = QTimeZone::systemTimeZone());

private:
    struct CategoryState {
        QDateTime lastShown;
        int heldBack = 0;
    };
    QHash<QString, CategoryState> m_categories;
};

} // namespace keyward
