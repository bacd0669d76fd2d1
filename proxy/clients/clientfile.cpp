#include "clients/clientfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTemporaryFile>

#include <optional>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace keyward::clients {

namespace {

Error fileError(const QString &code, const QString &message) { return Error{code, message}; }

// The bytes of `target` now, or nullopt-like state through `exists`.
Result<ClientFileState> readTarget(ClientFileState state)
{
    const QFileInfo info(state.target);
    if (!info.exists()) {
        if (state.isSymlink) {
            return fileError(QStringLiteral("client_file"),
                             QStringLiteral("%1 is a symlink to %2, which does not exist; fix or remove the link")
                                 .arg(state.path, state.target));
        }
        state.exists = false;
        state.bytes.clear();
        return state;
    }
    if (info.isDir())
        return fileError(QStringLiteral("client_file"), QStringLiteral("%1 is a directory, not a config file").arg(state.target));
    if (info.size() > kMaxClientFileBytes) {
        return fileError(QStringLiteral("client_file"),
                         QStringLiteral("%1 is larger than %2 MiB; Keyward does not edit it")
                             .arg(state.target)
                             .arg(kMaxClientFileBytes / (1024 * 1024)));
    }
    QFile file(state.target);
    if (!file.open(QIODevice::ReadOnly)) {
        return fileError(QStringLiteral("client_file"),
                         QStringLiteral("cannot read %1: %2").arg(state.target, file.errorString()));
    }
    state.exists = true;
    state.bytes = file.readAll();
    return state;
}

Result<void> checkUnchanged(const ClientFileState &planned)
{
    ClientFileState now = planned;
    auto current = readTarget(now);
    if (!current)
        return current.error();
    if (current->exists != planned.exists || current->bytes != planned.bytes) {
        return fileError(QStringLiteral("changed_underneath"),
                         QStringLiteral("%1 changed while Keyward was preparing its change (another program, maybe the "
                                        "client itself, wrote it); nothing was written: run the command again")
                             .arg(planned.target));
    }
    return {};
}

Result<void> checkWritable(const ClientFileState &planned)
{
    // Mode bits, not access(): root may write anything, but a file made read-only says "leave me".
    if (planned.exists && !(QFileInfo(planned.target).permissions() & QFileDevice::WriteOwner)) {
        return fileError(QStringLiteral("read_only"),
                         QStringLiteral("%1 is read-only; make it writable (chmod u+w '%1') if Keyward may change it, "
                                        "then run the command again")
                             .arg(planned.target));
    }
    const QString dir = QFileInfo(planned.target).absolutePath();
    if (!QFileInfo(dir).isDir()) {
        return fileError(QStringLiteral("client_file"),
                         QStringLiteral("the directory %1 does not exist, so the client is not installed there").arg(dir));
    }
    return {};
}

} // namespace

Result<ClientFileState> readClientFile(const QString &path)
{
    ClientFileState state;
    state.path = path;
    state.target = path;
    const QFileInfo info(path);
    if (info.isSymLink()) {
        state.isSymlink = true;
        // Follows the whole chain; a dangling link gives the last target that is missing.
        const QString canonical = info.canonicalFilePath();
        state.target = canonical.isEmpty() ? info.symLinkTarget() : canonical;
    }
    return readTarget(state);
}

#ifdef Q_OS_LINUX
namespace {

// Writes `bytes` next to `target` in a new temp file with `mode`; returns its path.
Result<QString> writeTempBeside(const QString &target, const QByteArray &bytes, QFileDevice::Permissions mode)
{
    QTemporaryFile temp(target + QStringLiteral(".keyward-XXXXXX"));
    temp.setAutoRemove(false);
    if (!temp.open()) {
        return fileError(QStringLiteral("read_only"),
                         QStringLiteral("cannot write in %1 (%2); check the directory's permissions")
                             .arg(QFileInfo(target).absolutePath(), temp.errorString()));
    }
    const bool written = temp.write(bytes) == bytes.size() && temp.flush() && ::fsync(temp.handle()) == 0;
    temp.setPermissions(mode);
    const QString path = temp.fileName();
    temp.close();
    if (!written) {
        QFile::remove(path);
        return fileError(QStringLiteral("client_file"), QStringLiteral("cannot write next to %1").arg(target));
    }
    return path;
}

// Linux: the new file is swapped in with renameat2(RENAME_EXCHANGE), and what it replaced is then
// checked: if another writer replaced the file between the last compare and the swap, its version
// is swapped back and nothing is lost. A new file is put in place with RENAME_NOREPLACE. Returns
// nullopt when the filesystem cannot do this (the caller falls back to QSaveFile).
std::optional<Result<void>> exchangeInto(const ClientFileState &planned, const QString &temp)
{
    const QByteArray from = QFile::encodeName(temp);
    const QByteArray to = QFile::encodeName(planned.target);
    if (!planned.exists) {
        if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_NOREPLACE) == 0)
            return Result<void>();
        const int error = errno;
        if (error == EINVAL || error == ENOSYS)
            return std::nullopt;
        QFile::remove(temp);
        if (error == EEXIST) {
            return Result<void>(fileError(QStringLiteral("changed_underneath"),
                                          QStringLiteral("%1 was created while Keyward was preparing its change; nothing "
                                                         "was written: run the command again")
                                              .arg(planned.target)));
        }
        return Result<void>(fileError(QStringLiteral("client_file"), QStringLiteral("cannot create %1").arg(planned.target)));
    }
    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_EXCHANGE) != 0) {
        const int error = errno;
        if (error == EINVAL || error == ENOSYS)
            return std::nullopt;
        QFile::remove(temp);
        return Result<void>(fileError(QStringLiteral("client_file"), QStringLiteral("cannot replace %1").arg(planned.target)));
    }
    // `temp` now names what was in place just before the swap.
    QFile replaced(temp);
    const bool same = replaced.open(QIODevice::ReadOnly) && replaced.readAll() == planned.bytes;
    replaced.close();
    if (same) {
        QFile::remove(temp);
        return Result<void>();
    }
    ::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_EXCHANGE);
    QFile::remove(temp);
    return Result<void>(fileError(QStringLiteral("changed_underneath"),
                                  QStringLiteral("%1 changed while Keyward was writing it (another program, maybe the "
                                                 "client itself, wrote it); its version was kept: run the command again")
                                      .arg(planned.target)));
}

} // namespace
#endif

Result<void> replaceClientFile(const ClientFileState &planned, const QByteArray &bytes)
{
    if (auto writable = checkWritable(planned); !writable)
        return writable;
    const QFileDevice::Permissions mode =
        planned.exists ? QFileInfo(planned.target).permissions() : (QFileDevice::ReadOwner | QFileDevice::WriteOwner);
#ifdef Q_OS_LINUX
    {
        auto temp = writeTempBeside(planned.target, bytes, mode);
        if (!temp)
            return temp.error();
        if (auto unchanged = checkUnchanged(planned); !unchanged) {
            QFile::remove(*temp);
            return unchanged;
        }
        if (auto exchanged = exchangeInto(planned, *temp))
            return *exchanged;
        QFile::remove(*temp);
    }
#endif
    QSaveFile file(planned.target);
    if (!file.open(QIODevice::WriteOnly)) {
        const QString why = file.errorString();
        if (file.error() == QFileDevice::OpenError || file.error() == QFileDevice::PermissionsError) {
            return fileError(QStringLiteral("read_only"),
                             QStringLiteral("cannot write in %1 (%2); check the directory's permissions")
                                 .arg(QFileInfo(planned.target).absolutePath(), why));
        }
        return fileError(QStringLiteral("client_file"), QStringLiteral("cannot write %1: %2").arg(planned.target, why));
    }
    if (file.write(bytes) != bytes.size()) {
        file.cancelWriting();
        return fileError(QStringLiteral("client_file"), QStringLiteral("cannot write %1: %2").arg(planned.target, file.errorString()));
    }
    file.setPermissions(mode);
    // The last look before the rename: anything written since the plan was read wins.
    if (auto unchanged = checkUnchanged(planned); !unchanged) {
        file.cancelWriting();
        return unchanged;
    }
    if (!file.commit()) {
        return fileError(QStringLiteral("client_file"),
                         QStringLiteral("cannot replace %1: %2").arg(planned.target, file.errorString()));
    }
    return {};
}

Result<void> removeClientFile(const ClientFileState &planned)
{
    if (!planned.exists)
        return {};
    if (auto unchanged = checkUnchanged(planned); !unchanged)
        return unchanged;
    if (!QFile::remove(planned.target))
        return fileError(QStringLiteral("client_file"), QStringLiteral("cannot remove %1").arg(planned.target));
    return {};
}

ClientFileLock::ClientFileLock(const QString &path) : m_lock(path) { m_lock.setStaleLockTime(0); }

Result<std::unique_ptr<ClientFileLock>> ClientFileLock::acquire(const KeywardHome &home, const QString &clientId,
                                                                int timeoutMs)
{
    const QString runDir = home.runDir();
    if (!QDir().mkpath(runDir))
        return fileError(QStringLiteral("client_file"), QStringLiteral("cannot create %1").arg(runDir));
    QFile::setPermissions(runDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    auto lock = std::make_unique<ClientFileLock>(QDir(runDir).filePath(QStringLiteral("clients-%1.lock").arg(clientId)));
    if (!lock->m_lock.tryLock(timeoutMs)) {
        return fileError(QStringLiteral("client_locked"),
                         QStringLiteral("another keyward command is changing %1's config; wait for it and try again").arg(clientId));
    }
    return lock;
}

} // namespace keyward::clients
