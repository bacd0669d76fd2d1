#include "cli/adminsupport.h"

#include "policy/widening.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "audit/retention.h"
#include "config/configjson.h"
#include "cli/secretinput.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"
#include "secrets/filestore.h"
#include "secrets/keychainstore.h"
#include "secrets/passphrase.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QPointer>
#include <QTimer>

#include <cstring>

namespace keyward::cli {

namespace {

// Longer than the store's own timeout: only reached if a store breaks its contract.
constexpr int kStoreGuardMs = kKeychainTimeoutMs + 5000;

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::memset(bytes.data(), 0, size_t(bytes.size()));
    bytes.clear();
}

// The encrypted-file store, unlocked with the passphrase from KEYWARD_PASSPHRASE_FILE or, when
// stdin is a terminal, typed there (twice for a new store).
Result<std::unique_ptr<SecretStore>> openFileStore(const KeywardHome &home)
{
    auto store = std::make_unique<FileStore>(FileStore::pathIn(home));
    auto fromFile = passphraseFromEnvironment();
    if (!fromFile)
        return fromFile.error();
    QByteArray passphrase;
    if (fromFile->has_value()) {
        passphrase = std::move(fromFile.value()).value();
    } else if (stdinIsTerminal()) {
        const bool isNew = !store->exists();
        auto typed = readPassphrase(isNew ? QStringLiteral("New passphrase for %1 (input hidden): ").arg(store->path())
                                          : QStringLiteral("Passphrase for %1 (input hidden): ").arg(store->path()));
        if (!typed)
            return typed.error();
        passphrase = std::move(typed).value();
        if (isNew) {
            auto again = readPassphrase(QStringLiteral("Repeat the passphrase: "));
            const bool same = again && again.value() == passphrase;
            if (again)
                wipe(again.value());
            if (!same) {
                wipe(passphrase);
                return Error{QString::fromLatin1(secret_errors::kKeychain),
                             QStringLiteral("the two passphrases differ; nothing was stored: run the command again")};
            }
        }
    } else {
        return Error{QString::fromLatin1(secret_errors::kKeychain),
                     FileStore::lockedMessage()
                         + QStringLiteral(" (with `keyward serve` running), or give this command the passphrase of the "
                                          "encrypted file store %1: set KEYWARD_PASSPHRASE_FILE to a file only you can "
                                          "read (chmod 600) that holds it, or run the command on a terminal to be asked")
                               .arg(store->path())};
    }
    auto unlocked = store->unlock(passphrase);
    wipe(passphrase);
    if (!unlocked)
        return unlocked.error();
    return std::unique_ptr<SecretStore>(std::move(store));
}

} // namespace

Result<std::unique_ptr<SecretStore>> makeSecretStore(const KeywardHome &home, const Config &config)
{
    if (config.settings.secretStore == SecretStoreKind::File)
        return openFileStore(home);
    return std::unique_ptr<SecretStore>(
        std::make_unique<KeychainStore>(home.keychainServiceName(), std::chrono::milliseconds(kKeychainTimeoutMs)));
}

admin::ServiceAdmin serviceAdmin(const KeywardHome &home, const Output &out, std::unique_ptr<SecretStore> &store)
{
    admin::ServiceAdmin::Hooks hooks;
    hooks.warn = [&out](const QString &warning) { out.message(QStringLiteral("keyward: warning: ") + warning); };
    hooks.changed = [home, &out] { tellOwnerToReload(home, out); };
    hooks.beforeSave = [home, &out](const QString &command, const Config &before, const Config &after,
                                    std::unique_ptr<HomeLock> &lock) -> Result<void> {
        const auto unchanged = [&home, &before] {
            const auto now = loadConfigFile(home.configFile());
            return now && *now == before;
        };
        return askToConfirmWidening(home, out, command, policy::wideningChanges(before, after), lock, unchanged);
    };
    return admin::ServiceAdmin(home, admin::AdminActor::commandLine(),
                               [home, &store](const Config &config) -> Result<SecretStore *> {
        auto made = makeSecretStore(home, config);
        if (!made)
            return made.error();
        store = std::move(made).value();
        return store.get();
    },
                               std::move(hooks));
}

Result<void> runStoreCall(const std::function<void(SecretStore::DoneCallback)> &call)
{
    struct State {
        std::optional<Result<void>> result;
        QPointer<QEventLoop> loop;
    };
    auto state = std::make_shared<State>();
    QEventLoop loop;
    state->loop = &loop;
    call([state](Result<void> result) {
        state->result = std::move(result);
        if (state->loop)
            state->loop->quit();
    });
    if (!state->result) {
        QTimer::singleShot(kStoreGuardMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!state->result) {
        return Error{QString::fromLatin1(secret_errors::kKeychain),
                     QStringLiteral("the keychain did not answer; unlock it (or run `keyward doctor`) and try again")};
    }
    return *state->result;
}

void applyRetentionIfDue(const KeywardHome &home, const Config &config, const Output &out)
{
    const QString path = home.auditDatabase();
    if (!QFileInfo(path).isFile())
        return;
    AuditLog audit(path);
    const auto applied = RetentionPolicy().applyIfDue(audit, config.settings.retentionDays);
    if (!applied) {
        out.message(QStringLiteral("keyward: warning: the audit retention of %1 days was not applied: %2")
                        .arg(config.settings.retentionDays)
                        .arg(applied.error().message));
    }
}

Result<LockedConfig> lockAndLoadConfig(const KeywardHome &home, const Output &out)
{
    auto lock = HomeLock::acquire(home);
    if (!lock)
        return lock.error();
    auto config = loadConfigFile(home.configFile());
    if (!config)
        return config.error();
    applyRetentionIfDue(home, *config, out);
    return LockedConfig{std::move(lock).value(), std::move(config).value()};
}

void tellOwnerToReload(const KeywardHome &home, const Output &out)
{
    if (daemon::OwnerLock::ownerPid(home) == 0)
        return;
    if (const auto told = daemon::askOwner(home, "reload"); !told) {
        out.message(QStringLiteral("keyward: warning: the running Keyward owner was not told of this change (%1); it "
                                   "picks changes to config.json and state.json up on its own within a second")
                        .arg(told.error().message));
    }
}

Result<void> askToConfirmWidening(const KeywardHome &home, const Output &out, const QString &command,
                                  const QStringList &changes, std::unique_ptr<HomeLock> &lock,
                                  const std::function<bool()> &stillCurrent)
{
    if (changes.isEmpty() || daemon::OwnerLock::ownerPid(home) == 0)
        return {};
    const QString summary = QStringLiteral("`keyward %1` widens access: %2").arg(command, changes.join(QStringLiteral("; ")));
    lock.reset();
    const auto answer = [&]() -> Result<nlohmann::json> {
        const auto status = daemon::askOwner(home, "status");
        if (status && status->value("kind", std::string()) != "tray")
            return nlohmann::json{{"confirmed", true}, {"asked", false}}; // a headless owner: no one to ask
        out.message(QStringLiteral("keyward: this change widens access; waiting up to 60 s for you to confirm it in "
                                   "the Keyward tray app..."));
        return daemon::askOwner(home, "confirm", kConfirmWaitMs, nlohmann::json{{"summary", summary.toStdString()}});
    }();
    if (!answer) {
        const bool ownerGone = answer.error().code == QLatin1String(daemon::owner_errors::kNotRunning)
            && daemon::OwnerLock::ownerPid(home) == 0;
        if (!ownerGone) {
            return Error{QStringLiteral("not_confirmed"),
                         QStringLiteral("not confirmed: the Keyward tray app could not be asked (%1); nothing was "
                                        "changed")
                             .arg(answer.error().message)};
        }
        // The owner went away meanwhile: no one to ask, as when none runs.
    } else if (!answer->value("confirmed", false)) {
        return Error{QStringLiteral("not_confirmed"),
                     QStringLiteral("not confirmed: the change was denied in the Keyward tray app, or not confirmed "
                                    "within 60 s; nothing was changed")};
    }
    auto again = HomeLock::acquire(home);
    if (!again)
        return again.error();
    lock = std::move(again).value();
    if (!stillCurrent()) {
        return Error{QStringLiteral("changed_meanwhile"),
                     QStringLiteral("the configuration changed while the change waited for confirmation; nothing "
                                    "was changed: run the command again")};
    }
    return {};
}

std::optional<int> confirmWidening(const KeywardHome &home, const Output &out, const QString &command,
                                   const QStringList &changes, std::unique_ptr<HomeLock> &lock,
                                   const std::function<bool()> &stillCurrent)
{
    if (auto go = askToConfirmWidening(home, out, command, changes, lock, stillCurrent); !go)
        return out.error(go.error().code, go.error().message);
    return std::nullopt;
}

std::optional<int> recordAdminChange(const KeywardHome &home, const Output &out, const QString &command,
                                     const QString &target, const QString &whatChanged, const QString &done,
                                     const QString &service)
{
    AuditLog audit(home.auditDatabase());
    const auto recorded = recordChange(audit, command, target, whatChanged, QStringLiteral("cli"), service);
    if (recorded) {
        tellOwnerToReload(home, out);
        return std::nullopt;
    }
    return out.error(recorded.error().code,
                     QStringLiteral("%1, but the change could not be recorded in the audit log: %2")
                         .arg(done, recorded.error().message));
}

} // namespace keyward::cli
