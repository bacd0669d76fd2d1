#include "daemon/ownerlock.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <csignal>

namespace keyward::daemon {

namespace {

QString lockPath(const KeywardHome &home)
{
    return QDir(home.runDir()).filePath(QStringLiteral("owner.lock"));
}

} // namespace

OwnerLock::OwnerLock(const QString &path) : m_lock(path) { m_lock.setStaleLockTime(0); }

Result<std::unique_ptr<OwnerLock>> OwnerLock::acquire(const KeywardHome &home)
{
    const QFile::Permissions dirMode = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    if (home.isExplicit() && !QFileInfo::exists(home.homeDir()) && QDir().mkpath(home.homeDir()))
        QFile::setPermissions(home.homeDir(), dirMode);
    if (!QDir().mkpath(home.runDir()))
        return Error{QStringLiteral("owner_error"),
                     QStringLiteral("cannot create %1; check the permissions of its parent directory").arg(home.runDir())};
    QFile::setPermissions(home.runDir(), dirMode);

    auto lock = std::make_unique<OwnerLock>(lockPath(home));
    if (lock->m_lock.tryLock(0)) {
        QFile::setPermissions(lockPath(home), QFile::ReadOwner | QFile::WriteOwner);
        return lock;
    }
    if (lock->m_lock.error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host, app;
        lock->m_lock.getLockInfo(&pid, &host, &app);
        return Error{QString::fromLatin1(kOwned),
                     QStringLiteral("Keyward is already running for this home (pid %1); stop it first or use it: "
                                    "`keyward mcp` and the admin commands talk to it")
                         .arg(pid)};
    }
    return Error{QStringLiteral("owner_error"),
                 QStringLiteral("cannot create %1; check the permissions of %2").arg(lockPath(home), home.runDir())};
}

qint64 OwnerLock::ownerPid(const KeywardHome &home)
{
    const QString path = lockPath(home);
    if (!QFileInfo::exists(path))
        return 0;
    // Read the holder without taking the lock (taking it, even briefly, would make a starting
    // owner fail), then ask whether that process is alive.
    QLockFile probe(path);
    qint64 pid = 0;
    QString host, app;
    if (!probe.getLockInfo(&pid, &host, &app) || pid <= 0)
        return 0;
    return (::kill(pid_t(pid), 0) == 0 || errno == EPERM) ? pid : 0;
}

} // namespace keyward::daemon
