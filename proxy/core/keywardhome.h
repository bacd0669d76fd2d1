#pragma once

#include <QString>

namespace keyward {

// Where one Keyward installation keeps its files and under which keychain name its secrets live.
//
// With `KEYWARD_HOME` set, every file lives under that directory (config.json, state.json,
// audit.db, keyward.log, run/) and the keychain service name is
// `keyward-<first 8 hex of sha256(canonical absolute KEYWARD_HOME)>`, so tests and side-by-side
// installs never touch the user's real entries. Without it, config goes under
// QStandardPaths::AppConfigLocation, data under AppDataLocation and the socket under the runtime
// dir, and the keychain service name is `keyward`.
//
// Directories are created with mode 0700 and files with 0600; see ensureDirectories().
class KeywardHome {
public:
    // Resolves the layout from the environment (KEYWARD_HOME) and QStandardPaths.
    static KeywardHome fromEnvironment();
    // A layout rooted at an explicit directory, as if KEYWARD_HOME were set to it.
    static KeywardHome atDirectory(const QString &dir);

    bool isExplicit() const { return !m_home.isEmpty(); }
    // The KEYWARD_HOME directory as an absolute path; empty without KEYWARD_HOME.
    QString homeDir() const { return m_home; }
    QString configDir() const { return m_configDir; }
    QString dataDir() const { return m_dataDir; }
    QString runDir() const { return m_runDir; }

    QString configFile() const;
    QString stateFile() const;
    QString auditDatabase() const;
    QString logFile() const;

    QString keychainServiceName() const { return m_keychainService; }

private:
    QString m_home;
    QString m_configDir;
    QString m_dataDir;
    QString m_runDir;
    QString m_keychainService;
};

} // namespace keyward
