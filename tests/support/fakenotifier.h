#pragma once

#include "alerts/notifier.h"

#include <QList>

namespace keyward {

// A Notifier for unit tests: records every notification and lets the test press its buttons.
class FakeNotifier : public Notifier {
    Q_OBJECT
public:
    using Notifier::Notifier;

    void notify(const Notification &notification) override { shown.append(notification); }
    // Emits actionInvoked() as a press on notification `index` (the agent it named).
    void press(NotificationAction action, int index = -1)
    {
        const Notification &pressed = index < 0 ? shown.last() : shown.at(index);
        Q_EMIT actionInvoked(action, pressed.agent);
    }

    QList<Notification> shown;
};

} // namespace keyward
