#pragma once

#include <QDialog>
#include <QHash>
#include <QObject>
#include <QPointer>

class QLabel;
class QPushButton;

namespace keyward::gui {

class ApprovalPresenter;

// The non-modal dialog of one pending decision of an ApprovalPresenter (a thin binding): for an
// `ask` call the agent, client, service, method, path, rule and reason with "Approve once",
// "Always" (only when it can be made permanent) and "Deny"; for a widening change its summary
// with "Confirm" and "Deny". A countdown shows the seconds left. Deny is the default button, and
// Escape or closing the dialog denies too. The dialog closes itself when the decision ends.
class ApprovalDialog : public QDialog {
    Q_OBJECT
public:
    ApprovalDialog(ApprovalPresenter &presenter, int id, QWidget *parent = nullptr);

    int decisionId() const { return m_id; }
    QPushButton *approveButton() const { return m_approve; }
    QPushButton *alwaysButton() const { return m_always; } // null for a confirmation
    QPushButton *denyButton() const { return m_deny; }
    QString countdownText() const;

    void reject() override;

private:
    void updateCountdown();

    ApprovalPresenter &m_presenter;
    int m_id;
    QLabel *m_countdown = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_always = nullptr;
    QPushButton *m_deny = nullptr;
};

// Shows an ApprovalDialog for each decision the presenter adds (several stack, slightly offset)
// and closes it when the decision ends. Requires a QApplication.
class ApprovalDialogs : public QObject {
    Q_OBJECT
public:
    explicit ApprovalDialogs(ApprovalPresenter &presenter, QObject *parent = nullptr);
    ~ApprovalDialogs() override;

    // The open dialog of `id`, or null.
    ApprovalDialog *dialog(int id) const;

private:
    void open(int id);
    void close(int id);

    ApprovalPresenter &m_presenter;
    QHash<int, QPointer<ApprovalDialog>> m_dialogs;
};

} // namespace keyward::gui
