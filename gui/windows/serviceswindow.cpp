#include "windows/serviceswindow.h"

#include "models/rulesmodel.h"
#include "models/servicesmodel.h"
#include "windows/servicespresenter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace keyward::gui {

namespace {

// Edits a rule's action or method with a list of the values config.json accepts.
class ChoiceDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        if (index.column() == RulesModel::Path)
            return QStyledItemDelegate::createEditor(parent, option, index);
        auto *combo = new QComboBox(parent);
        combo->addItems(index.column() == RulesModel::Action ? RulesModel::actionNames() : RulesModel::methodNames());
        combo->setAccessibleName(index.column() == RulesModel::Action ? ServicesWindow::tr("Action")
                                                                      : ServicesWindow::tr("Method"));
        return combo;
    }
    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        if (auto *combo = qobject_cast<QComboBox *>(editor))
            combo->setCurrentText(index.data(Qt::EditRole).toString());
        else
            QStyledItemDelegate::setEditorData(editor, index);
    }
    void setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const override
    {
        if (auto *combo = qobject_cast<QComboBox *>(editor))
            model->setData(index, combo->currentText());
        else
            QStyledItemDelegate::setModelData(editor, model, index);
    }
};

QLabel *buddyLabel(const QString &text, QWidget *buddy, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setBuddy(buddy);
    return label;
}

} // namespace

ServicesWindow::ServicesWindow(AdminContext context, QWidget *parent)
    : QWidget(parent), m_presenter(std::make_unique<ServicesPresenter>(std::move(context)))
{
    setObjectName(QStringLiteral("servicesWindow"));
    setWindowTitle(tr("Keyward: services"));
    setAccessibleName(tr("Services"));
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildServicesPane());
    splitter->addWidget(buildPolicyPane());
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
    resize(1000, 600);

    connect(m_presenter.get(), &ServicesPresenter::policyLoaded, this, &ServicesWindow::showPolicy);
    connect(m_presenter.get(), &ServicesPresenter::errorsChanged, this, &ServicesWindow::showErrors);
    connect(m_presenter.get(), &ServicesPresenter::dirtyChanged, this, &ServicesWindow::updateButtons);
    connect(m_presenter.get(), &ServicesPresenter::busyChanged, this, &ServicesWindow::updateButtons);
    connect(m_presenter.get(), &ServicesPresenter::selectionChanged, this, [this] {
        selectService(m_presenter->selected());
        updateButtons();
    });
    auto report = [this](bool, const QString &message) { m_status->setText(message); };
    connect(m_presenter.get(), &ServicesPresenter::removeFinished, this, report);
    connect(m_presenter.get(), &ServicesPresenter::rotateFinished, this, report);
    connect(m_presenter.get(), &ServicesPresenter::failed, m_status, &QLabel::setText);
    showPolicy();
    updateButtons();
}

ServicesWindow::~ServicesWindow() = default;

QWidget *ServicesWindow::buildServicesPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    m_services = new QTableView(pane);
    m_services->setObjectName(QStringLiteral("services"));
    m_services->setAccessibleName(tr("Services"));
    m_services->setModel(m_presenter->servicesModel());
    m_services->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_services->setSelectionMode(QAbstractItemView::SingleSelection);
    m_services->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_services->horizontalHeader()->setStretchLastSection(true);
    m_services->verticalHeader()->hide();
    layout->addWidget(buddyLabel(tr("&Services:"), m_services, pane));
    layout->addWidget(m_services);

    auto *buttons = new QHBoxLayout;
    m_add = new QPushButton(tr("&Add…"), pane);
    m_add->setObjectName(QStringLiteral("add"));
    m_add->setAccessibleName(tr("Add a service"));
    m_enable = new QPushButton(tr("&Disable"), pane);
    m_enable->setObjectName(QStringLiteral("enable"));
    m_rotate = new QPushButton(tr("Rotate &key…"), pane);
    m_rotate->setObjectName(QStringLiteral("rotate"));
    m_rotate->setAccessibleName(tr("Replace the service's key"));
    m_delete = new QPushButton(tr("De&lete…"), pane);
    m_delete->setObjectName(QStringLiteral("delete"));
    m_delete->setAccessibleName(tr("Delete the service"));
    for (QPushButton *button : {m_add, m_enable, m_rotate, m_delete})
        buttons->addWidget(button);
    layout->addLayout(buttons);
    m_status = new QLabel(pane);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setAccessibleName(tr("Result of the last action"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_add, &QPushButton::clicked, this, &ServicesWindow::addServiceRequested);
    connect(m_enable, &QPushButton::clicked, this, &ServicesWindow::toggleEnabled);
    connect(m_rotate, &QPushButton::clicked, this, &ServicesWindow::askNewSecret);
    connect(m_delete, &QPushButton::clicked, this, &ServicesWindow::confirmDelete);
    connect(m_services->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (current.isValid())
            m_presenter->select(current.data(ServicesModel::NameRole).toString());
    });
    connect(m_presenter->servicesModel(), &QAbstractItemModel::modelReset, this, [this] {
        selectService(m_presenter->selected());
        updateButtons();
    });
    return pane;
}

QWidget *ServicesWindow::buildPolicyPane()
{
    m_policyPane = new QGroupBox(tr("Policy"), this);
    m_policyPane->setObjectName(QStringLiteral("policy"));
    m_policyPane->setAccessibleName(tr("Policy editor"));
    auto *layout = new QVBoxLayout(m_policyPane);
    m_policyTitle = new QLabel(m_policyPane);
    m_policyTitle->setObjectName(QStringLiteral("policyTitle"));
    layout->addWidget(m_policyTitle);

    auto *form = new QFormLayout;
    m_agent = new QComboBox(m_policyPane);
    m_agent->setObjectName(QStringLiteral("agent"));
    m_agent->setAccessibleName(tr("Whose policy"));
    form->addRow(buddyLabel(tr("&For:"), m_agent, m_policyPane), m_agent);
    m_overrides = new QLabel(m_policyPane);
    m_overrides->setWordWrap(true);
    form->addRow(QString(), m_overrides);
    layout->addLayout(form);

    m_rules = new QTableView(m_policyPane);
    m_rules->setObjectName(QStringLiteral("rules"));
    m_rules->setAccessibleName(tr("Rules"));
    m_rules->setModel(m_presenter->rulesModel());
    m_rules->setItemDelegate(new ChoiceDelegate(m_rules));
    m_rules->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_rules->setSelectionMode(QAbstractItemView::SingleSelection);
    m_rules->setEditTriggers(QAbstractItemView::AllEditTriggers);
    m_rules->horizontalHeader()->setStretchLastSection(true);
    m_rules->verticalHeader()->hide();
    layout->addWidget(buddyLabel(tr("&Rules (no rules: read-only; otherwise what matches no rule is denied):"), m_rules, m_policyPane));
    layout->addWidget(m_rules);
    auto *ruleButtons = new QHBoxLayout;
    m_addRule = new QPushButton(tr("Add r&ule"), m_policyPane);
    m_addRule->setObjectName(QStringLiteral("addRule"));
    m_addRule->setAccessibleName(tr("Add a rule"));
    m_removeRule = new QPushButton(tr("Re&move rule"), m_policyPane);
    m_removeRule->setObjectName(QStringLiteral("removeRule"));
    m_removeRule->setAccessibleName(tr("Remove the selected rule"));
    ruleButtons->addWidget(m_addRule);
    ruleButtons->addWidget(m_removeRule);
    ruleButtons->addStretch();
    layout->addLayout(ruleButtons);
    layout->addWidget(addErrorLabel(QStringLiteral("rules"), m_rules));

    auto *limits = new QFormLayout;
    auto *rateRow = new QHBoxLayout;
    m_rateEnabled = new QCheckBox(tr("Li&mit to"), m_policyPane);
    m_rateEnabled->setObjectName(QStringLiteral("rateEnabled"));
    m_rateEnabled->setAccessibleName(tr("Limit the call rate"));
    m_rateN = new QSpinBox(m_policyPane);
    m_rateN->setObjectName(QStringLiteral("rateN"));
    m_rateN->setAccessibleName(tr("Calls"));
    m_rateN->setRange(1, 1000000);
    m_ratePer = new QComboBox(m_policyPane);
    m_ratePer->setObjectName(QStringLiteral("ratePer"));
    m_ratePer->setAccessibleName(tr("Per"));
    m_ratePer->addItem(tr("calls per second"), int(RatePer::Second));
    m_ratePer->addItem(tr("calls per minute"), int(RatePer::Minute));
    m_ratePer->addItem(tr("calls per hour"), int(RatePer::Hour));
    m_ratePer->addItem(tr("calls per day"), int(RatePer::Day));
    m_rateBurst = new QSpinBox(m_policyPane);
    m_rateBurst->setObjectName(QStringLiteral("rateBurst"));
    m_rateBurst->setAccessibleName(tr("Burst"));
    m_rateBurst->setRange(1, 1000000);
    m_rateBurst->setPrefix(tr("burst "));
    rateRow->addWidget(m_rateEnabled);
    rateRow->addWidget(m_rateN);
    rateRow->addWidget(m_ratePer);
    rateRow->addWidget(m_rateBurst);
    auto *rateBox = new QWidget(m_policyPane);
    auto *rateColumn = new QVBoxLayout(rateBox);
    rateColumn->setContentsMargins(0, 0, 0, 0);
    rateColumn->addLayout(rateRow);
    rateColumn->addWidget(addErrorLabel(QStringLiteral("rate"), m_rateN));
    limits->addRow(tr("Rate:"), rateBox);

    m_schedule = new QLineEdit(m_policyPane);
    m_schedule->setObjectName(QStringLiteral("schedule"));
    m_schedule->setAccessibleName(tr("Schedule"));
    m_schedule->setPlaceholderText(tr("any time, or e.g. Mon-Fri 09:00-18:00; Sat 10:00-12:00"));
    auto *scheduleBox = new QWidget(m_policyPane);
    auto *scheduleColumn = new QVBoxLayout(scheduleBox);
    scheduleColumn->setContentsMargins(0, 0, 0, 0);
    scheduleColumn->addWidget(m_schedule);
    scheduleColumn->addWidget(addErrorLabel(QStringLiteral("schedule"), m_schedule));
    limits->addRow(buddyLabel(tr("Sc&hedule:"), m_schedule, m_policyPane), scheduleBox);

    m_allAgents = new QRadioButton(tr("A&ll agents"), m_policyPane);
    m_allAgents->setObjectName(QStringLiteral("allAgents"));
    m_someAgents = new QRadioButton(tr("&Only:"), m_policyPane);
    m_someAgents->setObjectName(QStringLiteral("someAgents"));
    m_agents = new QLineEdit(m_policyPane);
    m_agents->setObjectName(QStringLiteral("agents"));
    m_agents->setAccessibleName(tr("Agents allowed"));
    m_agents->setPlaceholderText(tr("claude-desktop, cursor"));
    auto *agentsBox = new QWidget(m_policyPane);
    auto *agentsColumn = new QVBoxLayout(agentsBox);
    agentsColumn->setContentsMargins(0, 0, 0, 0);
    auto *agentsRow = new QHBoxLayout;
    agentsRow->addWidget(m_allAgents);
    agentsRow->addWidget(m_someAgents);
    agentsRow->addWidget(m_agents);
    agentsColumn->addLayout(agentsRow);
    agentsColumn->addWidget(addErrorLabel(QStringLiteral("agents"), m_agents));
    limits->addRow(tr("Agents:"), agentsBox);

    m_requireReason = new QCheckBox(tr("Agents must give a r&eason with each call"), m_policyPane);
    m_requireReason->setObjectName(QStringLiteral("requireReason"));
    limits->addRow(QString(), m_requireReason);

    m_timeout = new QDoubleSpinBox(m_policyPane);
    m_timeout->setObjectName(QStringLiteral("timeout"));
    m_timeout->setAccessibleName(tr("Timeout in seconds"));
    m_timeout->setRange(0.1, 600);
    m_timeout->setDecimals(1);
    m_timeout->setSuffix(tr(" s"));
    auto *timeoutBox = new QWidget(m_policyPane);
    auto *timeoutColumn = new QVBoxLayout(timeoutBox);
    timeoutColumn->setContentsMargins(0, 0, 0, 0);
    timeoutColumn->addWidget(m_timeout);
    timeoutColumn->addWidget(addErrorLabel(QStringLiteral("timeout"), m_timeout));
    limits->addRow(buddyLabel(tr("&Timeout:"), m_timeout, m_policyPane), timeoutBox);
    layout->addLayout(limits);

    layout->addWidget(addErrorLabel(QStringLiteral("policy"), m_policyPane));
    auto *applyRow = new QHBoxLayout;
    applyRow->addStretch();
    m_revert = new QPushButton(tr("Re&vert"), m_policyPane);
    m_revert->setObjectName(QStringLiteral("revert"));
    m_revert->setAccessibleName(tr("Discard the policy edits"));
    m_apply = new QPushButton(tr("A&pply"), m_policyPane);
    m_apply->setObjectName(QStringLiteral("apply"));
    m_apply->setAccessibleName(tr("Save the policy"));
    applyRow->addWidget(m_revert);
    applyRow->addWidget(m_apply);
    layout->addLayout(applyRow);

    connect(m_agent, &QComboBox::activated, this, [this] { m_presenter->selectAgent(m_agent->currentData().toString()); });
    connect(m_addRule, &QPushButton::clicked, this, [this] {
        const int row = m_presenter->rulesModel()->addRule();
        m_rules->setCurrentIndex(m_presenter->rulesModel()->index(row, RulesModel::Path));
        m_rules->setFocus();
    });
    connect(m_removeRule, &QPushButton::clicked, this, [this] { m_presenter->rulesModel()->removeRule(m_rules->currentIndex().row()); });
    connect(m_rateEnabled, &QCheckBox::toggled, this, &ServicesWindow::pushForm);
    connect(m_rateN, &QSpinBox::valueChanged, this, &ServicesWindow::pushForm);
    connect(m_ratePer, &QComboBox::currentIndexChanged, this, &ServicesWindow::pushForm);
    connect(m_rateBurst, &QSpinBox::valueChanged, this, &ServicesWindow::pushForm);
    connect(m_schedule, &QLineEdit::textEdited, this, &ServicesWindow::pushForm);
    connect(m_allAgents, &QRadioButton::toggled, this, &ServicesWindow::pushForm);
    connect(m_agents, &QLineEdit::textEdited, this, &ServicesWindow::pushForm);
    connect(m_requireReason, &QCheckBox::toggled, this, &ServicesWindow::pushForm);
    connect(m_timeout, &QDoubleSpinBox::valueChanged, this, &ServicesWindow::pushForm);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (m_presenter->apply())
            m_status->setText(tr("Saved the policy."));
    });
    connect(m_revert, &QPushButton::clicked, m_presenter.get(), &ServicesPresenter::revert);
    return m_policyPane;
}

QLabel *ServicesWindow::addErrorLabel(const QString &key, QWidget *field)
{
    auto *label = new QLabel(this);
    label->setObjectName(QStringLiteral("error:") + key);
    label->setAccessibleName(tr("Error"));
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #d32f2f; font-weight: bold;"));
    label->setVisible(false);
    m_errorLabels.insert(key, label);
    m_fieldOfError.insert(key, field);
    return label;
}

void ServicesWindow::selectService(const QString &service)
{
    const int row = m_presenter->servicesModel()->rowOf(service);
    if (row < 0) {
        m_services->clearSelection();
        return;
    }
    const QModelIndex index = m_presenter->servicesModel()->index(row, 0);
    if (m_services->currentIndex().row() != row)
        m_services->setCurrentIndex(index);
    m_services->selectRow(row);
}

void ServicesWindow::showPolicy()
{
    m_showing = true;
    const QString service = m_presenter->selected();
    m_policyPane->setEnabled(!service.isEmpty());
    m_policyTitle->setText(service.isEmpty() ? tr("Select a service to edit its policy.") : tr("Policy of %1").arg(service));
    m_agent->clear();
    m_agent->addItem(tr("The service (every agent without an override)"), QString());
    for (const QString &agent : m_presenter->agentChoices())
        m_agent->addItem(tr("Agent %1").arg(agent), agent);
    m_agent->setCurrentIndex(std::max(0, m_agent->findData(m_presenter->agent())));
    const QStringList overridden = m_presenter->overriddenFields();
    m_overrides->setText(m_presenter->agent().isEmpty() ? QString()
                         : overridden.isEmpty()       ? tr("This agent has no override yet: it is held to the service's policy.")
                                                      : tr("This agent's override replaces: %1.").arg(overridden.join(QStringLiteral(", "))));
    const PolicyForm form = m_presenter->form();
    m_rateEnabled->setChecked(form.rateEnabled);
    m_rateN->setValue(form.rateN);
    m_ratePer->setCurrentIndex(m_ratePer->findData(int(form.ratePer)));
    m_rateBurst->setValue(form.rateBurst);
    m_schedule->setText(form.schedule);
    m_allAgents->setChecked(form.allAgents);
    m_someAgents->setChecked(!form.allAgents);
    m_agents->setText(form.agents);
    m_requireReason->setChecked(form.requireReason);
    m_timeout->setValue(form.timeoutMs / 1000.0);
    m_showing = false;
    showErrors();
    updateButtons();
}

void ServicesWindow::pushForm()
{
    if (m_showing)
        return;
    PolicyForm form;
    form.rateEnabled = m_rateEnabled->isChecked();
    form.rateN = m_rateN->value();
    form.ratePer = RatePer(m_ratePer->currentData().toInt());
    form.rateBurst = m_rateBurst->value();
    form.schedule = m_schedule->text();
    form.allAgents = m_allAgents->isChecked();
    form.agents = m_agents->text();
    form.requireReason = m_requireReason->isChecked();
    form.timeoutMs = int(qRound(m_timeout->value() * 1000));
    m_presenter->setForm(form);
    updateButtons();
}

void ServicesWindow::showErrors()
{
    for (auto it = m_errorLabels.cbegin(); it != m_errorLabels.cend(); ++it) {
        const QString error = m_presenter->error(it.key());
        it.value()->setText(error);
        it.value()->setVisible(!error.isEmpty());
        if (QWidget *field = m_fieldOfError.value(it.key()); field && field != m_policyPane)
            field->setAccessibleDescription(error);
    }
}

void ServicesWindow::updateButtons()
{
    const bool selected = !m_presenter->selected().isEmpty();
    const bool idle = !m_presenter->busy();
    m_enable->setEnabled(selected && idle);
    const bool enabled = m_presenter->selectedEnabled();
    m_enable->setText(enabled || !selected ? tr("&Disable") : tr("&Enable"));
    m_enable->setAccessibleName(enabled || !selected ? tr("Disable the service") : tr("Enable the service"));
    m_rotate->setEnabled(selected && idle);
    m_delete->setEnabled(selected && idle);
    m_rateN->setEnabled(m_rateEnabled->isChecked());
    m_ratePer->setEnabled(m_rateEnabled->isChecked());
    m_rateBurst->setEnabled(m_rateEnabled->isChecked());
    m_agents->setEnabled(m_someAgents->isChecked());
    m_apply->setEnabled(selected && m_presenter->dirty());
    m_revert->setEnabled(selected && m_presenter->dirty());
}

void ServicesWindow::toggleEnabled()
{
    const QString service = m_presenter->selected();
    const bool enable = !m_presenter->selectedEnabled();
    if (m_presenter->setEnabled(service, enable))
        m_status->setText(enable ? tr("Enabled %1.").arg(service) : tr("Disabled %1: every call to it is refused.").arg(service));
    updateButtons();
}

void ServicesWindow::confirmDelete()
{
    const QString service = m_presenter->selected();
    if (service.isEmpty())
        return;
    QMessageBox box(QMessageBox::Warning, tr("Delete %1?").arg(service),
                    tr("Delete the service %1 and its key? Agents can no longer call it, and the key is removed from "
                       "the keychain. This cannot be undone.")
                        .arg(service),
                    QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("confirmDelete"));
    QPushButton *remove = box.addButton(tr("&Delete %1").arg(service), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirm"));
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() == remove)
        m_presenter->remove(service);
}

void ServicesWindow::askNewSecret()
{
    const QString service = m_presenter->selected();
    if (service.isEmpty())
        return;
    QInputDialog dialog(this);
    dialog.setObjectName(QStringLiteral("rotateDialog"));
    dialog.setWindowTitle(tr("New key for %1").arg(service));
    dialog.setLabelText(tr("Paste the new key for %1; it replaces the old one in the keychain:").arg(service));
    dialog.setTextEchoMode(QLineEdit::Password);
    dialog.setInputMode(QInputDialog::TextInput);
    if (dialog.exec() == QDialog::Accepted)
        m_presenter->rotate(service, dialog.textValue());
    dialog.setTextValue(QString());
}

} // namespace keyward::gui
