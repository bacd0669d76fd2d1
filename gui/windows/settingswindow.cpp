#include "windows/settingswindow.h"

#include "models/agentsmodel.h"
#include "settings/settingspresenter.h"
#include "tray/trayicons.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace keyward::gui {

namespace {

QLabel *errorLabel(QWidget *parent, const QString &accessibleName)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: palette(link-visited);"));
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->hide();
    return label;
}

} // namespace

SettingsWindow::SettingsWindow(SettingsPresenter &presenter, AgentsModel &agents, QWidget *parent)
    : QWidget(parent), m_presenter(presenter), m_agents(agents)
{
    setWindowTitle(tr("Keyward: settings"));
    setWindowIcon(applicationIcon());
    setObjectName(QStringLiteral("settingsWindow"));
    setAccessibleName(tr("Keyward: settings"));
    auto *layout = new QVBoxLayout(this);

    // HTTP for agents and their tokens.
    auto *http = new QGroupBox(tr("Agents over HTTP"), this);
    auto *httpLayout = new QVBoxLayout(http);
    m_httpEnabled = new QCheckBox(tr("Serve MCP over &HTTP on this computer (127.0.0.1 and ::1 only)"), http);
    m_httpEnabled->setObjectName(QStringLiteral("httpEnabled"));
    m_httpEnabled->setAccessibleName(tr("Serve MCP over HTTP"));
    auto *portRow = new QFormLayout;
    m_httpPort = new QSpinBox(http);
    m_httpPort->setObjectName(QStringLiteral("httpPort"));
    m_httpPort->setRange(1, 65535);
    m_httpPort->setAccessibleName(tr("HTTP port"));
    portRow->addRow(tr("&Port:"), m_httpPort);
    m_httpUrl = new QLabel(http);
    m_httpUrl->setObjectName(QStringLiteral("httpUrl"));
    m_httpUrl->setAccessibleName(tr("Address served now"));
    m_httpUrl->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_agentTable = new QTableView(http);
    m_agentTable->setObjectName(QStringLiteral("agentTable"));
    m_agentTable->setAccessibleName(tr("Agents with HTTP tokens"));
    m_agentTable->setModel(&m_agents);
    m_agentTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_agentTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_agentTable->horizontalHeader()->setStretchLastSection(true);
    m_agentTable->verticalHeader()->hide();
    auto *agentButtons = new QHBoxLayout;
    auto *addAgentButton = new QPushButton(tr("&Add agent…"), http);
    addAgentButton->setObjectName(QStringLiteral("addAgent"));
    addAgentButton->setAccessibleName(tr("Add agent"));
    m_removeAgent = new QPushButton(tr("&Remove agent…"), http);
    m_removeAgent->setObjectName(QStringLiteral("removeAgent"));
    m_removeAgent->setAccessibleName(tr("Remove agent"));
    m_removeAgent->setEnabled(false);
    agentButtons->addWidget(addAgentButton);
    agentButtons->addWidget(m_removeAgent);
    agentButtons->addStretch();
    m_agentError = errorLabel(http, tr("Agent error"));
    httpLayout->addWidget(m_httpEnabled);
    httpLayout->addLayout(portRow);
    httpLayout->addWidget(m_httpUrl);
    httpLayout->addWidget(m_agentTable);
    httpLayout->addLayout(agentButtons);
    httpLayout->addWidget(m_agentError);
    layout->addWidget(http);

    // Start at login.
    auto *login = new QGroupBox(tr("Start"), this);
    auto *loginLayout = new QVBoxLayout(login);
    m_autostart = new QCheckBox(tr("Start Keyward when I &log in"), login);
    m_autostart->setObjectName(QStringLiteral("autostart"));
    m_autostart->setAccessibleName(tr("Start Keyward when I log in"));
    m_autostartError = errorLabel(login, tr("Start at login error"));
    loginLayout->addWidget(m_autostart);
    loginLayout->addWidget(m_autostartError);
    layout->addWidget(login);

    // The secret store.
    auto *store = new QGroupBox(tr("Secret store"), this);
    auto *storeLayout = new QVBoxLayout(store);
    m_secretStore = new QLabel(store);
    m_secretStore->setObjectName(QStringLiteral("secretStore"));
    m_secretStore->setWordWrap(true);
    m_secretStore->setAccessibleName(tr("Secret store in use"));
    storeLayout->addWidget(m_secretStore);
    layout->addWidget(store);

    // The audit log.
    auto *audit = new QGroupBox(tr("Audit log"), this);
    auto *auditLayout = new QFormLayout(audit);
    m_auditBodies = new QCheckBox(tr("Keep request and response &bodies (secrets redacted)"), audit);
    m_auditBodies->setObjectName(QStringLiteral("auditBodies"));
    m_auditBodies->setAccessibleName(tr("Keep request and response bodies in the audit log"));
    m_retention = new QSpinBox(audit);
    m_retention->setObjectName(QStringLiteral("retentionDays"));
    m_retention->setRange(1, 36500);
    m_retention->setSuffix(tr(" days"));
    m_retention->setAccessibleName(tr("Keep audit rows for this many days"));
    auditLayout->addRow(m_auditBodies);
    auditLayout->addRow(tr("&Keep rows for:"), m_retention);
    layout->addWidget(audit);

    m_applyError = errorLabel(this, tr("Settings error"));
    layout->addWidget(m_applyError);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Reset | QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Apply)->setObjectName(QStringLiteral("apply"));
    buttons->button(QDialogButtonBox::Reset)->setText(tr("Re&vert"));
    buttons->button(QDialogButtonBox::Reset)->setObjectName(QStringLiteral("revert"));
    layout->addWidget(buttons);

    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SettingsWindow::apply);
    connect(buttons->button(QDialogButtonBox::Reset), &QPushButton::clicked, this, &SettingsWindow::revert);
    connect(buttons->button(QDialogButtonBox::Close), &QPushButton::clicked, this, &QWidget::close);
    connect(addAgentButton, &QPushButton::clicked, this, &SettingsWindow::addAgent);
    connect(m_removeAgent, &QPushButton::clicked, this, &SettingsWindow::removeSelectedAgent);
    connect(m_agentTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_removeAgent->setEnabled(m_agentTable->selectionModel()->hasSelection()); });
    connect(&m_agents, &QAbstractItemModel::modelReset, this, [this] { m_removeAgent->setEnabled(false); });
    connect(m_httpEnabled, &QCheckBox::toggled, m_httpPort, &QWidget::setEnabled);
    connect(m_autostart, &QCheckBox::clicked, this, [this](bool enabled) {
        if (const auto set = m_presenter.setAutostart(enabled); !set) {
            showError(m_autostartError, set.error().message);
            QSignalBlocker block(m_autostart);
            m_autostart->setChecked(!enabled);
        } else {
            showError(m_autostartError, QString());
        }
    });
    connect(&m_presenter, &SettingsPresenter::changed, this, &SettingsWindow::revert);

    setTabOrder(m_httpEnabled, m_httpPort);
    setTabOrder(m_httpPort, m_agentTable);
    setTabOrder(m_agentTable, addAgentButton);
    setTabOrder(addAgentButton, m_removeAgent);
    setTabOrder(m_removeAgent, m_autostart);
    setTabOrder(m_autostart, m_auditBodies);
    setTabOrder(m_auditBodies, m_retention);
    revert();
}

void SettingsWindow::revert()
{
    const Settings &settings = m_presenter.settings();
    m_httpEnabled->setChecked(settings.httpEnabled);
    m_httpPort->setValue(settings.httpPort);
    m_httpPort->setEnabled(settings.httpEnabled);
    m_auditBodies->setChecked(settings.auditBodies);
    m_retention->setValue(settings.retentionDays);
    m_secretStore->setText(m_presenter.secretStoreDescription());
    const auto autostart = m_presenter.autostartEnabled();
    m_autostart->setEnabled(bool(autostart));
    m_autostart->setChecked(autostart && autostart.value());
    showError(m_autostartError, autostart ? QString() : autostart.error().message);
    showError(m_applyError, QString());
    updateHttpUrl();
}

bool SettingsWindow::apply()
{
    admin::SettingsEdit edit;
    edit.httpEnabled = m_httpEnabled->isChecked();
    edit.httpPort = m_httpPort->value();
    edit.auditBodies = m_auditBodies->isChecked();
    edit.retentionDays = m_retention->value();
    const auto applied = m_presenter.apply(edit);
    if (!applied) {
        showError(m_applyError, applied.error().message);
        return false;
    }
    revert();
    return true;
}

void SettingsWindow::addAgent()
{
    QDialog ask(this);
    ask.setWindowTitle(tr("Add agent"));
    ask.setAccessibleName(tr("Add agent"));
    auto *form = new QFormLayout(&ask);
    auto *name = new QLineEdit(&ask);
    name->setObjectName(QStringLiteral("agentName"));
    name->setAccessibleName(tr("Agent name"));
    name->setPlaceholderText(tr("e.g. my-agent"));
    auto *days = new QSpinBox(&ask);
    days->setObjectName(QStringLiteral("agentDays"));
    days->setAccessibleName(tr("Token lifetime in days, 0 for never"));
    days->setRange(0, 3650);
    days->setValue(90);
    days->setSpecialValueText(tr("never expires"));
    days->setSuffix(tr(" days"));
    auto *nameError = errorLabel(&ask, tr("Agent name error"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &ask);
    form->addRow(tr("&Name:"), name);
    form->addRow(nameError);
    form->addRow(tr("&Valid for:"), days);
    form->addRow(buttons);
    QByteArray token;
    connect(buttons, &QDialogButtonBox::rejected, &ask, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, &ask, [&] {
        auto added = m_presenter.addAgent(name->text().trimmed(), days->value());
        if (!added) {
            showError(nameError, added.error().message);
            name->setFocus();
            return;
        }
        token = std::move(added).value();
        ask.accept();
    });
    if (ask.exec() != QDialog::Accepted || token.isEmpty())
        return;

    QDialog shown(this);
    shown.setWindowTitle(tr("Token for %1").arg(name->text().trimmed()));
    auto *layout = new QVBoxLayout(&shown);
    auto *note = new QLabel(tr("Give this token to the agent as \"Authorization: Bearer <token>\". It is shown only "
                               "now: Keyward keeps only its hash."),
                            &shown);
    note->setWordWrap(true);
    auto *field = new QLineEdit(QString::fromLatin1(token), &shown);
    field->setObjectName(QStringLiteral("agentToken"));
    field->setReadOnly(true);
    field->setAccessibleName(tr("The agent's token"));
    auto *copy = new QPushButton(tr("&Copy"), &shown);
    copy->setAccessibleName(tr("Copy the token"));
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, &shown);
    layout->addWidget(note);
    layout->addWidget(field);
    layout->addWidget(copy);
    layout->addWidget(close);
    connect(copy, &QPushButton::clicked, &shown, [field] { QApplication::clipboard()->setText(field->text()); });
    connect(close, &QDialogButtonBox::rejected, &shown, &QDialog::reject);
    token.fill('\0');
    shown.exec();
    field->clear();
}

void SettingsWindow::removeSelectedAgent()
{
    const QModelIndexList rows = m_agentTable->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const QString name = m_agents.nameAt(rows.first().row());
    const auto answer = QMessageBox::question(this, tr("Remove agent"),
                                              tr("Remove agent '%1'? Its token stops working at once.").arg(name),
                                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    const auto removed = m_presenter.removeAgent(name);
    showError(m_agentError, removed ? QString() : removed.error().message);
}

QString SettingsWindow::errorText() const { return m_lastError ? m_lastError->text() : QString(); }

void SettingsWindow::showError(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
    if (!message.isEmpty())
        m_lastError = label;
    else if (m_lastError == label)
        m_lastError = nullptr;
}

void SettingsWindow::updateHttpUrl()
{
    const QString url = m_presenter.httpUrl();
    m_httpUrl->setText(url.isEmpty() ? tr("HTTP is off: agents reach Keyward through `keyward mcp` only.")
                                     : tr("Serving %1").arg(url));
}

} // namespace keyward::gui
