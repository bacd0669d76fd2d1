#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace keyward::gui {

class AgentsModel;
class SettingsPresenter;

// The Settings window (DESIGN.md "GUI"): HTTP for agents (on/off, port, the URL served) and the
// agents holding HTTP tokens (add: the token is shown once; remove), start at login, the secret
// store in use, and the audit's body logging and retention. A thin binding of a SettingsPresenter
// and an AgentsModel: Apply sends the edited fields, Revert shows the config again; errors show
// inline under the section they concern.
class SettingsWindow : public QWidget {
    Q_OBJECT
public:
    SettingsWindow(SettingsPresenter &presenter, AgentsModel &agents, QWidget *parent = nullptr);

    // Shows the config as it is now (drops unapplied edits).
    void revert();
    // Applies the edited fields; true when they were saved (or nothing changed).
    bool apply();
    // Asks for an agent name and lifetime, adds it and shows its token once.
    void addAgent();
    // Removes the selected agent after a confirmation.
    void removeSelectedAgent();

    // The inline message of the last Apply/agent/autostart action (empty when it succeeded).
    QString errorText() const;

private:
    void showError(QLabel *label, const QString &message);
    void updateHttpUrl();

    SettingsPresenter &m_presenter;
    AgentsModel &m_agents;
    QCheckBox *m_httpEnabled = nullptr;
    QSpinBox *m_httpPort = nullptr;
    QLabel *m_httpUrl = nullptr;
    QTableView *m_agentTable = nullptr;
    QPushButton *m_removeAgent = nullptr;
    QLabel *m_agentError = nullptr;
    QCheckBox *m_autostart = nullptr;
    QLabel *m_autostartError = nullptr;
    QLabel *m_secretStore = nullptr;
    QCheckBox *m_auditBodies = nullptr;
    QSpinBox *m_retention = nullptr;
    QLabel *m_applyError = nullptr;
    QLabel *m_lastError = nullptr;
};

} // namespace keyward::gui
