#include "settings/settingspresenter.h"

#include "config/configstore.h"


namespace keyward::gui {

namespace {

const QString kWho = QString::fromLatin1(SettingsPresenter::kAuditAgent);

} // namespace

SettingsPresenter::SettingsPresenter(const KeywardHome &home, ConfigStore &config, AuditLog &audit, Autostart autostart,
                                     HttpUrl httpUrl, QObject *parent)
    : QObject(parent), m_home(home), m_config(config), m_audit(audit), m_autostart(std::move(autostart)),
      m_httpUrl(std::move(httpUrl))
{
    connect(&m_config, &ConfigStore::changed, this, &SettingsPresenter::changed);
}

const Settings &SettingsPresenter::settings() const { return m_config.config().settings; }

QString SettingsPresenter::secretStoreDescription() const
{
    if (settings().secretStore == SecretStoreKind::File) {
        return tr("Secrets are kept in the encrypted file secrets.kwv in Keyward's data folder (settings.secretStore "
                  "\"file\"), unlocked with your passphrase. Use this only where no keychain runs.");
    }
    return tr("Secrets are kept in the system keychain (the Secret Service, e.g. GNOME Keyring or KWallet), under "
              "the name %1. This is the safest choice on a desktop.")
        .arg(m_home.keychainServiceName());
}

Result<bool> SettingsPresenter::autostartEnabled() const
{
    if (!m_autostart.isEnabled)
        return Error{QStringLiteral("unsupported"), tr("Starting at login is not available on this system.")};
    return m_autostart.isEnabled();
}

Result<QString> SettingsPresenter::apply(const admin::SettingsEdit &edit)
{
    auto changedText = admin::changeSettings(m_home, m_audit, edit, kWho);
    reloadConfig();
    return changedText;
}

Result<void> SettingsPresenter::setAutostart(bool enabled)
{
    if (!m_autostart.setEnabled)
        return Error{QStringLiteral("unsupported"), tr("Starting at login is not available on this system.")};
    return m_autostart.setEnabled(enabled);
}

Result<QByteArray> SettingsPresenter::addAgent(const QString &name, int days)
{
    if (days < 0 || days > 3650)
        return Error{QStringLiteral("invalid_setting"), tr("The token's lifetime is 0 (never expires) to 3650 days.")};
    const QDateTime expires = days == 0 ? QDateTime() : QDateTime::currentDateTimeUtc().addDays(days);
    auto issued = admin::addAgent(m_home, m_audit, name, expires, kWho);
    reloadConfig();
    if (!issued)
        return issued.error();
    return std::move(issued->token);
}

Result<void> SettingsPresenter::removeAgent(const QString &name)
{
    auto removed = admin::removeAgent(m_home, m_audit, name, kWho);
    reloadConfig();
    return removed;
}

void SettingsPresenter::reloadConfig() { m_config.reload(); }

} // namespace keyward::gui
