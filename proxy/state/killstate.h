#pragma once

#include "core/result.h"
#include "state/killswitches.h"
#include "state/statefile.h"

#include <QByteArray>
#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

#include <optional>

namespace keyward {

// The kill switches of a running process (DESIGN.md "Policy": the first gate), read from
// state.json at start and followed on disk.
//
// Another process's change (`keyward kill` run while sessions are open) is picked up live: the
// state watches the file and its directory (so QSaveFile's atomic replace is seen) and re-reads
// the file kSettleMs after the first change it notices, so every call sees a kill well within
// 100 ms. The owner can also call reload() when told of a change over its socket. changed() is
// emitted whenever the switches in force change, whoever changed them (kill()/resume() included);
// listeners abort the calls that are now killed.
//
// Failing safe: a missing state.json means nothing is killed. A state.json that cannot be read or
// parsed keeps the last good switches in force, logs an error and emits invalid() (once per
// distinct file content). When there is no last good state, because the file was already
// unreadable at start, every call is refused (refusalFor() names the rule "kill:state-unreadable"
// and the file) until the file is fixed or removed; that is then picked up live. Lives on one
// thread; all signals are emitted from its event loop or from kill()/resume().
class KillState : public QObject {
    Q_OBJECT
public:
    static constexpr int kSettleMs = 10;
    static constexpr const char *kUnreadableRule = "kill:state-unreadable";

    explicit KillState(const QString &path, QObject *parent = nullptr);

    QString path() const { return m_path; }

    // Reads the file and starts watching it (creating its directory, mode 0700, if missing). On
    // error the state is as described above, lastError() is set and the error is returned; no
    // signal is emitted by this call.
    Result<void> load();

    // Re-reads the file now; emits changed() or invalid() as the watcher would.
    void reload();

    // The switches in force (the last good ones).
    const KillSwitches &switches() const { return m_switches; }
    // False while no good state was ever read: then every call is refused.
    bool hasState() const { return m_hasState; }
    // Why the file on disk is not in force, if it is not.
    const std::optional<Error> &lastError() const { return m_error; }

    // Whether a call of `agent` to `service` is stopped; `rule` (if given) gets the switch's rule.
    bool killed(const QString &service, const QString &agent, QString *rule = nullptr) const;
    std::optional<KillRefusal> refusalFor(const QString &service, const QString &agent) const;

    // Read-modify-write of state.json (changeKillSwitches(); the caller holds the home's lock),
    // then the new switches are in force at once and changed() is emitted if they changed.
    Result<KillChange> kill(const KillTarget &target);
    // Clears `target`'s switch; KillTarget::all() clears only the global switch (`keyward resume`).
    Result<KillChange> resume(const KillTarget &target);
    // Clears every switch (`keyward resume --all`).
    Result<KillChange> resumeEverything();

Q_SIGNALS:
    // The switches in force changed (or became known after an unreadable start); switches()
    // already returns them.
    void changed(const keyward::KillSwitches &switches);
    // The file became unreadable; the last good switches (if any) stay in force.
    void invalid(const keyward::Error &error);

private:
    Result<KillChange> apply(KillAction action, const KillTarget &target);
    void watch();
    void scheduleReload();

    QString m_path;
    KillSwitches m_switches;
    bool m_hasState = false;
    std::optional<Error> m_error;
    std::optional<QByteArray> m_lastSeen; // the file content last examined; nullopt = missing or unread
    bool m_lastSeenValid = false;         // m_lastSeen was examined (missing files included)
    QFileSystemWatcher m_watcher;
    QTimer m_settle;
};

} // namespace keyward
