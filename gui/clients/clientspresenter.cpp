#include "clients/clientspresenter.h"

#include "clients/clientfile.h"
#include "clients/configedit.h"
#include "config/configstore.h"
#include "secrets/secretstore.h"

#include <QCoreApplication>
#include <QPointer>

namespace keyward::gui {

using namespace keyward::clients;

namespace {

ClientsPresenter::Client inspect(const ClientDescriptor &descriptor, const ClientEnvironment &environment,
                                 const KeywardHome &home)
{
    ClientsPresenter::Client client;
    client.descriptor = &descriptor;
    client.location = locateClient(descriptor, environment);
    client.hasBackup = bool(latestBackup(home, descriptor));
    if (!client.location.fileExists)
        return client;
    auto file = readClientFile(client.location.configFile);
    if (!file) {
        client.error = file.error();
        return client;
    }
    if (!file->exists)
        return client;
    auto document = parseConfig(descriptor.format, file->bytes.toStdString());
    if (!document) {
        client.error = Error{document.error().code, QStringLiteral("%1: %2").arg(file->target, document.error().message)};
        return client;
    }
    const nlohmann::json servers = serversOf(descriptor, *document);
    client.servers = int(servers.size());
    client.configured = servers.contains(kKeywardEntry);
    client.findings = scanDocument(descriptor, *document);
    return client;
}

} // namespace

ClientsPresenter::ClientsPresenter(const KeywardHome &home, SecretStore &store, AuditLog &audit,
                                   const ClientEnvironment &environment, const QString &keywardBinary,
                                   std::function<void()> configChanged, QObject *parent)
    : QObject(parent), m_home(home), m_store(store), m_audit(audit), m_environment(environment),
      m_binary(keywardBinary), m_configChanged(std::move(configChanged))
{
    refresh();
}

ClientsPresenter::ClientsPresenter(const KeywardHome &home, SecretStore &store, AuditLog &audit, ConfigStore &config,
                                   QObject *parent)
    : ClientsPresenter(home, store, audit, ClientEnvironment::fromProcess(), QCoreApplication::applicationFilePath(),
                       [&config]() { config.reload(); }, parent)
{
}

void ClientsPresenter::refresh()
{
    Q_EMIT aboutToRefresh();
    m_clients.clear();
    for (const ClientDescriptor &descriptor : clientRegistry())
        m_clients.push_back(inspect(descriptor, m_environment, m_home));
    Q_EMIT refreshed();
}

const ClientsPresenter::Client *ClientsPresenter::client(const QString &id) const
{
    for (const Client &client : m_clients) {
        if (client.descriptor->id == id)
            return &client;
    }
    return nullptr;
}

std::vector<ClientsPresenter::FindingView> ClientsPresenter::findings(const QString &id) const
{
    std::vector<FindingView> views;
    const Client *found = client(id);
    if (!found)
        return views;
    for (const SecretFinding &finding : found->findings) {
        FindingView view;
        view.ref = refFor(id, finding.server, finding.name);
        view.label = tr("%1 · %2 %3 · %4")
                         .arg(QString::fromStdString(finding.server), secretPlaceName(finding.place),
                              QString::fromStdString(finding.name), maskSecret(finding.secret));
        view.migratable = finding.place == SecretPlace::Env;
        views.push_back(view);
    }
    return views;
}

QString ClientsPresenter::actionName(Action action)
{
    switch (action) {
    case Action::Configure:
        return tr("Configure");
    case Action::Migrate:
        return tr("Migrate secrets");
    case Action::Undo:
        return tr("Undo");
    }
    return QString();
}

ClientActionServices ClientsPresenter::services()
{
    ClientActionServices services;
    services.home = m_home;
    services.audit = &m_audit;
    services.store = [this]() -> Result<SecretStore *> { return &m_store; };
    services.who = QString::fromLatin1(kAuditAgent);
    services.configChanged = m_configChanged;
    return services;
}

void ClientsPresenter::preview(Action action, const QString &id, const std::optional<std::set<QString>> &refs)
{
    const quint64 generation = ++m_previewGeneration;
    m_pending.reset();
    m_preview.reset();
    const ClientDescriptor *descriptor = findClient(id);
    if (!descriptor) {
        Q_EMIT failed(id, tr("Unknown client '%1'.").arg(id.left(64)));
        return;
    }
    Pending pending;
    pending.action = action;
    pending.descriptor = descriptor;
    pending.refs = refs;
    if (action == Action::Undo) {
        auto backup = latestBackup(m_home, *descriptor);
        if (!backup) {
            Q_EMIT failed(id, backup.error().code == QLatin1String("no_backup")
                                  ? tr("Keyward has no change of %1 left to undo.").arg(descriptor->name)
                                  : backup.error().message);
            return;
        }
        pending.backup = backup.value();
        QPointer<ClientsPresenter> self(this);
        prefetchBackupSecrets(*pending.backup, [this]() -> Result<SecretStore *> { return &m_store; },
                              [self, generation, pending](SecretLookup lookup) mutable {
                                  if (!self || generation != self->m_previewGeneration)
                                      return;
                                  ClientLocation location = locateClient(*pending.descriptor, self->m_environment);
                                  location.configFile = pending.backup->path;
                                  auto file = readClientFile(location.configFile);
                                  if (!file)
                                      return Q_EMIT self->failed(pending.descriptor->id, file.error().message);
                                  auto plan = planUndo(*pending.descriptor, location, *file, *pending.backup, lookup);
                                  if (!plan)
                                      return Q_EMIT self->failed(pending.descriptor->id, plan.error().message);
                                  pending.plan = std::move(plan).value();
                                  self->previewed(std::move(pending));
                              });
        return;
    }
    const ClientLocation location = locateClient(*descriptor, m_environment);
    auto file = readClientFile(location.configFile);
    if (!file) {
        Q_EMIT failed(id, file.error().message);
        return;
    }
    Result<ClientPlan> plan = Error{};
    if (action == Action::Configure) {
        plan = planConfigure(*descriptor, location, *file, m_binary);
    } else {
        SecretFilter include;
        if (refs) {
            include = [selected = *refs, id](const SecretFinding &finding) {
                return selected.count(refFor(id, finding.server, finding.name)) > 0;
            };
        }
        plan = planMigrate(*descriptor, location, *file, m_binary, include);
    }
    if (!plan) {
        Q_EMIT failed(id, plan.error().message);
        return;
    }
    pending.plan = std::move(plan).value();
    previewed(std::move(pending));
}

void ClientsPresenter::previewed(Pending pending)
{
    Preview preview;
    preview.action = pending.action;
    preview.clientId = pending.descriptor->id;
    preview.target = pending.plan.file.target;
    preview.diff = pending.plan.diff;
    preview.notes = pending.plan.notes;
    preview.changesFile = pending.plan.changesFile();
    m_pending = std::move(pending);
    m_preview = preview;
    Q_EMIT previewReady();
}

void ClientsPresenter::apply()
{
    if (!m_pending) {
        Q_EMIT failed(QString(), tr("Nothing to apply: preview a change first."));
        return;
    }
    if (m_busy) {
        Q_EMIT failed(m_pending->descriptor->id, tr("Another change is still being written; wait for it to finish."));
        return;
    }
    m_busy = true;
    const Pending pending = *m_pending;
    m_pending.reset();
    const QString id = pending.descriptor->id;
    // The change written must be the one shown: same diff, same additions and secrets.
    ReviewPlan review = [shown = pending.plan](const ClientPlan &plan) -> Result<void> {
        if (plan.diff != shown.diff || !sameChange(plan, shown) || plan.removeFile != shown.removeFile) {
            return Error{QStringLiteral("changed_underneath"),
                         tr("%1 changed since the preview; nothing was written: look at the new preview and apply again.")
                             .arg(plan.file.target)};
        }
        return {};
    };
    QPointer<ClientsPresenter> self(this);
    ChangeFinished finished = [self, id](ClientChangeOutcome outcome) {
        if (self)
            self->finish(id, outcome);
    };
    const ClientLocation location = locateClient(*pending.descriptor, m_environment);
    switch (pending.action) {
    case Action::Configure:
        configureClient(services(), *pending.descriptor, location, m_binary, review, finished);
        break;
    case Action::Migrate:
        migrateClient(services(), *pending.descriptor, location, m_binary, pending.refs, review, finished);
        break;
    case Action::Undo:
        undoClient(services(), *pending.descriptor, m_environment, *pending.backup, review, finished);
        break;
    }
}

void ClientsPresenter::finish(const QString &clientId, const ClientChangeOutcome &outcome)
{
    m_busy = false;
    m_preview.reset();
    if (outcome.error) {
        Q_EMIT failed(clientId, outcome.error->message);
    } else if (!outcome.changed) {
        Q_EMIT changeFinished(clientId, tr("%1: nothing to change.").arg(clientId));
    } else if (!outcome.backupFile.isEmpty()) {
        Q_EMIT changeFinished(clientId, tr("%1: wrote %2 (backup: %3).")
                                            .arg(clientId, outcome.plan ? outcome.plan->file.target : QString(),
                                                 outcome.backupFile));
    } else {
        Q_EMIT changeFinished(clientId, outcome.plan && outcome.plan->removeFile
                                            ? tr("%1: removed %2.").arg(clientId, outcome.plan->file.target)
                                            : tr("%1: restored %2.")
                                                  .arg(clientId, outcome.plan ? outcome.plan->file.target : QString()));
    }
    refresh();
}

} // namespace keyward::gui
