#pragma once

#include "clients/clientbackups.h"
#include "clients/clientfile.h"
#include "clients/clientregistry.h"
#include "clients/secretscanner.h"
#include "config/config.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <vector>

namespace keyward::clients {

// The changes Keyward makes to one client's file, planned before anything is written so that a
// user (CLI or the Clients window) sees a diff first: plan with planConfigure / planMigrate /
// planUndo, show `diff`, then write with applyPlan() after saving makeBackup(plan). Every edit
// goes through the span-preserving editor (configedit.h), so bytes Keyward does not mean to
// change stay as they are. No plan field shown to a user (diff, notes) holds a secret: the diff
// masks every detected secret as maskSecret() does.

// A secret `migrate` moves into the SecretStore as env/<ref>, with its runRefs entry.
struct MigratedSecret {
    QString ref;
    QString envVar;
    QStringList command; // the server's original command + args, what `keyward run` may start with it
    std::string secret;  // the env value; in memory only
    std::string server;
};

struct ClientPlan {
    const ClientDescriptor *client = nullptr;
    ClientLocation location;
    ClientFileState file;         // what the plan was made from
    QString action;               // "configure", "migrate" or "undo"
    QByteArray newBytes;          // the file after the change
    bool removeFile = false;      // undo of a file Keyward created: delete it
    QString diff;                 // unified diff, secrets masked
    std::vector<BackupChange> changes;     // what Keyward adds or rewrites (for the backup)
    std::vector<SecretFinding> findings;   // every secret detected in the file before the change
    std::vector<MigratedSecret> secrets;   // migrate: what goes into the SecretStore
    QStringList notes;            // sentences for the user: "already configured", skipped servers, ...

    bool changesFile() const { return removeFile || newBytes != file.bytes; }
};

// `keyward mcp --agent <client id>` started through `keywardBinary` (an absolute path).
QStringList keywardMcpArgs(const ClientDescriptor &client);

// The runRefs name of a secret: `<client>-<server>-<var>` folded to the name pattern.
QString refFor(const QString &client, const std::string &server, const std::string &var);

// Adds (or corrects) the `keyward` stdio entry. Errors: "not_installed" (the client's directory
// does not exist: no file is created), "config_syntax" naming the file with line and column,
// "config_shape" (the servers key holds something other than an object), "edit_failed".
Result<ClientPlan> planConfigure(const ClientDescriptor &client, const ClientLocation &location,
                                 const ClientFileState &file, const QString &keywardBinary);

// The VS Code input and the Codex environment variable that carry Keyward's agent token.
inline constexpr const char *kVsCodeTokenInput = "keyward-token";
inline constexpr const char *kCodexTokenVariable = "KEYWARD_AGENT_TOKEN";

// The HTTP `keyward` entry of `client` for Keyward's endpoint `url` (http://127.0.0.1:PORT/mcp),
// per HttpTokenStyle: PlainHeader writes `Authorization: Bearer <token>`; VS Code refers to the
// password input `keyward-token` (VS Code asks for the token once and keeps it in its secret
// storage); Codex names the environment variable KEYWARD_AGENT_TOKEN (bearer_token_env_var), which
// the user sets. `type` is "http" where the client wants it; Windsurf uses serverUrl.
nlohmann::json httpEntry(const ClientDescriptor &client, const QString &url, const QByteArray &token);

// The agent token written in `document`'s keyward entry (PlainHeader clients), or empty.
QByteArray agentTokenInEntry(const ClientDescriptor &client, const nlohmann::json &document);

// Adds (or corrects) the HTTP `keyward` entry, and for VS Code the `keyward-token` input. `token`
// is only written for PlainHeader clients (a note says so). Errors: "not_supported" for a client
// without HTTP entries with headers (Claude Desktop), then planConfigure()'s. Agent tokens are
// masked in every diff and replaced by a placeholder in backups.
Result<ClientPlan> planConfigureHttp(const ClientDescriptor &client, const ClientLocation &location,
                                     const ClientFileState &file, const QString &url, const QByteArray &token);

// Moves every secret found in the `env` of stdio servers into the SecretStore: each such server
// becomes `keywardBinary run --env VAR=@ref... -- <command> <args>...` with the secret removed
// from `env`. Servers with secrets elsewhere (args, headers, URLs) or HTTP servers are left as
// they are, with a note saying why. Same errors as planConfigure().
// With `include`, only the findings it accepts are moved (the Clients window's checkboxes): the
// others stay where they are, and a server with none accepted is left unchanged with a note.
using SecretFilter = std::function<bool(const SecretFinding &)>;
Result<ClientPlan> planMigrate(const ClientDescriptor &client, const ClientLocation &location,
                               const ClientFileState &file, const QString &keywardBinary,
                               const SecretFilter &include = {});

// Reads env/<ref> from the SecretStore; used by planUndo() to put migrated secrets back.
using SecretLookup = std::function<Result<std::string>(const QString &ref)>;

// Undoes `backup`: when the file is byte-identical to what Keyward wrote, the original bytes
// (secrets put back through `lookup`, checked against the backup's sha256); otherwise only
// Keyward's additions are removed and the entries it rewrote restored (each only when it is still
// exactly what Keyward wrote; an entry edited since is left with a note).
Result<ClientPlan> planUndo(const ClientDescriptor &client, const ClientLocation &location, const ClientFileState &file,
                            const ClientBackup &backup, const SecretLookup &lookup);

// The backup of `plan` (configure or migrate), to save before applyPlan(); never holds a secret.
Result<ClientBackup> makeBackup(const ClientPlan &plan);

// Writes the plan (replaceClientFile / removeClientFile with their compare-before-replace).
Result<void> applyPlan(const ClientPlan &plan);

} // namespace keyward::clients
