#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <QByteArray>
#include <QLockFile>
#include <QString>

#include <memory>

namespace keyward::clients {

// Reading and replacing one client's config file safely (issue 7 "Bad input"): a symlink is
// followed and its target edited (the link stays a link), the write is atomic (QSaveFile in the
// target's directory) and keeps the file's mode, and the bytes on disk are compared with what the
// change was planned from right before the replace, so a client that rewrote its file meanwhile
// is never clobbered.

// The largest client file Keyward reads.
inline constexpr qint64 kMaxClientFileBytes = 16 * 1024 * 1024;

struct ClientFileState {
    QString path;        // the path as the registry names it
    QString target;      // what is read and written: `path`, or the file its symlink(s) point at
    bool isSymlink = false;
    bool exists = false; // false: the file does not exist yet (bytes empty)
    QByteArray bytes;
};

// Reads `path` (following symlinks). A missing file is a state with exists = false. Errors: code
// "client_file" (unreadable, too large, a dangling symlink, a directory), each saying which file.
Result<ClientFileState> readClientFile(const QString &path);

// Replaces the file of `planned` with `bytes` if, right before the atomic replace, its bytes are
// still `planned.bytes` (and it still does not exist when it did not). On Linux the new file is
// swapped in with renameat2(RENAME_EXCHANGE) and what it replaced is compared once more: a
// version another writer put there in the last instant is swapped back, never lost (elsewhere, or
// on a filesystem without it, QSaveFile with the compare just before its rename). Errors:
//   "changed_underneath": the file changed since it was read (nothing written);
//   "read_only": the file has no owner write permission (chmod u+w), or its directory cannot be written;
//   "client_file": any other I/O failure, naming the file.
// A new file is created with mode 0600; an existing one keeps its mode.
Result<void> replaceClientFile(const ClientFileState &planned, const QByteArray &bytes);

// Removes the file of `planned` if its bytes are still `planned.bytes` (undo of a file Keyward
// created). Same errors as replaceClientFile().
Result<void> removeClientFile(const ClientFileState &planned);

// Serializes Keyward's own changes to one client's file across processes: a lock file
// `run/clients-<client>.lock` in the home (other writers, the client itself included, are caught
// by the compare in replaceClientFile()).
class ClientFileLock {
public:
    static Result<std::unique_ptr<ClientFileLock>> acquire(const KeywardHome &home, const QString &clientId,
                                                           int timeoutMs = 5000);
    explicit ClientFileLock(const QString &path);

private:
    QLockFile m_lock;
};

} // namespace keyward::clients
