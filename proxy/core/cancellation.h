#pragma once

#include <QString>

#include <functional>
#include <map>
#include <memory>

namespace keyward {

// A one-shot cancellation signal shared between whoever can give up on work (a transport whose
// client disconnected, a bridge that went away) and the work itself (an upstream call). Used on
// one thread (the event loop's). cancel() runs every registered callback once, in registration
// order; a callback registered after cancel() runs at once. Callbacks may unregister others.
class Cancellation {
public:
    using Callback = std::function<void(const QString &reason)>;
    using Registration = int;

    static std::shared_ptr<Cancellation> create() { return std::make_shared<Cancellation>(); }

    bool isCancelled() const { return m_cancelled; }
    // Why it was cancelled, in a few words ("client disconnected"); empty until cancelled.
    QString reason() const { return m_reason; }

    // Cancels once; later calls do nothing.
    void cancel(const QString &reason);

    // Runs `callback` on cancel (at once when already cancelled, returning 0). Keep the returned
    // registration to remove it when the work ends first.
    Registration onCancel(Callback callback);
    void remove(Registration registration);

private:
    bool m_cancelled = false;
    QString m_reason;
    Registration m_next = 1;
    std::map<Registration, Callback> m_callbacks;
};

} // namespace keyward
