#pragma once

#include "config/config.h"

#include <QAbstractTableModel>
#include <QStringList>

namespace keyward {
class ConfigStore;
class KillState;
} // namespace keyward

namespace keyward::gui {

// The configured services as a table (the services window): name, base URL, auth type, state
// (active, disabled, killed) and the number of rules, one row per service in name order. Follows
// the owner's ConfigStore and KillState live (a reset on each change). Read-only.
class ServicesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, BaseUrl, Auth, State, Rules, ColumnCount };
    // The service name of a row under Qt::UserRole in every column.
    static constexpr int NameRole = Qt::UserRole;

    ServicesModel(const ConfigStore &config, const KillState &kills, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    QString nameAt(int row) const { return m_names.value(row); }
    int rowOf(const QString &name) const { return int(m_names.indexOf(name)); }
    // "active", "disabled" or "killed" (a kill switch of the service or the global one).
    QString stateOf(const QString &name) const;

public Q_SLOTS:
    void refresh();

private:
    const ConfigStore &m_config;
    const KillState &m_kills;
    QStringList m_names;
};

} // namespace keyward::gui
