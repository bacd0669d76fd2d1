#include "alerts/alertsettingsadmin.h"

#include "alerts/alert.h"
#include "alerts/alertsettings.h"
#include "audit/changerecorder.h"
#include "config/configjson.h"
#include "config/homelock.h"

#include <QStringList>

namespace keyward::admin {

namespace {

QString onOff(bool value) { return value ? QStringLiteral("on") : QStringLiteral("off"); }

} // namespace

Result<QString> changeAlertRule(const KeywardHome &home, AuditLog &audit, const QString &category,
                                const AlertRuleEdit &edit, const QString &who, const QString &client)
{
    if (!alertCategories().contains(category)) {
        return Error{QStringLiteral("invalid_setting"),
                     QStringLiteral("'%1' is not an alert category; use one of: %2")
                         .arg(category, alertCategories().join(QStringLiteral(", ")))};
    }
    auto lock = HomeLock::acquire(home);
    if (!lock)
        return lock.error();
    auto loaded = loadConfigFile(home.configFile());
    if (!loaded)
        return loaded.error();
    Config config = std::move(loaded).value();
    auto parsed = alertSettingsFromText(config.settings.notificationsJson);
    if (!parsed)
        return parsed.error();
    AlertSettings settings = std::move(parsed).value();
    AlertRuleSettings rule = settings.rule(category);

    QStringList changes;
    if (edit.enabled && *edit.enabled != rule.enabled) {
        changes << QStringLiteral("%1 record %2").arg(category, onOff(*edit.enabled));
        rule.enabled = *edit.enabled;
    }
    if (edit.notify && *edit.notify != rule.notify) {
        changes << QStringLiteral("%1 notify %2").arg(category, onOff(*edit.notify));
        rule.notify = *edit.notify;
    }
    if (changes.isEmpty())
        return QString();
    settings.rules[category] = rule;
    config.settings.notificationsJson = QString::fromStdString(alertSettingsToJson(settings).dump());
    if (auto valid = validateConfig(config); !valid)
        return valid.error();
    if (auto saved = saveConfigFile(home.configFile(), config); !saved)
        return saved.error();

    const QString summary = changes.join(QStringLiteral("; "));
    const auto recorded = recordChange(audit, QStringLiteral("alerts set"), QStringLiteral("notifications"), summary, who,
                                       QString(), client);
    if (!recorded) {
        return Error{recorded.error().code,
                     QStringLiteral("The alert settings were changed (%1), but the change could not be recorded in the "
                                    "audit log: %2")
                         .arg(summary, recorded.error().message)};
    }
    return summary;
}

} // namespace keyward::admin
