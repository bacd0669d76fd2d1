#pragma once

#include "config/config.h"
#include "config/homelock.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "secrets/secretstore.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace keyward::admin {

// The admin changes to services (DESIGN.md "CLI": service add/remove/rotate/enable/disable,
// policy set) shared by `keyward service|policy` and the tray's windows, so both are held to the
// same checks and leave the same trace. Each change:
// - holds the home's lock (HomeLock, run/lock) for its read-modify-write of config.json, loads the
//   config under it and applies the audit retention when it is due (as every changing command
//   starts);
// - is checked with the config's own validation (validateConfig(), errors naming the JSON pointer);
// - stores a secret before the config names its service and removes it before the config forgets
//   the service;
// - records one audit `change` row (method = the command, e.g. "service add"; agent and client of
//   the AdminActor) right after the change succeeded, then calls Hooks::changed.
// Secrets handed in are wiped as soon as the store has them (pass them with std::move: a copy kept
// by the caller is the caller's to wipe). No error message contains a secret.

// Who asks for admin changes: the audit row's agent and client.
struct AdminActor {
    QString agent;
    QString client;

    static AdminActor commandLine() { return {QStringLiteral("cli"), QStringLiteral("keyward-cli")}; }
    static AdminActor tray() { return {QStringLiteral("tray"), QStringLiteral("keyward-tray")}; }
};

namespace admin_errors {
inline constexpr const char *kExists = "exists";         // add: the name is taken
inline constexpr const char *kNotFound = "not_found";    // no service (or agent) of that name
inline constexpr const char *kInvalidName = "invalid_name";
} // namespace admin_errors

// The secret key of service `name` in a SecretStore: "service/<name>".
QString serviceSecretKey(const QString &name);
// Where settings.secretStore keeps secrets, for messages: "the keychain" or "the encrypted file
// secrets.kwv".
QString secretStoreLabel(const Config &config);
// "bearer", "basic", "header" or "query".
QString authTypeName(AuthType type);
// "allow", "deny" or "ask".
QString ruleActionName(RuleAction action);
// "allow GET /x; deny * /admin/**", or "none (read-only: GET and HEAD on every path)".
QString describeRules(const Policy &policy);
// What `service add` records in the audit: the service's shape, never its secret.
QString describeAddedService(const ServiceConfig &service, const Config &config, const QString &templateId);
// The config.json names of the policy fields that differ between `before` and `after`, in
// config.json order, with a phrase per change appended to `summary` ("added allow GET /x",
// "rate 10/min", "no schedule", ...).
QStringList changedPolicyFields(const Policy &before, const Policy &after, QStringList &summary);

// Overwrites every byte of `bytes` and empties it.
void wipe(QByteArray &bytes);

class ServiceAdmin {
public:
    // `done` of the asynchronous changes: runs exactly once, from the event loop once the secret
    // store answered, or before the call returns when the change fails before the store is asked.
    using Done = std::function<void(Result<void>)>;
    // The SecretStore for `config` (settings.secretStore picks it), or why it cannot be opened.
    // Asked under the lock, once per change that touches a secret; the store must outlive that change.
    using StoreProvider = std::function<Result<SecretStore *>(const Config &config)>;

    struct Hooks {
        // A warning that does not stop the change (the audit retention could not be applied).
        std::function<void(const QString &warning)> warn;
        // After a change was saved and its audit row recorded: the command line tells a running
        // owner to reload; the owner's own windows reload its ConfigStore and drop cached secrets.
        std::function<void()> changed;
        // Before a policy change or an enable is saved: `command` ("policy set", "service enable"),
        // the config before and as it would be saved, and the home's lock, held. The hook may release
        // the lock while it waits (for the user's confirmation of a widening change) and must hold it
        // again when it returns success; an error stops the change and nothing is saved.
        std::function<Result<void>(const QString &command, const Config &before, const Config &after,
                                   std::unique_ptr<HomeLock> &lock)>
            beforeSave;
    };

    // The home's lock and the config read under it.
    struct Locked {
        std::unique_ptr<HomeLock> lock;
        Config config;
    };

    // The admin need not outlive the asynchronous changes it started: they keep what they need.
    ServiceAdmin(const KeywardHome &home, AdminActor actor, StoreProvider stores, Hooks hooks = {});

    const KeywardHome &home() const { return m_home; }
    const AdminActor &actor() const { return m_actor; }

    // Takes the lock, loads config.json and applies the audit retention when due.
    Result<Locked> lockAndLoad() const;

    // Adds `service` as `name` with its secret. Errors: kInvalidName, kExists, config_invalid (the
    // JSON pointer of the bad value), the store's, the config file's; an audit failure after the
    // change is an audit_error saying the service was added.
    void addService(const QString &name, const ServiceConfig &service, QByteArray secret, const QString &templateId,
                    Done done);
    // Removes service `name` and its secret (a secret already missing is fine). Errors: kNotFound, ...
    void removeService(const QString &name, Done done);
    // Replaces the secret of service `name`. Errors: kNotFound, the store's, ...
    void rotateSecret(const QString &name, QByteArray secret, Done done);
    // Enables or disables service `name`; true when that changed something (an unchanged state is
    // neither saved nor recorded). Errors: kNotFound, ...
    Result<bool> setEnabled(const QString &name, bool enabled);

    // What a policy change did: the config.json names of the fields that changed (none: nothing was
    // saved or recorded), a phrase per change, and the service as saved.
    struct PolicyOutcome {
        QStringList fields;
        QStringList summary;
        ServiceConfig service;
    };
    // Changes the policy of service `name`, or with `agent` that agent's override: `edit` gets the
    // policy in force (for an agent, its effective policy) under the lock, changes it, returns the
    // config.json names of the fields it changed and appends a phrase per change to `summary`; an
    // error from `edit` is returned as it is and nothing changes. For an agent, the fields changed
    // are written into its override (the others it overrides stay). Recorded as "policy set" on
    // NAME or NAME/AGENT. Errors: kNotFound, kInvalidName (agent), config_invalid (an invalid
    // existing override, or the JSON pointer of a bad new value), ...
    using PolicyEdit = std::function<Result<QStringList>(Policy &policy, const ServiceConfig &service, QStringList &summary)>;
    Result<PolicyOutcome> changePolicy(const QString &name, const QString &agent, const PolicyEdit &edit);
    // changePolicy() with the whole policy replaced by `policy`: the fields that differ from the
    // policy in force change (changedPolicyFields()).
    Result<PolicyOutcome> replacePolicy(const QString &name, const QString &agent, const Policy &policy);

private:
    // What recording a change needs, copied into the callbacks of asynchronous changes.
    struct Context {
        KeywardHome home;
        AdminActor actor;
        Hooks hooks;
    };
    // Records the change row and calls Hooks::changed; an error says `done` happened anyway.
    Result<void> record(const QString &command, const QString &target, const QString &whatChanged, const QString &done,
                        const QString &service);
    static Result<void> recordFor(const Context &context, const QString &command, const QString &target,
                                  const QString &whatChanged, const QString &done, const QString &service);

    KeywardHome m_home;
    AdminActor m_actor;
    StoreProvider m_stores;
    Hooks m_hooks;
};

} // namespace keyward::admin
