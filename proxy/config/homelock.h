#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <QLockFile>

#include <memory>

namespace keyward {

// The home's lock file `run/lock` (DESIGN.md "Processes"): held by the owner for its lifetime, or
// by an admin command for one read-modify-write of the config while no owner runs. The lock is
// released when this object is destroyed. A lock left by a process that died is taken over; a
// lock is never considered stale by age alone.
class HomeLock {
public:
    static constexpr int kDefaultTimeoutMs = 5000;
    static constexpr const char *kBusy = "home_locked";

    // Takes the lock of `home`, waiting at most `timeoutMs`; creates run/ with mode 0700. When
    // another process keeps it, the error (code kBusy) names that process's pid.
    static Result<std::unique_ptr<HomeLock>> acquire(const KeywardHome &home, int timeoutMs = kDefaultTimeoutMs);

    explicit HomeLock(const QString &path);
    QString path() const { return m_path; }

private:
    QString m_path;
    QLockFile m_lock;
};

} // namespace keyward
