#pragma once

#include <QHash>
#include <QWidget>

#include <functional>

class QCheckBox;
class QLabel;
class QPushButton;
class QShowEvent;
class QTableView;

namespace keyward {
class AlertCenter;
class AuditLog;
class KeywardHome;
} // namespace keyward

namespace keyward::gui {

class AlertsModel;
class AlertsPresenter;

// The Alerts window (DESIGN.md "GUI"): the stored alerts (AlertsModel, unseen ones bold), the
// selected alert's message and the audit rows it is about, "Mark all seen" (alerts are never marked
// seen just by showing the window), and per alert category its "Record" and "Notify" toggles with
// the quiet hours in force. A thin binding of an AlertsPresenter; errors show inline.
class AlertsWindow : public QWidget {
    Q_OBJECT
public:
    AlertsWindow(AlertsPresenter &presenter, AlertsModel &model, QWidget *parent = nullptr);

    // The inline message of the last action (empty when it worked).
    QString errorText() const;
    // The detail text of the selected alert (empty when none is selected).
    QString detailText() const;

protected:
    // Shows the settings in force again (config.json may have changed while the window was closed).
    void showEvent(QShowEvent *event) override;

private:
    void showSettings();
    void showSelected();

    AlertsPresenter &m_presenter;
    AlertsModel &m_model;
    QTableView *m_table = nullptr;
    QLabel *m_detail = nullptr;
    QLabel *m_quietHours = nullptr;
    QLabel *m_error = nullptr;
    QHash<QString, QCheckBox *> m_record;
    QHash<QString, QCheckBox *> m_notify;
};

// The Alerts window over `alerts`, owning its presenter and model; toggles are written to the
// config.json of `home`, audited in `audit`, then `reload` is called (the tray passes
// core.config().reload()). The caller owns the widget (delete on close as it likes).
QWidget *createAlertsWindow(AlertCenter &alerts, const KeywardHome &home, AuditLog &audit, std::function<void()> reload,
                            QWidget *parent = nullptr);

} // namespace keyward::gui
