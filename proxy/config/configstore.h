#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QByteArray>
#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

#include <optional>

namespace keyward {

// The config of a running process: config.json loaded at start and followed on disk.
//
// Hand edits (and saves by other processes) are picked up live: the store watches the file and
// its directory (so an editor's or QSaveFile's atomic replace is seen, and the file is watched
// again afterwards), waits until writes settle (kSettleMs), and re-reads it. A valid file that
// differs from config() becomes the current config and changed() is emitted; an invalid or
// missing file leaves the last good config in force and invalid() is emitted once per distinct
// file content. Lives on one thread; all signals are emitted from its event loop.
class ConfigStore : public QObject {
    Q_OBJECT
public:
    static constexpr int kSettleMs = 150;

    explicit ConfigStore(const QString &path, QObject *parent = nullptr);

    QString path() const { return m_path; }

    // Loads the file and starts watching it. A missing file gives an empty config. On error
    // config() stays as it was (the default, empty config on the first call), lastError() is set
    // and the error is returned; no signal is emitted by this call.
    Result<void> load();

    // The last good config.
    const Config &config() const { return m_config; }
    // Why the file on disk is not in force, if it is not.
    const std::optional<Error> &lastError() const { return m_error; }

    // Writes `config` atomically (saveConfigFile(): config.json.bak first, mode 0600) and makes
    // it the current config on success. Emits nothing: the caller knows what it saved, and the
    // watcher finds the written file unchanged.
    Result<void> save(const Config &config);

    // Re-reads the file now (as the watcher does after a change settles), emitting changed() or
    // invalid() as it finds. For a process told over its socket that the file changed.
    void reload();

Q_SIGNALS:
    // The file became a valid config different from the previous one; config() already returns it.
    void changed(const keyward::Config &config);
    // The file became invalid or disappeared; config() still returns the last good config.
    void invalid(const keyward::Error &error);

private:
    void watch();

    QString m_path;
    Config m_config;
    std::optional<Error> m_error;
    std::optional<QByteArray> m_lastSeen; // the file content last examined; nullopt = missing
    QFileSystemWatcher m_watcher;
    QTimer m_settle;
};

} // namespace keyward
