#include "core/cancellation.h"

namespace keyward {

void Cancellation::cancel(const QString &reason)
{
    if (m_cancelled)
        return;
    m_cancelled = true;
    m_reason = reason;
    // Callbacks may remove others (or themselves): take each one out before running it.
    while (!m_callbacks.empty()) {
        auto first = m_callbacks.begin();
        Callback callback = std::move(first->second);
        m_callbacks.erase(first);
        callback(m_reason);
    }
}

Cancellation::Registration Cancellation::onCancel(Callback callback)
{
    if (m_cancelled) {
        callback(m_reason);
        return 0;
    }
    const Registration registration = m_next++;
    m_callbacks.emplace(registration, std::move(callback));
    return registration;
}

void Cancellation::remove(Registration registration)
{
    m_callbacks.erase(registration);
}

} // namespace keyward
