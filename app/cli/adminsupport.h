#pragma once

#include "cli/output.h"

#include "admin/serviceadmin.h"
#include "config/config.h"
#include "config/homelock.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "secrets/secretstore.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

// What the admin commands (service, log purge, reset, ...) share. They act directly on the home
// under its lock file whether or not an owner runs, and then tell a running owner to follow
// (tellOwnerToReload): the secret store, its calls run to completion, the audit of their
// changes and the daily retention.
namespace keyward::cli {

// The keychain calls' timeout of DESIGN.md (10 s).
inline constexpr int kKeychainTimeoutMs = 10000;

// The SecretStore of the admin commands, as settings.secretStore picks it; the one place that
// picks the implementation:
// - "keychain": the OS keychain under this home's service name with the 10 s timeout;
// - "file": the encrypted file store (secrets.kwv in the data dir), unlocked with the passphrase
//   from KEYWARD_PASSPHRASE_FILE, else typed on the terminal when stdin is one (twice for a new
//   store), else a keychain_error "store locked: run keyward unlock ..." that says how to give
//   the passphrase. A wrong passphrase or a damaged file is a keychain_error naming the file; a
//   bad KEYWARD_PASSPHRASE_FILE is a "passphrase_file" error.
Result<std::unique_ptr<SecretStore>> makeSecretStore(const KeywardHome &home, const Config &config);

// Where makeSecretStore() keeps secrets, for messages: "the keychain" or "the encrypted file
// secrets.kwv".
using admin::secretStoreLabel;

// The ServiceAdmin of the command line (agent "cli", client keyward-cli): its store is the one
// makeSecretStore() opens for the config read under the lock, kept in `store` (which must outlive
// the admin's changes); warnings go to stderr; a running owner is told of each change
// (tellOwnerToReload).
admin::ServiceAdmin serviceAdmin(const KeywardHome &home, const Output &out, std::unique_ptr<SecretStore> &store);

// Runs one asynchronous SecretStore call to completion in a local event loop. A store that breaks
// its contract and never answers gives a keychain_error after its timeout plus a margin.
Result<void> runStoreCall(const std::function<void(SecretStore::DoneCallback)> &call);

// The start of an admin command: applies settings.retentionDays to the home's audit.db when it is
// due (RetentionPolicy: at most once a day). Does nothing when there is no audit.db yet. A failure
// is printed on stderr as a warning and never stops the command.
void applyRetentionIfDue(const KeywardHome &home, const Config &config, const Output &out);

// Tells the home's owner, when one runs, to re-read config.json and state.json and drop its
// cached secrets now, so its state and caches follow an admin change at once (DESIGN.md
// "Processes"). A failure is a warning on stderr: the owner's file watchers follow anyway.
void tellOwnerToReload(const KeywardHome &home, const Output &out);

// How long a command waits for the user to confirm a widening change in the tray (the tray's
// dialog gives up after 60 s; the margin covers the socket).
inline constexpr int kConfirmWaitMs = 70000;

// Asks the tray app to confirm a change that widens access before the command writes it (DESIGN.md
// "Processes", "Threat model"). `changes` come from policy::wideningChanges(); `command` is the
// command as typed ("policy set"). Nothing is asked when `changes` is empty, when no owner runs,
// or when the owner is `keyward serve` (no one to ask). Otherwise it says on stderr that it waits,
// releases `lock` (the home's lock: the tray's kill switch and other commands must not wait for
// the user), blocks until the user has answered, takes the lock again and checks with
// `stillCurrent` that what the change was computed from has not changed meanwhile.
// Returns nullopt to go on (holding `lock`), or the exit code to stop with: ExitFailure with error
// "not_confirmed" when the user denied it, did not answer in time, or the tray could not be asked;
// "changed_meanwhile" when `stillCurrent` says no; the lock's error when it cannot be taken again.
// confirmWidening() as a Result (nothing printed): the error to stop with, or success holding the lock.
Result<void> askToConfirmWidening(const KeywardHome &home, const Output &out, const QString &command,
                                  const QStringList &changes, std::unique_ptr<HomeLock> &lock,
                                  const std::function<bool()> &stillCurrent);

std::optional<int> confirmWidening(const KeywardHome &home, const Output &out, const QString &command,
                                   const QStringList &changes, std::unique_ptr<HomeLock> &lock,
                                   const std::function<bool()> &stillCurrent);

// The home's lock and the config read under it, for one read-modify-write of config.json.
struct LockedConfig {
    std::unique_ptr<HomeLock> lock;
    Config config;
};

// Takes the home's lock, loads config.json and, as every changing command starts, applies the
// audit retention when it is due.
Result<LockedConfig> lockAndLoadConfig(const KeywardHome &home, const Output &out);

// Records one admin change in the home's audit.db (recordChange(): agent "cli", client
// keyward-cli); call it right after the change succeeded. Returns nullopt when recorded. When
// recording fails it reports, as an audit_error, `done` (a sentence saying what already happened,
// e.g. "Removed service 'x' and its secret") followed by why it is not in the audit log, and
// returns ExitFailure for the command to exit with. Once recorded, the owner is told
// (tellOwnerToReload).
std::optional<int> recordAdminChange(const KeywardHome &home, const Output &out, const QString &command,
                                     const QString &target, const QString &whatChanged, const QString &done,
                                     const QString &service = QString());

} // namespace keyward::cli
