#include "models/clientsmodel.h"

#include "clients/clientspresenter.h"

namespace keyward::gui {

ClientsModel::ClientsModel(ClientsPresenter &presenter, QObject *parent)
    : QAbstractTableModel(parent), m_presenter(presenter), m_rows(int(presenter.clients().size()))
{
    connect(&m_presenter, &ClientsPresenter::aboutToRefresh, this, [this]() { beginResetModel(); });
    connect(&m_presenter, &ClientsPresenter::refreshed, this, [this]() {
        m_rows = int(m_presenter.clients().size());
        endResetModel();
    });
}

int ClientsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : m_rows; }

int ClientsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ClientsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || index.row() >= int(m_presenter.clients().size()))
        return QVariant();
    const ClientsPresenter::Client &client = m_presenter.clients().at(size_t(index.row()));
    if (role == IdRole)
        return client.descriptor->id;
    const auto yesNo = [](bool value) { return value ? tr("yes") : tr("no"); };
    if (role == Qt::ToolTipRole)
        return client.error ? client.error->message : client.location.configFile;
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole)
        return QVariant();
    switch (index.column()) {
    case Name:
        return client.descriptor->name;
    case Path:
        return client.location.configFile;
    case Installed:
        return yesNo(client.location.installed);
    case Configured:
        return client.error ? tr("unreadable") : yesNo(client.configured);
    case Servers:
        return client.error ? QVariant(tr("?")) : QVariant(client.servers);
    case Secrets:
        return client.error ? QVariant(tr("?")) : QVariant(int(client.findings.size()));
    default:
        return QVariant();
    }
}

QVariant ClientsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Client");
    case Path:
        return tr("Config file");
    case Installed:
        return tr("Installed");
    case Configured:
        return tr("Uses Keyward");
    case Servers:
        return tr("Servers");
    case Secrets:
        return tr("Plaintext secrets");
    default:
        return QVariant();
    }
}

QString ClientsModel::idAt(int row) const
{
    if (row < 0 || row >= m_rows)
        return QString();
    return m_presenter.clients().at(size_t(row)).descriptor->id;
}

int ClientsModel::rowOf(const QString &id) const
{
    for (int row = 0; row < m_rows; ++row) {
        if (m_presenter.clients().at(size_t(row)).descriptor->id == id)
            return row;
    }
    return -1;
}

} // namespace keyward::gui
