#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <QString>

#include <optional>

namespace keyward {
class AuditLog;
}

// Changes to settings.notifications of config.json made by a front end (the tray's Alerts window):
// one read-modify-write under the home's lock file (HomeLock), validated as config.json is on load,
// saved atomically and recorded as one `change` row of the audit (method "alerts set", path
// "notifications", DESIGN.md "Audit"). The running AlertCenter follows the config once it reloads.
namespace keyward::admin {

// The toggles of one alert rule; nullopt leaves a field as it is.
struct AlertRuleEdit {
    std::optional<bool> enabled; // "Record": the rule raises (stores) alerts at all
    std::optional<bool> notify;  // "Notify": its new alerts become desktop notifications

    bool operator==(const AlertRuleEdit &) const = default;
};

// Applies `edit` to the rule of `category` (one of alertCategories()) and records the change row by
// agent `who` from `client` with reason such as "denial_burst notify off; denial_burst record on".
// Returns that summary, or an empty string when nothing changed (then nothing is written or
// recorded). Errors: "invalid_setting" for an unknown category; the lock's, the config file's
// (e.g. "invalid_config" when config.json does not load) and the audit's own errors. When the config
// was saved but the audit failed, the error says the change was made.
Result<QString> changeAlertRule(const KeywardHome &home, AuditLog &audit, const QString &category,
                                const AlertRuleEdit &edit, const QString &who, const QString &client);

} // namespace keyward::admin
