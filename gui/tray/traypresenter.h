#pragma once

#include "tray/trayicons.h"

#include "core/keywardhome.h"
#include "core/result.h"
#include "state/killstate.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace keyward {
class AuditLog;
}

namespace keyward::gui {

// What the tray shows and the kill switch it offers, without widgets (STYLE.md "Thin GUI").
//
// It follows `kills` (KillState::changed), so a `keyward kill` run from the command line flips it
// as well as setKilled() does. setKilled() and setServiceKilled() change state.json under the
// home's lock (HomeLock, as `keyward kill` does) and record the `change` row of the audit (method
// "kill" or "resume", agent "tray"). The call count comes from `callsToday` (asked on refresh(),
// on every kill-state change and by the caller's timer); the services offered for a per-service
// kill from `services` (asked each time services() is called, so they follow the config).
class TrayPresenter : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool killed READ killed NOTIFY stateChanged)
    Q_PROPERTY(QString toolTip READ toolTip NOTIFY stateChanged)
    Q_PROPERTY(QString statusLine READ statusLine NOTIFY stateChanged)
public:
    // The agent named in the change rows the tray records.
    static constexpr const char *kAuditAgent = "tray";

    using CallCounter = std::function<qint64()>;
    using ServiceLister = std::function<QStringList()>;

    TrayPresenter(const KeywardHome &home, KillState &kills, AuditLog &audit, CallCounter callsToday,
                  ServiceLister services, QObject *parent = nullptr);

    // Killed while the global kill switch is engaged, else Alert while alerts are unseen, else Active.
    TrayState state() const;
    // The count of unseen alerts (AlertCenter::unseenCountChanged): the icon shows the alert state
    // and the texts name the count until they are seen.
    void setUnseenAlerts(qint64 count);
    qint64 unseenAlerts() const { return m_unseenAlerts; }
    bool killed() const { return m_kills.switches().all; }
    // "Keyward — active · 12 calls today" or "Keyward — all agents stopped".
    QString toolTip() const;
    // The first, disabled, line of the menu: "Active · 12 calls today", "All agents stopped", or
    // "Active · 1 service stopped · 12 calls today".
    QString statusLine() const;

    // The configured services (sorted) and whether each one's own kill switch is engaged.
    QStringList services() const;
    bool serviceKilled(const QString &service) const;

    // Engages (true) or lifts (false) the global kill switch; stateChanged() follows through
    // KillState::changed. A change that changed nothing (already killed) is recorded too, as the
    // CLI does. On error nothing in state.json changed unless the error says the audit failed.
    Result<void> setKilled(bool killed);
    // The same for one service's own switch.
    Result<void> setServiceKilled(const QString &service, bool killed);

public Q_SLOTS:
    // Asks the call count again and emits stateChanged() when the texts changed.
    void refresh();

Q_SIGNALS:
    // The state, tooltip or status line changed.
    void stateChanged();
    // A change asked for through this presenter failed (the message says what to do).
    void failed(const QString &message);

private:
    Result<void> change(KillAction action, const KillTarget &target);
    QString callsText() const;
    QString alertsText() const;

    KeywardHome m_home;
    KillState &m_kills;
    AuditLog &m_audit;
    CallCounter m_callsToday;
    ServiceLister m_services;
    qint64 m_calls = 0;
    qint64 m_unseenAlerts = 0;
};

} // namespace keyward::gui
