#pragma once

#include "alerts/alert.h"

#include <QAbstractTableModel>
#include <QList>

namespace keyward {
class AlertCenter;
}

namespace keyward::gui {

// The newest kLimit alerts of an AlertCenter, newest first, one row each: time, severity, category,
// agent, service, message, count, seen, action taken. Reset on AlertCenter::alertsChanged (new,
// grown or seen alerts). Unseen rows are bold. Read-only.
class AlertsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int kLimit = 500;
    enum Column { Time, Severity, Category, Agent, Service, Message, Count, Seen, ActionTaken, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1 };

    explicit AlertsModel(AlertCenter &center, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The alert shown in `row`; nullptr when there is none.
    const Alert *alertAt(int row) const;
    // Why the alerts could not be read the last time (empty when they were).
    QString errorText() const { return m_error; }

    // Reads the alerts again (done on every alertsChanged).
    void reload();

private:
    AlertCenter &m_center;
    QList<Alert> m_alerts;
    QString m_error;
    bool m_loading = false;
};

} // namespace keyward::gui
