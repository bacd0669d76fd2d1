#pragma once

#include "clients/configedit.h"
#include "core/keywardhome.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

#include <string>
#include <vector>

namespace keyward::clients {

// Backups of client config files (DESIGN.md "Files": `backups/<client>/<timestamp>.json` under
// the data dir, files 0600 in 0700 dirs). A backup is written before every change Keyward makes
// to a client file and never holds a plaintext secret: every secret the scanner detected in the
// original is replaced by a placeholder naming its ref (placeholderFor()), and what Keyward wrote
// is kept as a hash only.

// One value Keyward added or rewrote.
struct BackupChange {
    enum class Kind { Added, Changed };
    KeyPath path;
    Kind kind = Kind::Added;
    nlohmann::json before;  // Changed: the value before, every secret as its placeholder
    std::string afterSha256; // sha256 of the value Keyward wrote (nlohmann dump), to recognize it on undo
};

// A detected secret and the placeholder standing for it in the backup.
struct BackupSecret {
    std::string placeholder;
    QString ref;
    bool stored = false; // in the SecretStore as env/<ref> (migrated); otherwise still in the client file
};

struct ClientBackup {
    static constexpr int kVersion = 1;

    QString file;    // the backup's own path (set by save() and list())
    QString client;
    QString action;  // "configure" or "migrate"
    QString path;    // the client file as the registry names it
    QString target;  // the file edited (a symlink's target)
    QString created; // RFC 3339 UTC
    bool existed = true;
    QByteArray redactedOriginal;
    QString originalSha256; // of the original bytes, secrets included
    QString writtenSha256;  // of the bytes Keyward wrote
    // The original differs from what Keyward wrote only in [windowPrefix, size - windowSuffix):
    // with the written bytes still on disk, that window (secrets as placeholders) rebuilds it.
    qsizetype windowPrefix = 0;
    qsizetype windowSuffix = 0;
    QByteArray redactedWindow;
    std::vector<BackupChange> changes;
    std::vector<BackupSecret> secrets;
    QString used; // when `undo` used it (RFC 3339); empty = not yet
};

// "@@keyward-ref:<ref>@@".
std::string placeholderFor(const QString &ref);

// `bytes` with every occurrence of each secret (raw, or JSON-escaped) replaced by its placeholder.
// Fails (code "backup_failed") when a secret cannot be found in `bytes` at all, so that it cannot
// hide in a form the redaction missed.
struct SecretPlaceholder {
    std::string secret;
    std::string placeholder;
};
QByteArray redactSecrets(const QByteArray &bytes, const std::vector<SecretPlaceholder> &secrets);

// Lowercase hex sha256.
QString sha256Hex(const QByteArray &bytes);

class BackupStore {
public:
    explicit BackupStore(const KeywardHome &home);

    QString directory(const QString &client) const;
    // Writes `backup` as a new file (mode 0600, dirs 0700) and sets backup.file.
    Result<void> save(ClientBackup &backup) const;
    // Every backup of `client`, newest first. A damaged backup file is an error naming it.
    Result<std::vector<ClientBackup>> list(const QString &client) const;
    // Rewrites backup.file with `used` set to now.
    Result<void> markUsed(ClientBackup &backup) const;
    // Deletes a backup whose change was never written.
    void discard(const ClientBackup &backup) const;

private:
    QString m_root;
};

} // namespace keyward::clients
