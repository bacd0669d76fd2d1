#include "models/servicesmodel.h"

#include "admin/serviceadmin.h"
#include "config/configstore.h"
#include "state/killstate.h"

namespace keyward::gui {

ServicesModel::ServicesModel(const ConfigStore &config, const KillState &kills, QObject *parent)
    : QAbstractTableModel(parent), m_config(config), m_kills(kills)
{
    connect(&config, &ConfigStore::changed, this, &ServicesModel::refresh);
    connect(&kills, &KillState::changed, this, &ServicesModel::refresh);
    refresh();
}

void ServicesModel::refresh()
{
    beginResetModel();
    m_names.clear();
    for (const auto &[name, service] : m_config.config().services)
        m_names << name;
    endResetModel();
}

int ServicesModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_names.size()); }

int ServicesModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString ServicesModel::stateOf(const QString &name) const
{
    const auto &services = m_config.config().services;
    const auto found = services.find(name);
    if (found == services.end())
        return {};
    const KillSwitches &switches = m_kills.switches();
    if (switches.all || switches.services.contains(name))
        return QStringLiteral("killed");
    return found->second.enabled ? QStringLiteral("active") : QStringLiteral("disabled");
}

QVariant ServicesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString name = m_names.at(index.row());
    if (role == NameRole)
        return name;
    const auto &services = m_config.config().services;
    const auto found = services.find(name);
    if (found == services.end())
        return {};
    const ServiceConfig &service = found->second;
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case Name:
            return name;
        case BaseUrl:
            return service.baseUrl;
        case Auth:
            return admin::authTypeName(service.auth.type);
        case State: {
            const QString state = stateOf(name);
            if (state == QLatin1String("killed"))
                return tr("killed");
            return state == QLatin1String("active") ? tr("active") : tr("disabled");
        }
        case Rules:
            return int(service.policy.rules.size());
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Rules)
        return admin::describeRules(service.policy);
    return {};
}

QVariant ServicesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Name");
    case BaseUrl:
        return tr("Base URL");
    case Auth:
        return tr("Auth");
    case State:
        return tr("State");
    case Rules:
        return tr("Rules");
    }
    return {};
}

} // namespace keyward::gui
