#pragma once

#include "agents/agenttokens.h"
#include "config/config.h"
#include "core/keywardhome.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace keyward {
class AuditLog;
}

// Changes to the `settings` and `agents` of config.json that the Settings window (and any other
// front end) makes. Each is one read-modify-write under the home's lock file (run/lock, HomeLock),
// validated as config.json is on load, saved atomically, and recorded as one `change` row of the
// audit by agent `who` (DESIGN.md "Audit"). None of them ever writes a token or a secret anywhere
// but where the caller gets it back.
namespace keyward::admin {

// The settings a user changes by hand; nullopt leaves a field as it is.
struct SettingsEdit {
    std::optional<bool> httpEnabled;
    std::optional<int> httpPort;     // 1..65535
    std::optional<int> retentionDays; // 1..36500
    std::optional<bool> auditBodies;

    bool operator==(const SettingsEdit &) const = default;
};

// Applies `edit` and records the change row (method "settings set", path "settings", reason such as
// "http.enabled false -> true; retentionDays 90 -> 30"). Returns that summary, or an empty string
// when `edit` changed nothing (then nothing is written or recorded). Errors: "invalid_setting"
// naming the field and its range; the lock's, the config file's and the audit's own errors. When the
// config was saved but the audit failed, the error says the change was made.
Result<QString> changeSettings(const KeywardHome &home, AuditLog &audit, const SettingsEdit &edit, const QString &who);

// Adds agent `name` with a new token valid until `expires` (invalid = never), as `keyward agent add`
// does; the caller shows the token once and wipes it. Errors: "invalid_name", "exists".
Result<IssuedAgentToken> addAgent(const KeywardHome &home, AuditLog &audit, const QString &name, const QDateTime &expires,
                                  const QString &who);

// Removes agent `name` (its token stops working at once). Error "not_found" when there is none.
Result<void> removeAgent(const KeywardHome &home, AuditLog &audit, const QString &name, const QString &who);

} // namespace keyward::admin
