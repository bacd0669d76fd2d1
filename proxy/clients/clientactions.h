#pragma once

#include "clients/clientbackups.h"
#include "clients/clientplanner.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "secrets/secretstore.h"

#include <QString>

#include <functional>
#include <optional>
#include <set>
#include <string>

namespace keyward {
class AuditLog;
struct Config;
} // namespace keyward

namespace keyward::clients {

// The orchestration of one change to one client's file, shared by `keyward clients` and the
// Clients window: under the client's lock (ClientFileLock) the file is read and planned, the plan
// reviewed by the caller, a secret-free backup saved (BackupStore), and the file written with its
// compare-before-replace. A file that changed underneath is planned again (kChangeAttempts times)
// and written only when Keyward's change is still the same one the caller reviewed.
//
// Every function here is asynchronous because the SecretStore is: `finished` runs exactly once,
// always from the event loop (never inside the call). The GUI uses them as they are; the CLI waits
// with a local event loop.

inline constexpr int kChangeAttempts = 5;
inline constexpr int kChangeRetryDelayMs = 100;

struct ClientChangeOutcome {
    std::optional<ClientPlan> plan; // the plan the outcome is about; none when the failure came before one
    bool changed = false;           // the file was written (or removed)
    QString backupFile;             // the backup saved for it (configure, migrate)
    std::optional<Error> error;
};

// Makes the plan from the file as read under the lock.
using ClientPlanner = std::function<Result<ClientPlan>(const ClientFileState &)>;
// Sees the first plan (notes, diff) before anything is written. An error refuses the change (e.g.
// "not_confirmed"); when the plan changes nothing, its answer is not used.
using ReviewPlan = std::function<Result<void>(const ClientPlan &)>;
// Runs once, after the review accepted and before the file is written; calls `done` once.
using BeforeWrite = std::function<void(const ClientPlan &, std::function<void(Result<void>)> done)>;
// Runs after the file was written (backup: the one saved, null for undo), or with a null backup
// when the plan changed nothing.
using AfterWrite = std::function<void(const ClientPlan &, const ClientBackup *)>;
using ChangeFinished = std::function<void(ClientChangeOutcome)>;

struct ClientChangeSteps {
    ClientPlanner plan;
    ReviewPlan review;       // required
    BeforeWrite beforeWrite; // optional
    AfterWrite afterWrite;   // optional
};

// Whether two plans make the same change (what Keyward adds or rewrites and the secrets it
// moves), ignoring the bytes around it.
bool sameChange(const ClientPlan &a, const ClientPlan &b);

// Plans, reviews, backs up (not for undo) and writes one change of `client`'s file at
// `location.configFile`. Errors: ClientFileLock's, readClientFile's, the planner's, the review's,
// `beforeWrite`'s, makeBackup/save's, applyPlan's, and "changed_underneath" when the file keeps
// changing or the change would now differ from the one reviewed.
void changeClient(const KeywardHome &home, const ClientDescriptor &client, const ClientLocation &location,
                  ClientChangeSteps steps, ChangeFinished finished);

// The SecretStore to use, opened when first needed (the CLI may ask for a passphrase then).
using StoreProvider = std::function<Result<SecretStore *>()>;

// Who changes client files, and what follows a migration's config change.
struct ClientActionServices {
    KeywardHome home;
    AuditLog *audit = nullptr; // the home's audit log, for migrate's change row
    StoreProvider store;
    QString who;               // the change row's agent: "cli" or "tray"
    // Runs after config.json was saved and the change recorded (e.g. reload the in-process config,
    // tell the owner). Optional.
    std::function<void()> configChanged;
};

// Where the secrets live, for messages: "the keychain" or "the encrypted file secrets.kwv".
QString secretStoreLabel(const Config &config);

// The BeforeWrite of a migration: checks every env var name, then under the home's lock stores each
// secret of `plan.secrets` as env/<ref>, records its runRefs entry (the env var and the server's
// command) in config.json and the audited change row "clients migrate" <client>. Errors:
// "not_supported" (a name that is not an environment variable), the lock's, the config's, the
// store's, and "audit_error" when the row could not be recorded (the file is then not changed).
BeforeWrite storeMigratedSecrets(const ClientActionServices &services, const ClientDescriptor &client);

// Adds (or corrects) the `keyward` entry of `client` (planConfigure).
void configureClient(const ClientActionServices &services, const ClientDescriptor &client,
                     const ClientLocation &location, const QString &keywardBinary, ReviewPlan review,
                     ChangeFinished finished);

// Moves the secrets of `client`'s servers into the store (planMigrate + storeMigratedSecrets);
// with `refs`, only the findings whose refFor() is in it.
void migrateClient(const ClientActionServices &services, const ClientDescriptor &client,
                   const ClientLocation &location, const QString &keywardBinary,
                   const std::optional<std::set<QString>> &refs, ReviewPlan review, ChangeFinished finished);

// The newest backup of `client` not used yet by undo. Errors: BackupStore::list's, and "no_backup"
// when there is none.
Result<ClientBackup> latestBackup(const KeywardHome &home, const ClientDescriptor &client);

// Reads every secret `backup` says is in the store (env/<ref>) and hands planUndo() a lookup over
// them; a ref that could not be read answers with that error when (and only when) it is needed.
void prefetchBackupSecrets(const ClientBackup &backup, const StoreProvider &store,
                           std::function<void(SecretLookup)> done);

// Undoes the change `backup` (from latestBackup()) recorded: planUndo on the file the backup names,
// the secrets put back from the store. Once written (or when nothing is left to undo) the backup is
// marked used and `markedUsed` (optional) runs with the error of marking it, if any (a warning: the
// file itself is restored).
void undoClient(const ClientActionServices &services, const ClientDescriptor &client, const ClientEnvironment &env,
                const ClientBackup &backup, ReviewPlan review, ChangeFinished finished,
                std::function<void(const std::optional<Error> &)> markedUsed = {});

} // namespace keyward::clients
