#include "cli/adminsupport.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "audit/retention.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "secrets/keychainstore.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QPointer>
#include <QTimer>

namespace keyward::cli {

namespace {

// Longer than the store's own timeout: only reached if a store breaks its contract.
constexpr int kStoreGuardMs = kKeychainTimeoutMs + 5000;

} // namespace

Result<std::unique_ptr<SecretStore>> makeSecretStore(const KeywardHome &home, const Config &config)
{
    if (config.settings.secretStore == SecretStoreKind::File) {
        return Error{QString::fromLatin1(secret_errors::kKeychain),
                     QStringLiteral("the encrypted file store (settings.secretStore \"file\") is not available in this "
                                    "build yet; set settings.secretStore to \"keychain\" in config.json")};
    }
    return std::unique_ptr<SecretStore>(
        std::make_unique<KeychainStore>(home.keychainServiceName(), std::chrono::milliseconds(kKeychainTimeoutMs)));
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
