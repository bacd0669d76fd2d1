#include "models/rulesmodel.h"

#include "admin/serviceadmin.h"

namespace keyward::gui {

RulesModel::RulesModel(QObject *parent) : QAbstractTableModel(parent) {}

QStringList RulesModel::actionNames() { return {QStringLiteral("allow"), QStringLiteral("deny"), QStringLiteral("ask")}; }

QStringList RulesModel::methodNames()
{
    return {QStringLiteral("GET"),   QStringLiteral("HEAD"),   QStringLiteral("POST"),    QStringLiteral("PUT"),
            QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("OPTIONS"), QStringLiteral("*")};
}

void RulesModel::setRules(const QList<Rule> &rules)
{
    beginResetModel();
    m_rules = rules;
    endResetModel();
}

int RulesModel::addRule(const Rule &rule)
{
    const int row = int(m_rules.size());
    beginInsertRows({}, row, row);
    m_rules << rule;
    endInsertRows();
    Q_EMIT edited();
    return row;
}

bool RulesModel::removeRule(int row)
{
    if (row < 0 || row >= m_rules.size())
        return false;
    beginRemoveRows({}, row, row);
    m_rules.removeAt(row);
    endRemoveRows();
    Q_EMIT edited();
    return true;
}

int RulesModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rules.size()); }

int RulesModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RulesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole && role != Qt::AccessibleTextRole)
        return {};
    const Rule &rule = m_rules.at(index.row());
    switch (index.column()) {
    case Action:
        return admin::ruleActionName(rule.action);
    case Method:
        return rule.method;
    case Path:
        return rule.path;
    }
    return {};
}

bool RulesModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    Rule &rule = m_rules[index.row()];
    const QString text = value.toString().trimmed();
    switch (index.column()) {
    case Action: {
        const qsizetype action = actionNames().indexOf(text);
        if (action < 0)
            return false;
        rule.action = RuleAction(action);
        break;
    }
    case Method:
        rule.method = text.toUpper();
        break;
    case Path:
        rule.path = text;
        break;
    default:
        return false;
    }
    Q_EMIT dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole});
    Q_EMIT edited();
    return true;
}

Qt::ItemFlags RulesModel::flags(const QModelIndex &index) const
{
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsEditable;
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Action:
        return tr("Action");
    case Method:
        return tr("Method");
    case Path:
        return tr("Path");
    }
    return {};
}

} // namespace keyward::gui
