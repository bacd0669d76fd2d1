#pragma once

#include "audit/auditlog.h"
#include "audit/retention.h"
#include "config/configstore.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "secrets/filestore.h"
#include "secrets/secretcache.h"
#include "secrets/secretstore.h"
#include "state/killstate.h"
#include "upstream/callexecutor.h"
#include "upstream/upstreamclient.h"

#include <QNetworkAccessManager>

#include <memory>

namespace keyward::app {

// Everything that runs `execute` calls in this process, wired together: the config and the kill
// switches of state.json (both followed on disk), the audit log, the secret store that
// settings.secretStore names (the OS keychain, or the encrypted file store, unlocked at start from
// KEYWARD_PASSPHRASE_FILE when set and otherwise locked until unlockFileStore()) with its cache, one
// network manager honouring the system proxy, the upstream client and the call executor. The
// store is chosen once, at start: a later change of settings.secretStore needs a restart. Build it with create() on the thread that
// runs the event loop; it lives as long as the calls it serves. It applies the audit retention of
// settings.retentionDays at start and then at most once a day. An unreadable state.json does not
// stop it: every call is refused as killed until the file is fixed (see KillState).
class CoreStack {
public:
    static Result<std::unique_ptr<CoreStack>> create(const KeywardHome &home);

    ConfigStore &config() { return m_config; }
    KillState &kills() { return m_kills; }
    AuditLog &audit() { return m_audit; }
    CallExecutor &executor() { return m_executor; }
    SecretCache &secrets() { return m_secrets; }
    // The store behind secrets(), for changes made in this process (the tray's windows: services, clients).
    SecretStore &secretStore() { return *m_store; }
    QNetworkAccessManager &network() { return m_network; }
    // The encrypted file store when settings.secretStore is "file"; null with the keychain.
    FileStore *fileStore() { return m_fileStore; }
    // Unlocks the encrypted file store with `passphrase` (one Argon2id derivation, about a second,
    // on this thread) and drops cached secrets. An error when this home uses the keychain.
    Result<void> unlockFileStore(const QByteArray &passphrase);

private:
    CoreStack(const KeywardHome &home, std::unique_ptr<SecretStore> store, FileStore *fileStore);

    ConfigStore m_config;
    KillState m_kills;
    AuditLog m_audit;
    std::unique_ptr<SecretStore> m_store;
    FileStore *m_fileStore;
    SecretCache m_secrets;
    QNetworkAccessManager m_network;
    UpstreamClient m_upstream;
    CallExecutor m_executor;
    RetentionScheduler m_retention;
};

} // namespace keyward::app
