#include "config/homelock.h"

#include "core/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace keyward {

HomeLock::HomeLock(const QString &path) : m_path(path), m_lock(path) { m_lock.setStaleLockTime(0); }

Result<std::unique_ptr<HomeLock>> HomeLock::acquire(const KeywardHome &home, int timeoutMs)
{
    const QFile::Permissions dirMode = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    // A KEYWARD_HOME created here gets mode 0700 like every directory Keyward creates.
    if (home.isExplicit() && !QFileInfo::exists(home.homeDir()) && QDir().mkpath(home.homeDir()))
        QFile::setPermissions(home.homeDir(), dirMode);
    const QString runDir = home.runDir();
    if (!QDir().mkpath(runDir)) {
        return Error{QString::fromLatin1(kBusy),
                     QStringLiteral("cannot create %1; check the permissions of its parent directory").arg(runDir)};
    }
    QFile::setPermissions(runDir, dirMode);

    auto lock = std::make_unique<HomeLock>(QDir(runDir).filePath(QStringLiteral("lock")));
    if (lock->m_lock.tryLock(timeoutMs)) {
        logger("core.config")->debug("holding {}", lock->m_path.toStdString());
        return lock;
    }
    if (lock->m_lock.error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString app;
        lock->m_lock.getLockInfo(&pid, &host, &app);
        const QString holder = pid > 0 ? QStringLiteral("process %1%2").arg(pid).arg(app.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(app))
                                       : QStringLiteral("another process");
        return Error{QString::fromLatin1(kBusy),
                     QStringLiteral("%1 holds %2; wait for it to finish and try again, or stop it if it hangs")
                         .arg(holder, lock->m_path)};
    }
    return Error{QString::fromLatin1(kBusy),
                 QStringLiteral("cannot create the lock file %1; check the permissions of %2").arg(lock->m_path, runDir)};
}

} // namespace keyward
