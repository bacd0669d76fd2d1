#include "windows/clientswindow.h"

#include "clients/clientspresenter.h"
#include "models/clientsmodel.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <set>

namespace keyward::gui {

namespace {

constexpr int kRefRole = Qt::UserRole + 1;

bool askWithMessageBox(QWidget *parent, const QString &question, const QString &diff)
{
    QMessageBox box(QMessageBox::Question, ClientsWindow::tr("Keyward: clients"), question,
                    QMessageBox::Apply | QMessageBox::Cancel, parent);
    box.setDetailedText(diff);
    box.setDefaultButton(QMessageBox::Cancel);
    box.setAccessibleName(ClientsWindow::tr("Confirm the change"));
    return box.exec() == QMessageBox::Apply;
}

} // namespace

ClientsWindow::ClientsWindow(ClientsPresenter &presenter, QWidget *parent)
    : QWidget(parent), m_presenter(presenter), m_model(new ClientsModel(presenter, this))
{
    setObjectName(QStringLiteral("clientsWindow"));
    setWindowTitle(tr("Keyward: clients"));
    m_confirm = [this](const QString &question, const QString &diff) { return askWithMessageBox(this, question, diff); };

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setTabKeyNavigation(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setAccessibleName(tr("MCP clients"));
    m_table->setAccessibleDescription(tr("Each MCP client, its config file, whether it uses Keyward and the plaintext "
                                         "secrets found in it"));

    m_notes = new QLabel(this);
    m_notes->setWordWrap(true);
    m_notes->setAccessibleName(tr("Notes about the change"));

    m_preview = new QPlainTextEdit(this);
    m_preview->setReadOnly(true);
    m_preview->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setAccessibleName(tr("Preview of the change"));
    m_preview->setAccessibleDescription(tr("The unified diff Keyward would write; secrets are masked"));
    m_preview->setPlaceholderText(tr("Select a client to see what Configure would change."));

    auto *secretsLabel = new QLabel(tr("&Plaintext secrets to migrate:"), this);
    m_secrets = new QListWidget(this);
    m_secrets->setAccessibleName(tr("Plaintext secrets found"));
    m_secrets->setAccessibleDescription(tr("Checked secrets are moved into the keychain by Migrate secrets"));
    secretsLabel->setBuddy(m_secrets);

    m_refresh = new QPushButton(tr("&Refresh"), this);
    m_refresh->setAccessibleName(tr("Refresh the list of clients"));
    m_configure = new QPushButton(tr("&Configure"), this);
    m_configure->setAccessibleName(tr("Configure the selected client to use Keyward"));
    m_migrate = new QPushButton(tr("&Migrate secrets"), this);
    m_migrate->setAccessibleName(tr("Move the checked secrets into the keychain"));
    m_undo = new QPushButton(tr("&Undo"), this);
    m_undo->setAccessibleName(tr("Undo Keyward's latest change to the selected client"));

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: palette(bright-text); background: #b00020; padding: 4px;"));
    m_error->setAccessibleName(tr("Error"));
    m_error->hide();
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Status"));

    auto *details = new QWidget(this);
    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_notes);
    detailsLayout->addWidget(m_preview, 3);
    detailsLayout->addWidget(secretsLabel);
    detailsLayout->addWidget(m_secrets, 1);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(details);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_refresh);
    buttons->addStretch();
    buttons->addWidget(m_configure);
    buttons->addWidget(m_migrate);
    buttons->addWidget(m_undo);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_status);
    layout->addLayout(buttons);

    setTabOrder(m_table, m_preview);
    setTabOrder(m_preview, m_secrets);
    setTabOrder(m_secrets, m_refresh);
    setTabOrder(m_refresh, m_configure);
    setTabOrder(m_configure, m_migrate);
    setTabOrder(m_migrate, m_undo);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this]() { selectionChanged(); });
    connect(m_refresh, &QPushButton::clicked, &m_presenter, &ClientsPresenter::refresh);
    connect(m_configure, &QPushButton::clicked, this, &ClientsWindow::configureSelected);
    connect(m_migrate, &QPushButton::clicked, this, &ClientsWindow::migrateSelected);
    connect(m_undo, &QPushButton::clicked, this, &ClientsWindow::undoSelected);
    connect(&m_presenter, &ClientsPresenter::previewReady, this, &ClientsWindow::showPreview);
    connect(&m_presenter, &ClientsPresenter::failed, this, [this](const QString &, const QString &message) {
        m_confirmNext = false;
        showError(message);
    });
    connect(&m_presenter, &ClientsPresenter::changeFinished, this, [this](const QString &, const QString &message) {
        m_status->setText(message);
    });
    // A refresh resets the model: select the same client again and show its preview anew.
    connect(m_model, &QAbstractItemModel::modelReset, this, [this]() {
        const QString id = m_selectedId;
        m_selectedId.clear();
        if (!id.isEmpty())
            selectClient(id);
    });

    resize(900, 640);
    selectionChanged();
}

QString ClientsWindow::selectedId() const { return m_selectedId; }

bool ClientsWindow::selectClient(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    m_table->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (m_selectedId != id)
        selectionChanged();
    return true;
}

void ClientsWindow::selectionChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    m_selectedId = current.isValid() ? m_model->idAt(current.row()) : QString();
    const bool selected = !m_selectedId.isEmpty();
    m_configure->setEnabled(selected);
    m_migrate->setEnabled(selected);
    m_undo->setEnabled(selected);
    m_secrets->clear();
    m_preview->clear();
    m_notes->clear();
    m_error->hide();
    if (!selected)
        return;
    const ClientsPresenter::Client *client = m_presenter.client(m_selectedId);
    m_undo->setEnabled(client && client->hasBackup);
    for (const ClientsPresenter::FindingView &finding : m_presenter.findings(m_selectedId)) {
        auto *item = new QListWidgetItem(finding.label, m_secrets);
        item->setData(kRefRole, finding.ref);
        if (finding.migratable) {
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Checked);
        } else {
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
            item->setToolTip(tr("Only secrets in a server's \"env\" can be migrated."));
        }
    }
    m_migrate->setEnabled(m_secrets->count() > 0);
    m_confirmNext = false;
    m_presenter.preview(ClientsPresenter::Action::Configure, m_selectedId);
}

void ClientsWindow::configureSelected() { requestChange(int(ClientsPresenter::Action::Configure)); }
void ClientsWindow::migrateSelected() { requestChange(int(ClientsPresenter::Action::Migrate)); }
void ClientsWindow::undoSelected() { requestChange(int(ClientsPresenter::Action::Undo)); }

void ClientsWindow::requestChange(int action)
{
    if (m_selectedId.isEmpty()) {
        showError(tr("Select a client first."));
        return;
    }
    m_error->hide();
    m_status->clear();
    std::optional<std::set<QString>> refs;
    if (action == int(ClientsPresenter::Action::Migrate)) {
        refs.emplace();
        for (int row = 0; row < m_secrets->count(); ++row) {
            const QListWidgetItem *item = m_secrets->item(row);
            if (item->checkState() == Qt::Checked)
                refs->insert(item->data(kRefRole).toString());
        }
        if (refs->empty()) {
            showError(tr("Check at least one secret to migrate."));
            return;
        }
    }
    m_confirmNext = true;
    m_presenter.preview(ClientsPresenter::Action(action), m_selectedId, refs);
}

void ClientsWindow::showPreview()
{
    const auto &preview = m_presenter.lastPreview();
    if (!preview || preview->clientId != m_selectedId)
        return;
    m_preview->setPlainText(preview->diff);
    m_notes->setText(preview->notes.join(QLatin1Char('\n')));
    if (!m_confirmNext)
        return;
    m_confirmNext = false;
    if (!preview->changesFile) {
        m_status->setText(tr("Nothing to change in %1.").arg(preview->target));
        return;
    }
    QString question;
    switch (preview->action) {
    case ClientsPresenter::Action::Configure:
        question = tr("Add the keyward server to %1?");
        break;
    case ClientsPresenter::Action::Migrate:
        question = tr("Move the checked secrets into the keychain and rewrite %1?");
        break;
    case ClientsPresenter::Action::Undo:
        question = tr("Undo Keyward's latest change to %1?");
        break;
    }
    if (!m_confirm(question.arg(preview->target), preview->diff)) {
        m_status->setText(tr("Not applied."));
        return;
    }
    m_presenter.apply();
}

void ClientsWindow::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString ClientsWindow::previewText() const { return m_preview->toPlainText(); }
QString ClientsWindow::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }
QString ClientsWindow::statusText() const { return m_status->text(); }

QWidget *createClientsWindow(ClientsPresenter &presenter, QWidget *parent)
{
    auto *window = new ClientsWindow(presenter, parent);
    window->setAttribute(Qt::WA_DeleteOnClose);
    return window;
}

} // namespace keyward::gui
