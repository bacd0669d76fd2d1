#include "alerts/notificationthrottle.h"

#include "policy/schedule.h"

namespace keyward {

NotificationThrottle::Decision NotificationThrottle::admit(const Alert &alert, bool wantsNotify,
                                                           const AlertSettings &settings, const QDateTime &now,
                                                           const QTimeZone &zone)
{
    if (!settings.enabled || !wantsNotify)
        return {};
    CategoryState &state = m_categories[alert.category];
    if (alert.severity != AlertSeverity::Critical && !settings.quietHours.isEmpty()) {
        if (const auto window = policy::parseScheduleWindow(settings.quietHours)) {
            policy::Schedule quiet;
            quiet.windows.append(*window);
            if (policy::isOpen(quiet, now, zone)) {
                ++state.heldBack;
                return {};
            }
        }
    }
    if (state.lastShown.isValid() && state.lastShown.secsTo(now) < kIntervalSeconds) {
        ++state.heldBack;
        return {};
    }
    Decision decision{true, state.heldBack};
    state.lastShown = now;
    state.heldBack = 0;
    return decision;
}

} // namespace keyward
