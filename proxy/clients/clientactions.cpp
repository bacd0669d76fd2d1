#include "clients/clientactions.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "clients/clientfile.h"
#include "config/config.h"
#include "config/configjson.h"
#include "config/homelock.h"

#include <QRegularExpression>
#include <QTimer>

#include <map>
#include <memory>

namespace keyward::clients {

namespace {

// Runs `work` from the event loop.
void later(std::function<void()> work, int delayMs = 0)
{
    QTimer::singleShot(delayMs, [work = std::move(work)]() { work(); });
}

// One run of changeClient(), kept alive by the callbacks that continue it.
struct ChangeRun : std::enable_shared_from_this<ChangeRun> {
    KeywardHome home;
    const ClientDescriptor *client = nullptr;
    ClientLocation location;
    ClientChangeSteps steps;
    ChangeFinished finished;
    std::unique_ptr<ClientFileLock> lock;
    std::optional<ClientPlan> approved;
    ClientChangeOutcome outcome;
    int attempt = 0;

    ChangeRun(const KeywardHome &h) : home(h) {}

    void finish(std::optional<Error> error = std::nullopt, const ClientPlan *plan = nullptr)
    {
        outcome.error = std::move(error);
        if (plan)
            outcome.plan = *plan;
        lock.reset();
        ChangeFinished done = std::move(finished);
        done(std::move(outcome));
    }

    void start()
    {
        auto acquired = ClientFileLock::acquire(home, client->id);
        if (!acquired)
            return finish(acquired.error());
        lock = std::move(acquired).value();
        step();
    }

    // One attempt: read, plan, (first time) review and prepare, then write.
    void step()
    {
        auto file = readClientFile(location.configFile);
        if (!file)
            return finish(file.error());
        auto planned = steps.plan(*file);
        if (!planned)
            return finish(planned.error());
        ClientPlan plan = std::move(planned).value();
        if (approved) {
            if (!sameChange(*approved, plan)) {
                return finish(Error{QStringLiteral("changed_underneath"),
                                    QStringLiteral("%1 changed while Keyward was writing it, and the change would now "
                                                   "differ from the one shown; nothing was written: run the command again")
                                        .arg(plan.file.target)},
                              &plan);
            }
            return write(std::move(plan));
        }
        const auto reviewed = steps.review(plan);
        if (!plan.changesFile()) {
            if (steps.afterWrite)
                steps.afterWrite(plan, nullptr);
            return finish(std::nullopt, &plan);
        }
        if (!reviewed)
            return finish(reviewed.error(), &plan);
        if (!steps.beforeWrite) {
            approved = plan;
            return write(std::move(plan));
        }
        auto self = shared_from_this();
        steps.beforeWrite(plan, [self, plan](Result<void> done) {
            if (!done)
                return self->finish(done.error(), &plan);
            self->approved = plan;
            self->write(plan);
        });
    }

    void write(ClientPlan plan)
    {
        BackupStore backups(home);
        std::optional<ClientBackup> backup;
        if (plan.action != QLatin1String("undo")) {
            auto made = makeBackup(plan);
            if (!made)
                return finish(made.error(), &plan);
            backup = std::move(made).value();
            if (auto saved = backups.save(*backup); !saved)
                return finish(saved.error(), &plan);
        }
        auto applied = applyPlan(plan);
        if (applied) {
            outcome.changed = true;
            if (backup)
                outcome.backupFile = backup->file;
            if (steps.afterWrite)
                steps.afterWrite(plan, backup ? &*backup : nullptr);
            return finish(std::nullopt, &plan);
        }
        if (backup)
            backups.discard(*backup);
        if (applied.error().code != QLatin1String("changed_underneath") || ++attempt == kChangeAttempts)
            return finish(applied.error(), &plan);
        later([self = shared_from_this()]() { self->step(); }, kChangeRetryDelayMs);
    }
};

// Runs store->write(env/<ref>) for each secret in turn, then `done`.
void writeSecrets(SecretStore *store, std::shared_ptr<std::vector<MigratedSecret>> secrets, size_t index,
                  std::function<void(Result<void>)> done)
{
    if (index == secrets->size())
        return done({});
    const MigratedSecret &secret = secrets->at(index);
    auto value = std::make_shared<QByteArray>(QByteArray::fromStdString(secret.secret));
    store->write(QStringLiteral("env/") + secret.ref, *value,
                 [store, secrets, index, value, done = std::move(done)](Result<void> written) mutable {
                     value->fill('\0');
                     if (!written)
                         return done(written.error());
                     writeSecrets(store, secrets, index + 1, std::move(done));
                 });
}

} // namespace

bool sameChange(const ClientPlan &a, const ClientPlan &b)
{
    if (a.changes.size() != b.changes.size() || a.secrets.size() != b.secrets.size())
        return false;
    for (size_t i = 0; i < a.changes.size(); ++i) {
        if (a.changes[i].path != b.changes[i].path || a.changes[i].afterSha256 != b.changes[i].afterSha256)
            return false;
    }
    for (size_t i = 0; i < a.secrets.size(); ++i) {
        if (a.secrets[i].ref != b.secrets[i].ref || a.secrets[i].secret != b.secrets[i].secret ||
            a.secrets[i].command != b.secrets[i].command)
            return false;
    }
    return true;
}

void changeClient(const KeywardHome &home, const ClientDescriptor &client, const ClientLocation &location,
                  ClientChangeSteps steps, ChangeFinished finished)
{
    auto run = std::make_shared<ChangeRun>(home);
    run->client = &client;
    run->location = location;
    run->steps = std::move(steps);
    run->finished = std::move(finished);
    later([run]() { run->start(); });
}

QString secretStoreLabel(const Config &config)
{
    return config.settings.secretStore == SecretStoreKind::File ? QStringLiteral("the encrypted file secrets.kwv")
                                                                : QStringLiteral("the keychain");
}

BeforeWrite storeMigratedSecrets(const ClientActionServices &services, const ClientDescriptor &client)
{
    return [services, clientId = client.id](const ClientPlan &plan, std::function<void(Result<void>)> done) {
        static const QRegularExpression envName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
        for (const MigratedSecret &secret : plan.secrets) {
            if (!envName.match(secret.envVar).hasMatch()) {
                return done(Error{QStringLiteral("not_supported"),
                                  QStringLiteral("server '%1': %2 is not an environment variable name Keyward can set")
                                      .arg(QString::fromStdString(secret.server), secret.envVar.left(64))});
            }
        }
        auto lock = HomeLock::acquire(services.home);
        if (!lock)
            return done(lock.error());
        auto config = loadConfigFile(services.home.configFile());
        if (!config)
            return done(config.error());
        auto store = services.store();
        if (!store)
            return done(store.error());
        auto secrets = std::make_shared<std::vector<MigratedSecret>>(plan.secrets);
        auto held = std::make_shared<std::unique_ptr<HomeLock>>(std::move(lock).value());
        auto loaded = std::make_shared<Config>(std::move(config).value());
        const QString target = plan.file.target;
        writeSecrets(*store, secrets, 0, [services, clientId, secrets, held, loaded, target, done](Result<void> written) {
            if (!written)
                return done(written.error());
            QStringList refs;
            for (const MigratedSecret &secret : *secrets) {
                loaded->runRefs[secret.ref] = RunRef{secret.envVar, secret.command};
                refs.append(secret.ref);
            }
            if (auto saved = saveConfigFile(services.home.configFile(), *loaded); !saved)
                return done(saved.error());
            const auto recorded = recordChange(*services.audit, QStringLiteral("clients migrate"), clientId,
                                               QStringLiteral("moved %1 secret(s) from %2 into %3 (refs: %4)")
                                                   .arg(secrets->size())
                                                   .arg(target, secretStoreLabel(*loaded), refs.join(QStringLiteral(", "))),
                                               services.who);
            held->reset();
            if (!recorded) {
                return done(Error{recorded.error().code,
                                  QStringLiteral("Stored %1 secret(s) of %2 and recorded their commands, but the change "
                                                 "could not be recorded in the audit log: %3; %4 was not changed")
                                      .arg(secrets->size())
                                      .arg(clientId, recorded.error().message, target)});
            }
            if (services.configChanged)
                services.configChanged();
            done({});
        });
    };
}

void configureClient(const ClientActionServices &services, const ClientDescriptor &client,
                     const ClientLocation &location, const QString &keywardBinary, ReviewPlan review,
                     ChangeFinished finished)
{
    ClientChangeSteps steps;
    steps.plan = [&client, location, keywardBinary](const ClientFileState &file) {
        return planConfigure(client, location, file, keywardBinary);
    };
    steps.review = std::move(review);
    changeClient(services.home, client, location, std::move(steps), std::move(finished));
}

void migrateClient(const ClientActionServices &services, const ClientDescriptor &client,
                   const ClientLocation &location, const QString &keywardBinary,
                   const std::optional<std::set<QString>> &refs, ReviewPlan review, ChangeFinished finished)
{
    SecretFilter include;
    if (refs) {
        include = [selected = *refs, clientId = client.id](const SecretFinding &finding) {
            return selected.count(refFor(clientId, finding.server, finding.name)) > 0;
        };
    }
    ClientChangeSteps steps;
    steps.plan = [&client, location, keywardBinary, include](const ClientFileState &file) {
        return planMigrate(client, location, file, keywardBinary, include);
    };
    steps.review = std::move(review);
    steps.beforeWrite = storeMigratedSecrets(services, client);
    changeClient(services.home, client, location, std::move(steps), std::move(finished));
}

Result<ClientBackup> latestBackup(const KeywardHome &home, const ClientDescriptor &client)
{
    auto list = BackupStore(home).list(client.id);
    if (!list)
        return list.error();
    for (ClientBackup &backup : list.value()) {
        if (backup.used.isEmpty())
            return std::move(backup);
    }
    return Error{QStringLiteral("no_backup"), QStringLiteral("Keyward has no change of %1 left to undo").arg(client.id)};
}

void prefetchBackupSecrets(const ClientBackup &backup, const StoreProvider &store,
                           std::function<void(SecretLookup)> done)
{
    using Values = std::map<QString, Result<std::string>>;
    auto values = std::make_shared<Values>();
    auto refs = std::make_shared<QStringList>();
    for (const BackupSecret &secret : backup.secrets) {
        if (secret.stored && !refs->contains(secret.ref))
            refs->append(secret.ref);
    }
    const auto lookup = [values](const QString &ref) -> Result<std::string> {
        const auto found = values->find(ref);
        if (found == values->end())
            return Error{QString::fromLatin1(secret_errors::kNotFound),
                         QStringLiteral("the secret of ref '%1' is not in the store (env/%1)").arg(ref)};
        return found->second;
    };
    if (refs->isEmpty())
        return later([done, lookup]() { done(lookup); });
    auto opened = store();
    if (!opened) {
        for (const QString &ref : *refs)
            values->emplace(ref, opened.error());
        return later([done, lookup]() { done(lookup); });
    }
    SecretStore *secrets = *opened;
    auto next = std::make_shared<std::function<void(qsizetype)>>();
    *next = [secrets, values, refs, done, lookup, next](qsizetype index) {
        if (index == refs->size()) {
            done(lookup);
            *next = nullptr; // breaks the cycle
            return;
        }
        const QString ref = refs->at(index);
        secrets->read(QStringLiteral("env/") + ref, [values, ref, next, index](Result<QByteArray> value) {
            if (!value) {
                Error error = value.error();
                if (error.code == QLatin1String(secret_errors::kNotFound))
                    error.message = QStringLiteral("the secret of ref '%1' is not in the store (env/%1)").arg(ref);
                values->emplace(ref, error);
            } else {
                QByteArray bytes = value.value();
                values->emplace(ref, bytes.toStdString());
                bytes.fill('\0');
            }
            (*next)(index + 1);
        });
    };
    (*next)(0);
}

void undoClient(const ClientActionServices &services, const ClientDescriptor &client, const ClientEnvironment &env,
                const ClientBackup &backup, ReviewPlan review, ChangeFinished finished,
                std::function<void(const std::optional<Error> &)> markedUsed)
{
    // The file Keyward changed, as the backup names it (the registry path may point elsewhere now).
    ClientLocation location = locateClient(client, env);
    location.configFile = backup.path;
    prefetchBackupSecrets(backup, services.store, [services, &client, location, backup, review = std::move(review),
                                                   finished = std::move(finished),
                                                   markedUsed = std::move(markedUsed)](SecretLookup lookup) mutable {
        ClientChangeSteps steps;
        steps.plan = [&client, location, backup, lookup](const ClientFileState &file) {
            return planUndo(client, location, file, backup, lookup);
        };
        steps.review = std::move(review);
        steps.afterWrite = [home = services.home, backup, markedUsed](const ClientPlan &, const ClientBackup *) mutable {
            ClientBackup used = backup;
            std::optional<Error> error;
            if (auto marked = BackupStore(home).markUsed(used); !marked)
                error = marked.error();
            if (markedUsed)
                markedUsed(error);
        };
        changeClient(services.home, client, location, std::move(steps), std::move(finished));
    });
}

} // namespace keyward::clients
