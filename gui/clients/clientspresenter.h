#pragma once

#include "clients/clientactions.h"
#include "clients/clientbackups.h"
#include "clients/clientplanner.h"
#include "clients/clientregistry.h"
#include "clients/secretscanner.h"
#include "core/keywardhome.h"
#include "core/result.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <set>
#include <vector>

namespace keyward {
class AuditLog;
class ConfigStore;
class SecretStore;
} // namespace keyward

namespace keyward::gui {

// What the Clients window shows and does, without widgets (issue 7 item 7): the MCP clients with
// their config file, whether they use Keyward and the plaintext secrets found (refresh()), and the
// three changes of one client, each previewed first and applied only after that:
//   preview(action, id[, refs]) → previewReady() (diff with secrets masked, notes) or failed();
//   apply()                     → changeFinished() or failed(), then refreshed().
// apply() writes the change last previewed, and refuses when the file now plans to a different
// change than the one shown ("changed_underneath"). The change itself is the core's
// (clients/clientactions.h): the client's lock, a secret-free backup, migrated secrets stored as
// env/<ref> with their runRefs and an audited change row by agent "tray", undo from the latest
// backup. Nothing this class emits or returns for display holds a secret (only maskSecret forms).
class ClientsPresenter : public QObject {
    Q_OBJECT
public:
    // The agent named in the change rows the Clients window records.
    static constexpr const char *kAuditAgent = "tray";

    enum class Action { Configure, Migrate, Undo };
    Q_ENUM(Action)

    // One client as last inspected. `findings` hold the secrets in memory; show them only through
    // maskedFinding().
    struct Client {
        const clients::ClientDescriptor *descriptor = nullptr;
        clients::ClientLocation location;
        std::optional<Error> error; // the file could not be read or parsed
        bool configured = false;
        int servers = 0;
        std::vector<clients::SecretFinding> findings;
        bool hasBackup = false; // a change Keyward made is left to undo
    };

    // A finding for display: its ref (the id a migration selects it by) and a masked label.
    struct FindingView {
        QString ref;
        QString label; // "github · env GITHUB_TOKEN · ghp_…(40 chars)"
        bool migratable = false; // in "env" of a server started by a command
    };

    // The change last previewed.
    struct Preview {
        Action action = Action::Configure;
        QString clientId;
        QString target;   // the file it writes
        QString diff;     // unified diff, secrets masked
        QStringList notes;
        bool changesFile = false;
    };

    // `configChanged` runs after a migration saved config.json (e.g. ConfigStore::reload, dropping
    // cached secrets); `keywardBinary` is what configure writes (the running executable).
    ClientsPresenter(const KeywardHome &home, SecretStore &store, AuditLog &audit,
                     const clients::ClientEnvironment &environment, const QString &keywardBinary,
                     std::function<void()> configChanged = {}, QObject *parent = nullptr);
    // The tray's wiring: the config is reloaded after a migration.
    ClientsPresenter(const KeywardHome &home, SecretStore &store, AuditLog &audit, ConfigStore &config,
                     QObject *parent = nullptr);

    // Inspects every client again; emits refreshed().
    void refresh();
    const std::vector<Client> &clients() const { return m_clients; }
    // The client with `id` as last inspected, or nullptr.
    const Client *client(const QString &id) const;
    std::vector<FindingView> findings(const QString &id) const;

    // Plans `action` of client `id` (migrate: only the findings whose ref is in `refs`, all when
    // nullopt) and emits previewReady() or failed(). Undo reads the stored secrets first, so the
    // answer may come from the event loop.
    void preview(Action action, const QString &id, const std::optional<std::set<QString>> &refs = std::nullopt);
    const std::optional<Preview> &lastPreview() const { return m_preview; }
    // Writes the change last previewed; emits changeFinished() or failed(), then refreshed().
    void apply();
    bool busy() const { return m_busy; }

Q_SIGNALS:
    // Around refresh(): clients() changes between the two.
    void aboutToRefresh();
    void refreshed();
    void previewReady();
    // A change was written (or there was nothing to change): `message` says what happened.
    void changeFinished(const QString &clientId, const QString &message);
    // A preview or a change failed: `message` is one sentence to show inline.
    void failed(const QString &clientId, const QString &message);

private:
    struct Pending {
        Action action = Action::Configure;
        const clients::ClientDescriptor *descriptor = nullptr;
        std::optional<std::set<QString>> refs;
        clients::ClientPlan plan;
        std::optional<clients::ClientBackup> backup;
    };

    clients::ClientActionServices services();
    void previewed(Pending pending);
    void finish(const QString &clientId, const clients::ClientChangeOutcome &outcome);
    static QString actionName(Action action);

    KeywardHome m_home;
    SecretStore &m_store;
    AuditLog &m_audit;
    clients::ClientEnvironment m_environment;
    QString m_binary;
    std::function<void()> m_configChanged;
    std::vector<Client> m_clients;
    std::optional<Pending> m_pending;
    std::optional<Preview> m_preview;
    bool m_busy = false;
    quint64 m_previewGeneration = 0;
};

} // namespace keyward::gui
