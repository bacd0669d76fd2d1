#include "approvals/approvaldialog.h"

#include "approvals/approvalpresenter.h"
#include "tray/trayicons.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace keyward::gui {

namespace {

constexpr int kStackOffset = 24;

QLabel *valueLabel(const QString &text, const QString &accessibleName, QWidget *parent)
{
    auto *label = new QLabel(text.isEmpty() ? ApprovalDialog::tr("(none)") : text, parent);
    label->setTextFormat(Qt::PlainText); // agent-supplied text is never rendered as rich text
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->setAccessibleName(accessibleName);
    return label;
}

} // namespace

ApprovalDialog::ApprovalDialog(ApprovalPresenter &presenter, int id, QWidget *parent)
    : QDialog(parent), m_presenter(presenter), m_id(id)
{
    setModal(false);
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowIcon(applicationIcon());
    const auto decision = presenter.find(id);
    const bool approval = !decision || decision->kind == PendingDecision::Kind::Approval;
    auto *layout = new QVBoxLayout(this);
    auto *headline = new QLabel(this);
    headline->setWordWrap(true);
    headline->setAccessibleName(tr("Question"));
    layout->addWidget(headline);

    auto *buttons = new QDialogButtonBox(this);
    if (approval) {
        const policy::ApprovalRequest request = decision ? decision->request : policy::ApprovalRequest{};
        setWindowTitle(tr("Keyward: approve a call?"));
        setAccessibleName(tr("Approve a call"));
        headline->setText(tr("An agent asks to make a call that needs your approval."));
        auto *form = new QFormLayout;
        form->addRow(tr("Agent:"), valueLabel(request.agent, tr("Agent"), this));
        form->addRow(tr("Client:"), valueLabel(request.client, tr("Client"), this));
        form->addRow(tr("Service:"), valueLabel(request.service, tr("Service"), this));
        form->addRow(tr("Call:"), valueLabel(request.method + u' ' + request.path, tr("Method and path"), this));
        form->addRow(tr("Rule:"), valueLabel(QStringLiteral("ask ") + request.rule, tr("Rule"), this));
        form->addRow(tr("Reason given:"), valueLabel(request.reason, tr("Reason given by the agent"), this));
        layout->addLayout(form);
        m_approve = buttons->addButton(tr("&Approve once"), QDialogButtonBox::AcceptRole);
        m_approve->setAccessibleName(tr("Approve this call once"));
        m_always = buttons->addButton(tr("A&lways"), QDialogButtonBox::AcceptRole);
        m_always->setAccessibleName(tr("Always allow this call"));
        m_always->setObjectName(QStringLiteral("always"));
        const bool canAlways = decision && decision->canAlways;
        m_always->setEnabled(canAlways);
        m_always->setToolTip(canAlways ? tr("Add the rule allow %1 %2 to the policy of %3")
                                             .arg(request.method, request.path, request.service)
                                       : tr("A broader rule decides this call: change the policy to allow it always"));
        connect(m_always, &QPushButton::clicked, this,
                [this] { m_presenter.decide(m_id, policy::ApprovalDecision::ApproveAlways); });
    } else {
        setWindowTitle(tr("Keyward: confirm a change?"));
        setAccessibleName(tr("Confirm a change"));
        headline->setText(tr("A command outside the tray app asks to widen what agents may do. Confirm it only if you "
                             "made this change yourself."));
        layout->addWidget(valueLabel(decision ? decision->summary : QString(), tr("The change"), this));
        m_approve = buttons->addButton(tr("&Confirm"), QDialogButtonBox::AcceptRole);
        m_approve->setAccessibleName(tr("Confirm the change"));
    }
    m_approve->setObjectName(QStringLiteral("approve"));
    m_approve->setAutoDefault(false);
    connect(m_approve, &QPushButton::clicked, this, [this] { m_presenter.decide(m_id, policy::ApprovalDecision::ApproveOnce); });
    m_deny = buttons->addButton(tr("&Deny"), QDialogButtonBox::RejectRole);
    m_deny->setObjectName(QStringLiteral("deny"));
    m_deny->setAccessibleName(approval ? tr("Deny this call") : tr("Deny the change"));
    m_deny->setDefault(true);
    connect(m_deny, &QPushButton::clicked, this, &ApprovalDialog::reject);

    m_countdown = new QLabel(this);
    m_countdown->setObjectName(QStringLiteral("countdown"));
    m_countdown->setAccessibleName(tr("Time left"));
    layout->addWidget(m_countdown);
    layout->addWidget(buttons);
    connect(&presenter, &ApprovalPresenter::ticked, this, &ApprovalDialog::updateCountdown);
    updateCountdown();
    m_deny->setFocus();
}

QString ApprovalDialog::countdownText() const { return m_countdown->text(); }

void ApprovalDialog::reject()
{
    m_presenter.decide(m_id, policy::ApprovalDecision::Deny); // closes this dialog through removed()
    QDialog::reject();
}

void ApprovalDialog::updateCountdown()
{
    m_countdown->setText(tr("Denied automatically in %n second(s).", nullptr, m_presenter.secondsLeft(m_id)));
}

ApprovalDialogs::ApprovalDialogs(ApprovalPresenter &presenter, QObject *parent) : QObject(parent), m_presenter(presenter)
{
    connect(&presenter, &ApprovalPresenter::added, this, &ApprovalDialogs::open);
    connect(&presenter, &ApprovalPresenter::removed, this, &ApprovalDialogs::close);
}

ApprovalDialogs::~ApprovalDialogs()
{
    for (const QPointer<ApprovalDialog> &dialog : std::as_const(m_dialogs))
        delete dialog.data();
}

ApprovalDialog *ApprovalDialogs::dialog(int id) const { return m_dialogs.value(id).data(); }

void ApprovalDialogs::open(int id)
{
    auto *dialog = new ApprovalDialog(m_presenter, id);
    int open = 0;
    for (const QPointer<ApprovalDialog> &other : std::as_const(m_dialogs))
        open += other ? 1 : 0;
    m_dialogs.insert(id, dialog);
    dialog->adjustSize();
    dialog->move(dialog->pos() + QPoint(kStackOffset * open, kStackOffset * open));
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

void ApprovalDialogs::close(int id)
{
    const QPointer<ApprovalDialog> dialog = m_dialogs.take(id);
    if (dialog)
        dialog->close(); // deleted later (WA_DeleteOnClose); its reject() finds the decision gone
}

} // namespace keyward::gui
