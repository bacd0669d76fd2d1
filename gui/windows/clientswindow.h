#pragma once

#include <QWidget>

#include <functional>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace keyward::gui {

class ClientsModel;
class ClientsPresenter;

// The Clients window (issue 7 item 7, `--show clients`): the MCP clients (ClientsModel); selecting
// one previews what "Configure" would write (read-only diff, secrets masked, and its notes) and
// lists the plaintext secrets found, each with a checkbox. Configure, Migrate secrets (the checked
// ones) and Undo (Keyward's latest change) each show their diff first and ask before
// ClientsPresenter::apply() writes it; errors show inline. A thin binding of a ClientsPresenter:
// nothing here sees a secret other than in its masked form.
class ClientsWindow : public QWidget {
    Q_OBJECT
public:
    // Asked before a change is written: `question` names the change and file, `diff` is what it
    // writes. The default shows a QMessageBox with the diff as its details.
    using Confirm = std::function<bool(const QString &question, const QString &diff)>;

    explicit ClientsWindow(ClientsPresenter &presenter, QWidget *parent = nullptr);

    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
    // Selects client `id` (as a click on its row does); false when it is not listed.
    bool selectClient(const QString &id);
    // The buttons' actions on the selected client.
    void configureSelected();
    void migrateSelected();
    void undoSelected();

    QString previewText() const;
    QString errorText() const;
    QString statusText() const;
    ClientsModel &model() { return *m_model; }

private:
    void selectionChanged();
    void showPreview();
    void showError(const QString &message);
    void requestChange(int action);
    QString selectedId() const;

    ClientsPresenter &m_presenter;
    ClientsModel *m_model = nullptr;
    Confirm m_confirm;
    QString m_selectedId;
    bool m_confirmNext = false;
    QTableView *m_table = nullptr;
    QPlainTextEdit *m_preview = nullptr;
    QLabel *m_notes = nullptr;
    QListWidget *m_secrets = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_configure = nullptr;
    QPushButton *m_migrate = nullptr;
    QPushButton *m_undo = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_status = nullptr;
};

// The Clients window over `presenter`, for the tray to show (deleted on close).
QWidget *createClientsWindow(ClientsPresenter &presenter, QWidget *parent = nullptr);

} // namespace keyward::gui
