#include "models/alertsmodel.h"

#include "alerts/alertcenter.h"

#include <QFont>

namespace keyward::gui {

AlertsModel::AlertsModel(AlertCenter &center, QObject *parent) : QAbstractTableModel(parent), m_center(center)
{
    reload();
    connect(&m_center, &AlertCenter::alertsChanged, this, &AlertsModel::reload);
}

void AlertsModel::reload()
{
    // Reading flushes grown alerts, which emits alertsChanged again: that read is this one.
    if (m_loading)
        return;
    m_loading = true;
    beginResetModel();
    auto listed = m_center.alerts(kLimit);
    if (listed) {
        m_alerts = std::move(listed).value();
        m_error.clear();
    } else {
        m_alerts.clear();
        m_error = listed.error().message;
    }
    endResetModel();
    m_loading = false;
}

int AlertsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_alerts.size()); }

int AlertsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

const Alert *AlertsModel::alertAt(int row) const
{
    if (row < 0 || row >= m_alerts.size())
        return nullptr;
    return &m_alerts.at(row);
}

QVariant AlertsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Alert &alert = m_alerts.at(index.row());
    if (role == IdRole)
        return alert.id;
    if (role == Qt::FontRole) {
        if (alert.seen)
            return QVariant();
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::ToolTipRole)
        return alert.message;
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole)
        return QVariant();
    switch (index.column()) {
    case Time:
        return alert.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case Severity:
        return severityName(alert.severity);
    case Category:
        return alert.category;
    case Agent:
        return alert.agent;
    case Service:
        return alert.service;
    case Message:
        return alert.message;
    case Count:
        return alert.count;
    case Seen:
        return alert.seen ? tr("yes") : tr("no");
    case ActionTaken:
        return alert.actionTaken.value_or(QString());
    default:
        return QVariant();
    }
}

QVariant AlertsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case Severity:
        return tr("Severity");
    case Category:
        return tr("Category");
    case Agent:
        return tr("Agent");
    case Service:
        return tr("Service");
    case Message:
        return tr("Message");
    case Count:
        return tr("Count");
    case Seen:
        return tr("Seen");
    case ActionTaken:
        return tr("Action taken");
    default:
        return QVariant();
    }
}

} // namespace keyward::gui
