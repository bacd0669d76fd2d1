#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <QLockFile>

#include <memory>

namespace keyward::daemon {

// The owner's claim on a home: `run/owner.lock`, held for the owner's lifetime, so that one
// process per home owns the secrets, the gate and the audit chain. Separate from `run/lock`
// (HomeLock), which admin commands take for each read-modify-write of the config whether or not
// an owner runs. A lock left by a process that died is taken over.
class OwnerLock {
public:
    static constexpr const char *kOwned = "owner_running";

    // Takes the lock without waiting. When another live process holds it, the error (code kOwned)
    // names its pid; ownerPid() gives it to callers that want the number.
    static Result<std::unique_ptr<OwnerLock>> acquire(const KeywardHome &home);
    // The pid of the process owning `home`, or 0 when none does.
    static qint64 ownerPid(const KeywardHome &home);

    explicit OwnerLock(const QString &path);

private:
    QLockFile m_lock;
};

} // namespace keyward::daemon
