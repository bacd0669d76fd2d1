#pragma once

#include "admin/settingsadmin.h"
#include "config/config.h"
#include "core/keywardhome.h"
#include "core/result.h"

#include <QObject>
#include <QString>

#include <functional>

namespace keyward {
class AuditLog;
class ConfigStore;
} // namespace keyward

namespace keyward::gui {

// What the Settings window shows and changes, without widgets (STYLE.md "Thin GUI"): HTTP for
// agents, start at login, the secret store in use, body logging and retention, and the agents
// that hold HTTP tokens (see AgentsModel for the list).
//
// Reads follow `config` (ConfigStore::changed re-emits changed()). Changes go through
// admin::changeSettings/addAgent/removeAgent (home lock, validation, audited as agent "tray"),
// after which the in-process config is reloaded at once so the owner follows. Start at login is
// the platform's (XDG autostart on Linux) through the two functions given.
class SettingsPresenter : public QObject {
    Q_OBJECT
public:
    // The agent named in the change rows the Settings window records.
    static constexpr const char *kAuditAgent = "tray";

    struct Autostart {
        std::function<Result<bool>()> isEnabled;
        std::function<Result<void>(bool)> setEnabled;
    };
    // The URL the owner serves MCP on over HTTP now, or empty when HTTP is off.
    using HttpUrl = std::function<QString()>;

    SettingsPresenter(const KeywardHome &home, ConfigStore &config, AuditLog &audit, Autostart autostart, HttpUrl httpUrl,
                      QObject *parent = nullptr);

    const Settings &settings() const;
    // "http://127.0.0.1:47817/mcp" while served, else empty.
    QString httpUrl() const { return m_httpUrl ? m_httpUrl() : QString(); }
    // A sentence naming the secret store in use and how to change it.
    QString secretStoreDescription() const;
    // Whether Keyward starts at login; an error when the platform's entry cannot be read.
    Result<bool> autostartEnabled() const;

    // Applies the fields of `edit` that differ; returns the summary of what changed (empty: nothing).
    Result<QString> apply(const admin::SettingsEdit &edit);
    Result<void> setAutostart(bool enabled);
    // A new agent with a token valid for `days` days (0: never expires). The token is returned once.
    Result<QByteArray> addAgent(const QString &name, int days);
    Result<void> removeAgent(const QString &name);

Q_SIGNALS:
    // The config changed (here, in another process or by hand).
    void changed();

private:
    void reloadConfig();

    KeywardHome m_home;
    ConfigStore &m_config;
    AuditLog &m_audit;
    Autostart m_autostart;
    HttpUrl m_httpUrl;
};

} // namespace keyward::gui
