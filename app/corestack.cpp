#include "corestack.h"

#include "core/logging.h"
#include "secrets/keychainstore.h"
#include "secrets/passphrase.h"

#include <sodium.h>

#include <QNetworkProxyFactory>

namespace keyward::app {

CoreStack::CoreStack(const KeywardHome &home, std::unique_ptr<SecretStore> store, FileStore *fileStore)
    : m_config(home.configFile()),
      m_kills(home.stateFile()),
      m_audit(home.auditDatabase()),
      m_store(std::move(store)),
      m_fileStore(fileStore),
      m_secrets(*m_store),
      m_upstream(m_network),
      m_executor(m_config, m_kills, m_secrets, m_upstream, m_audit),
      m_retention(m_audit, [this] { return m_config.config().settings.retentionDays; })
{
}

Result<std::unique_ptr<CoreStack>> CoreStack::create(const KeywardHome &home)
{
    QNetworkProxyFactory::setUseSystemConfiguration(true);
    // The store is picked from the config as it is at start.
    ConfigStore probe(home.configFile());
    if (const auto loaded = probe.load(); !loaded)
        return Error{loaded.error().code, QStringLiteral("%1: %2").arg(home.configFile(), loaded.error().message)};
    std::unique_ptr<SecretStore> store;
    FileStore *fileStore = nullptr;
    if (probe.config().settings.secretStore == SecretStoreKind::File) {
        auto file = std::make_unique<FileStore>(FileStore::pathIn(home));
        auto passphrase = passphraseFromEnvironment();
        if (!passphrase)
            return passphrase.error();
        if (passphrase->has_value()) {
            QByteArray bytes = std::move(passphrase.value()).value();
            const auto unlocked = file->unlock(bytes);
            sodium_memzero(bytes.data(), size_t(bytes.size()));
            if (!unlocked)
                return Error{unlocked.error().code, QStringLiteral("KEYWARD_PASSPHRASE_FILE: ") + unlocked.error().message};
        }
        fileStore = file.get();
        store = std::move(file);
    } else {
        store = std::make_unique<KeychainStore>(home.keychainServiceName());
    }

    std::unique_ptr<CoreStack> stack(new CoreStack(home, std::move(store), fileStore));
    if (const auto loaded = stack->m_config.load(); !loaded)
        return Error{loaded.error().code, QStringLiteral("%1: %2").arg(home.configFile(), loaded.error().message)};
    if (const auto opened = stack->m_audit.open(); !opened)
        return opened.error();
    // Fails safe (logged by KillState): an unreadable state.json refuses every call until it is fixed.
    (void)stack->m_kills.load();

    QObject::connect(&stack->m_config, &ConfigStore::invalid, [](const Error &error) {
        keyward::logger("core.config")->error("config.json is invalid, the last good config stays in force: {}",
                                              error.message.toStdString());
    });
    // A changed config may have removed or re-pointed a service: read its secret afresh.
    SecretCache *secrets = &stack->m_secrets;
    QObject::connect(&stack->m_config, &ConfigStore::changed, secrets, [secrets] { secrets->dropAll(); });
    QObject::connect(&stack->m_retention, &RetentionScheduler::failed, [](const Error &error) {
        keyward::logger("core.audit")->error("audit retention failed, retrying later: {}", error.message.toStdString());
    });
    stack->m_retention.start();
    return stack;
}

Result<void> CoreStack::unlockFileStore(const QByteArray &passphrase)
{
    if (!m_fileStore) {
        return Error{QStringLiteral("not_file_store"),
                     QStringLiteral("this home keeps its secrets in the OS keychain (settings.secretStore \"keychain\"): there "
                                    "is nothing to unlock here; unlock the keychain itself if it is locked")};
    }
    if (auto unlocked = m_fileStore->unlock(passphrase); !unlocked)
        return unlocked;
    m_secrets.dropAll();
    return {};
}

} // namespace keyward::app
