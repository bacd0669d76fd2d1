#pragma once

#include "config/config.h"

#include <QAbstractTableModel>

namespace keyward::gui {

// The rules of one policy being edited (the services window's policy editor): action (allow,
// deny, ask), method and path glob, each editable in place. Nothing is checked here: the editor
// validates on Apply with the config's own checks. Edits emit edited().
class RulesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Action, Method, Path, ColumnCount };

    explicit RulesModel(QObject *parent = nullptr);

    // The choices of the Action and Method columns, as stored in config.json.
    static QStringList actionNames();
    static QStringList methodNames();

    const QList<Rule> &rules() const { return m_rules; }
    void setRules(const QList<Rule> &rules);
    // Appends `rule` (default: allow GET /**) and returns its row.
    int addRule(const Rule &rule = Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/**")});
    bool removeRule(int row);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // A rule was added, removed or changed by the user (not by setRules()).
    void edited();

private:
    QList<Rule> m_rules;
};

} // namespace keyward::gui
