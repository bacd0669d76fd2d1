#pragma once

#include "alerts/alert.h"
#include "alerts/alertengine.h"
#include "alerts/alertstore.h"
#include "alerts/notificationthrottle.h"
#include "alerts/notifier.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "state/killswitches.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <deque>

namespace keyward {

class AuditLog;
class ConfigStore;
class KillState;

// The owner's anomaly alerts (DESIGN.md "GUI": notifications on anomalies), wired to the core it
// runs with: every row `audit` commits goes (through AuditLog's append observer) to the
// AlertEngine; rows other processes appended (admin commands) are read when refresh() is called
// (the owner's `reload` op) or when a later row of this process shows a gap in the seqs. Each new
// alert is stored in the alerts table (AlertStore), may stop its agent (the rule's autoKill:
// KillState agent switch, audited as a `change` row "kill" by agent "alerts", the alert saying so
// and how to resume), and may become a desktop notification through the Notifier (at most one per
// category per minute, see NotificationThrottle). A notification's "Stop this agent" and "Kill
// all" engage the kill switches (audited, agent "notification"); "Open audit" emits
// openAuditRequested().
//
// A coalesced alert's growth (count, last_seq) is written within kFlushIntervalMs, and at once
// before the alerts are read through this object or it is destroyed.
//
// Hand edits of config.json: when the config changes on disk and no `change` row from an admin
// command arrives within kHandEditGraceMs (or came shortly before), the change is recorded as a
// `change` row "config edit" by agent "hand-edit", which raises an access_change alert.
//
// Settings come from settings.notifications (alertsettings.h) and follow the config live. Lives
// on the thread of the event loop, as the core does; `audit`, `config` and `kills` must outlive it.
class AlertCenter : public QObject {
    Q_OBJECT
public:
    static constexpr int kHistoryRows = 20000;   // calls learned at start (agents and paths known)
    static constexpr int kCatchUpRows = 5000;    // rows of other processes read at once
    static constexpr int kHandEditGraceMs = 1500;
    static constexpr int kLockTimeoutMs = 3000;
    // A growing alert (coalesced events) is written at most this often: a burst costs one UPDATE.
    static constexpr int kFlushIntervalMs = 500;

    AlertCenter(const KeywardHome &home, AuditLog &audit, ConfigStore &config, KillState &kills,
                QObject *parent = nullptr);
    ~AlertCenter() override;

    // Opens the alerts store, learns the recent history, reads the settings and starts watching
    // the audit and the config. Before start() nothing is observed.
    Result<void> start();

    // Where notifications go; not owned (null: none). Its actionInvoked() is followed.
    void setNotifier(Notifier *notifier);
    // The clock and zone of the engine and the throttle (tests fix them); defaults: now, system zone.
    void setClock(AlertEngine::Clock clock);
    void setTimeZone(const QTimeZone &zone);
    const AlertSettings &settings() const { return m_engine.settings(); }

    // The read model of the tray's Alerts window and of `keyward alerts`.
    // The newest `limit` alerts (all when <= 0), newest first.
    Result<QList<Alert>> alerts(int limit = 0, bool onlyUnseen = false);
    // Marks these alerts seen (all when empty); emits alertsChanged() and unseenCountChanged().
    Result<int> markSeen(const QList<qint64> &ids = {});
    // Alerts not yet seen (the tray shows its Alert state while this is above 0).
    qint64 unseenCount() const { return m_unseen; }

    // Reads the audit rows appended by other processes since the last one seen, and the unseen
    // count afresh (another process may have marked alerts seen).
    void refresh();

    // What the notification buttons do, also for the tray: engage the agent's (or the global) kill
    // switch under the home's lock and record it as a `change` row by `actor`.
    Result<void> stopAgent(const QString &agent, const QString &actor, const QString &why);
    Result<void> killAll(const QString &actor, const QString &why);

Q_SIGNALS:
    // A new alert was stored (its id set).
    void alertRaised(const keyward::Alert &alert);
    // The stored alerts changed: one was added or grew, or some were marked seen.
    void alertsChanged();
    void unseenCountChanged(qint64 count);
    // "Open audit" was pressed in a notification: the tray opens its audit window.
    void openAuditRequested();

private:
    struct Stored {
        qint64 id = 0;
        QString message;
        std::optional<QString> actionTaken;
    };
    // Writes the alerts that grew since the last flush.
    void flush();

    void onAppended(const AuditRow &row);
    void drain();
    void catchUp(qint64 beforeSeq);
    void process(const AuditRow &row);
    void handle(AlertEvent event);
    void showNotification(const Alert &alert, int heldBack);
    void onAction(NotificationAction action, const QString &agent);
    void applySettings();
    void onConfigChanged();
    void checkHandEdit();
    void updateUnseen();
    Result<void> engage(const KillTarget &target, const QString &actor, const QString &why);

    KeywardHome m_home;
    AuditLog &m_audit;
    ConfigStore &m_config;
    KillState &m_kills;
    AlertStore m_store;
    AlertEngine m_engine;
    NotificationThrottle m_throttle;
    QPointer<Notifier> m_notifier;
    QTimeZone m_zone = QTimeZone::systemTimeZone();
    bool m_started = false;
    bool m_draining = false;
    std::deque<AuditRow> m_pending;
    qint64 m_lastSeq = 0;
    QDateTime m_lastChangeRow;   // time of the newest `change` row seen
    QDateTime m_configChangedAt; // when the config last changed on disk
    QTimer m_handEdit;
    QHash<QString, Stored> m_stored; // engine key → the stored alert it updates
    QHash<qint64, Alert> m_grown;    // id → the alert as it now stands, not yet written
    QTimer m_flush;
    qint64 m_unseen = 0;
};

} // namespace keyward
