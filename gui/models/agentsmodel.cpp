#include "models/agentsmodel.h"

#include "agents/agenttokens.h"
#include "config/configstore.h"

namespace keyward::gui {

AgentsModel::AgentsModel(ConfigStore &config, QObject *parent) : QAbstractTableModel(parent)
{
    connect(&config, &ConfigStore::changed, this, &AgentsModel::reset);
    reset(config.config());
}

void AgentsModel::reset(const Config &config)
{
    beginResetModel();
    m_rows.clear();
    for (const auto &[name, agent] : config.agents) // std::map: sorted by name
        m_rows.append({name, agent});
    endResetModel();
}

int AgentsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int AgentsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString AgentsModel::nameAt(int row) const { return row >= 0 && row < m_rows.size() ? m_rows.at(row).name : QString(); }

QVariant AgentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    if (role == NameRole)
        return row.name;
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole)
        return {};
    switch (index.column()) {
    case Name:
        return row.name;
    case Created:
        return row.agent.created;
    case Expires:
        return row.agent.expires.isEmpty() ? tr("never") : row.agent.expires;
    case State:
        return agentTokenExpired(row.agent, QDateTime::currentDateTimeUtc()) ? tr("expired") : tr("active");
    default:
        return {};
    }
}

QVariant AgentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Agent");
    case Created:
        return tr("Created");
    case Expires:
        return tr("Expires");
    case State:
        return tr("State");
    default:
        return {};
    }
}

} // namespace keyward::gui
