#pragma once

#include "config/config.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

namespace keyward {
class ConfigStore;
}

namespace keyward::gui {

// The agents of config.json that hold HTTP tokens (never the tokens: only names and dates), sorted
// by name, following `config` live (a reset on each ConfigStore::changed). Read-only.
class AgentsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Created, Expires, State, ColumnCount };
    enum Role { NameRole = Qt::UserRole + 1 };

    explicit AgentsModel(ConfigStore &config, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The agent shown in `row`, or an empty string.
    QString nameAt(int row) const;

private:
    void reset(const Config &config);

    struct Row {
        QString name;
        AgentConfig agent;
    };
    QList<Row> m_rows;
};

} // namespace keyward::gui
