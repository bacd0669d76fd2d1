#pragma once

#include <QAbstractTableModel>

namespace keyward::gui {

class ClientsPresenter;

// The MCP clients as ClientsPresenter last inspected them, one row each in registry order: name,
// config path, installed, configured, servers and plaintext secrets found (a count, never a
// value). Reset on each ClientsPresenter::refreshed (refresh on demand, and after every change).
// Read-only.
class ClientsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Path, Installed, Configured, Servers, Secrets, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1 };

    explicit ClientsModel(ClientsPresenter &presenter, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The client id shown in `row`, or an empty string.
    QString idAt(int row) const;
    // The row of client `id`, or -1.
    int rowOf(const QString &id) const;

private:
    ClientsPresenter &m_presenter;
    int m_rows = 0;
};

} // namespace keyward::gui
