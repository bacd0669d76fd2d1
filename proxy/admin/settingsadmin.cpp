#include "admin/settingsadmin.h"

#include "audit/changerecorder.h"
#include "config/configjson.h"
#include "config/homelock.h"
#include "config/validation.h"
#include "core/names.h"

#include <QStringList>

namespace keyward::admin {

namespace {

struct Locked {
    std::unique_ptr<HomeLock> lock;
    Config config;
};

Result<Locked> lockAndLoad(const KeywardHome &home)
{
    auto lock = HomeLock::acquire(home);
    if (!lock)
        return lock.error();
    auto config = loadConfigFile(home.configFile());
    if (!config)
        return config.error();
    return Locked{std::move(lock).value(), std::move(config).value()};
}

// Records the change row of a change already saved; a failure says that the change was made.
Result<void> record(AuditLog &audit, const QString &command, const QString &target, const QString &whatChanged,
                    const QString &who, const QString &done)
{
    const auto recorded = recordChange(audit, command, target, whatChanged, who, QString(),
                                       who == QLatin1String("tray") ? QStringLiteral("keyward-tray") : QString(kChangeClient));
    if (!recorded) {
        return Error{recorded.error().code, QStringLiteral("%1, but the change could not be recorded in the audit log: %2")
                                                .arg(done, recorded.error().message)};
    }
    return {};
}

QString onOff(bool value) { return value ? QStringLiteral("true") : QStringLiteral("false"); }

Error invalidSetting(const QString &field, qint64 low, qint64 high)
{
    return Error{QStringLiteral("invalid_setting"), QStringLiteral("%1 must be a whole number from %2 to %3").arg(field).arg(low).arg(high)};
}

} // namespace

Result<QString> changeSettings(const KeywardHome &home, AuditLog &audit, const SettingsEdit &edit, const QString &who)
{
    if (edit.httpPort && (*edit.httpPort < 1 || *edit.httpPort > 65535))
        return invalidSetting(QStringLiteral("The HTTP port"), 1, 65535);
    if (edit.retentionDays && (*edit.retentionDays < 1 || *edit.retentionDays > config_check::kMaxRetentionDays))
        return invalidSetting(QStringLiteral("The audit retention (days)"), 1, config_check::kMaxRetentionDays);

    auto locked = lockAndLoad(home);
    if (!locked)
        return locked.error();
    Config &config = locked.value().config;
    Settings &settings = config.settings;
    QStringList changes;
    if (edit.httpEnabled && *edit.httpEnabled != settings.httpEnabled) {
        changes << QStringLiteral("http.enabled %1 -> %2").arg(onOff(settings.httpEnabled), onOff(*edit.httpEnabled));
        settings.httpEnabled = *edit.httpEnabled;
    }
    if (edit.httpPort && *edit.httpPort != settings.httpPort) {
        changes << QStringLiteral("http.port %1 -> %2").arg(settings.httpPort).arg(*edit.httpPort);
        settings.httpPort = *edit.httpPort;
    }
    if (edit.retentionDays && *edit.retentionDays != settings.retentionDays) {
        changes << QStringLiteral("retentionDays %1 -> %2").arg(settings.retentionDays).arg(*edit.retentionDays);
        settings.retentionDays = *edit.retentionDays;
    }
    if (edit.auditBodies && *edit.auditBodies != settings.auditBodies) {
        changes << QStringLiteral("auditBodies %1 -> %2").arg(onOff(settings.auditBodies), onOff(*edit.auditBodies));
        settings.auditBodies = *edit.auditBodies;
    }
    if (changes.isEmpty())
        return QString();
    if (auto valid = validateConfig(config); !valid)
        return valid.error();
    if (auto saved = saveConfigFile(home.configFile(), config); !saved)
        return saved.error();
    const QString summary = changes.join(QStringLiteral("; "));
    if (auto recorded = record(audit, QStringLiteral("settings set"), QStringLiteral("settings"), summary, who,
                               QStringLiteral("The settings were changed (%1)").arg(summary));
        !recorded) {
        return recorded.error();
    }
    return summary;
}

Result<IssuedAgentToken> addAgent(const KeywardHome &home, AuditLog &audit, const QString &name, const QDateTime &expires,
                                  const QString &who)
{
    if (!isValidName(name)) {
        return Error{QStringLiteral("invalid_name"),
                     QStringLiteral("an agent name is 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit")};
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (expires.isValid() && expires <= now)
        return Error{QStringLiteral("invalid_setting"), QStringLiteral("the expiry is in the past: pick a future date")};
    auto locked = lockAndLoad(home);
    if (!locked)
        return locked.error();
    Config &config = locked.value().config;
    if (config.agents.count(name)) {
        return Error{QStringLiteral("exists"),
                     QStringLiteral("an agent named '%1' already exists; remove it first to give it a new token").arg(name)};
    }
    IssuedAgentToken issued = issueAgentToken(now, expires);
    config.agents[name] = issued.config;
    if (auto saved = saveConfigFile(home.configFile(), config); !saved) {
        issued.token.fill('\0');
        return saved.error();
    }
    const QString expiresText = issued.config.expires.isEmpty() ? QStringLiteral("never") : issued.config.expires;
    if (auto recorded = record(audit, QStringLiteral("agent add"), name, QStringLiteral("token issued, expires %1").arg(expiresText),
                               who, QStringLiteral("Added agent '%1' (its token was not shown)").arg(name));
        !recorded) {
        issued.token.fill('\0');
        return recorded.error();
    }
    return issued;
}

Result<void> removeAgent(const KeywardHome &home, AuditLog &audit, const QString &name, const QString &who)
{
    auto locked = lockAndLoad(home);
    if (!locked)
        return locked.error();
    Config &config = locked.value().config;
    if (!config.agents.count(name))
        return Error{QStringLiteral("not_found"), QStringLiteral("there is no agent named '%1'").arg(name)};
    config.agents.erase(name);
    if (auto saved = saveConfigFile(home.configFile(), config); !saved)
        return saved.error();
    return record(audit, QStringLiteral("agent remove"), name, QStringLiteral("removed; its token no longer works"), who,
                  QStringLiteral("Removed agent '%1'").arg(name));
}

} // namespace keyward::admin
