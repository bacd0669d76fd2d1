// The client change orchestration shared by `keyward clients` and the Clients window
// (clients/clientactions.h): review before any write, a backup per change, a refused or failed step
// leaves the file, config.json and the backups as they were, a file rewritten underneath is planned
// again and written only with the same change, migrate stores the secrets before the file loses
// them, undo puts the original bytes back from the store, and `finished` never runs inside the call.

#include "clients/clientactions.h"

#include "support/e2eprocess.h"
#include "support/fakesecretstore.h"
#include "support/temphome.h"

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "core/keywardhome.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTest>
#include <QTimer>

using namespace keyward;
using namespace keyward::clients;
using keyward::test::randomCanary;
using keyward::test::TempHome;
using json = nlohmann::json;

namespace {

const QString kBinary = QStringLiteral("/usr/bin/keyward");

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(bytes);
}

// Starts a change and waits for its outcome; `inside` tells whether `finished` ran inside the call.
ClientChangeOutcome wait(const std::function<void(ChangeFinished)> &start, bool *inside = nullptr)
{
    std::optional<ClientChangeOutcome> result;
    QEventLoop loop;
    bool returned = false;
    start([&](ClientChangeOutcome outcome) {
        if (inside)
            *inside = !returned;
        result = std::move(outcome);
        loop.quit();
    });
    returned = true;
    if (!result) {
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!result)
        qFatal("the change never finished");
    return *result;
}

Result<void> accept(const ClientPlan &) { return {}; }

struct Fixture {
    TempHome userHome;
    TempHome keywardDir;
    KeywardHome home = KeywardHome::atDirectory(keywardDir.path());
    AuditLog audit{home.auditDatabase()};
    FakeSecretStore store;
    const ClientDescriptor &desktop = *findClient(QStringLiteral("claude-desktop"));

    ClientEnvironment env() const
    {
        ClientEnvironment e;
        e.home = userHome.path();
        return e;
    }
    ClientLocation location() const { return locateClient(desktop, env()); }
    QString path() const { return location().configFile; }
    ClientActionServices services()
    {
        ClientActionServices s;
        s.home = home;
        s.audit = &audit;
        s.store = [this]() -> Result<SecretStore *> { return &store; };
        s.who = QStringLiteral("test");
        return s;
    }
    size_t backups() const
    {
        auto list = BackupStore(home).list(desktop.id);
        return list ? list->size() : 0;
    }
};

QByteArray desktopBytes(const QByteArray &secret)
{
    const json document = {{"mcpServers",
                            {{"probe",
                              {{"command", "sh"}, {"args", {"-c", "true"}}, {"env", {{"PROBE_TOKEN", secret.toStdString()}}}}}}},
                           {"preferences", {{"menuBarEnabled", true}}}};
    return QByteArray::fromStdString(document.dump(2) + "\n");
}

} // namespace

class TestClientActions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aRefusedReviewWritesNothing()
    {
        Fixture f;
        const QByteArray original = desktopBytes(randomCanary());
        writeFile(f.path(), original);
        bool inside = true;
        const auto outcome = wait(
            [&](ChangeFinished done) {
                configureClient(f.services(), f.desktop, f.location(), kBinary,
                                [](const ClientPlan &) -> Result<void> {
                                    return Error{QStringLiteral("not_confirmed"), QStringLiteral("no")};
                                },
                                done);
            },
            &inside);
        QVERIFY(!inside);
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code, QStringLiteral("not_confirmed"));
        QVERIFY(outcome.plan && outcome.plan->changesFile());
        QVERIFY(!outcome.changed);
        QCOMPARE(readFile(f.path()), original);
        QCOMPARE(f.backups(), size_t(0));
    }

    void configureBacksUpAndASecondRunChangesNothing()
    {
        Fixture f;
        writeFile(f.path(), desktopBytes(randomCanary()));
        int reviews = 0;
        const ReviewPlan review = [&](const ClientPlan &) -> Result<void> {
            ++reviews;
            return {};
        };
        auto first = wait([&](ChangeFinished done) { configureClient(f.services(), f.desktop, f.location(), kBinary, review, done); });
        QVERIFY2(!first.error, qPrintable(first.error ? first.error->message : QString()));
        QVERIFY(first.changed);
        QVERIFY(QFileInfo::exists(first.backupFile));
        const QByteArray configured = readFile(f.path());
        QVERIFY(configured.contains("\"keyward\""));
        auto second = wait([&](ChangeFinished done) { configureClient(f.services(), f.desktop, f.location(), kBinary, review, done); });
        QVERIFY(!second.error && !second.changed);
        QCOMPARE(reviews, 2);
        QCOMPARE(readFile(f.path()), configured);
        QCOMPARE(f.backups(), size_t(1));
    }

    void aFileRewrittenBeforeTheWriteIsPlannedAgainAndTheOtherEditSurvives()
    {
        Fixture f;
        writeFile(f.path(), desktopBytes(randomCanary()));
        const QByteArray edited = "{\"mcpServers\": {\"added\": {\"command\": \"x\"}}}\n";
        ClientChangeSteps steps;
        steps.plan = [&](const ClientFileState &file) { return planConfigure(f.desktop, f.location(), file, kBinary); };
        steps.review = accept;
        steps.beforeWrite = [&](const ClientPlan &, std::function<void(Result<void>)> done) {
            writeFile(f.path(), edited); // another writer, after the plan was made
            done({});
        };
        const auto outcome = wait([&](ChangeFinished done) { changeClient(f.home, f.desktop, f.location(), steps, done); });
        QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
        QVERIFY(outcome.changed);
        const json after = json::parse(readFile(f.path()).toStdString());
        QVERIFY(after["mcpServers"].contains("added"));
        QVERIFY(after["mcpServers"].contains("keyward"));
        QVERIFY(!after["mcpServers"].contains("probe"));
    }

    void aMigrationWhoseSecretChangedUnderneathIsNotWritten()
    {
        Fixture f;
        writeFile(f.path(), desktopBytes(randomCanary()));
        const QByteArray rewritten = desktopBytes(randomCanary());
        ClientChangeSteps steps;
        steps.plan = [&](const ClientFileState &file) { return planMigrate(f.desktop, f.location(), file, kBinary); };
        steps.review = accept;
        steps.beforeWrite = [&](const ClientPlan &, std::function<void(Result<void>)> done) {
            writeFile(f.path(), rewritten);
            done({});
        };
        const auto outcome = wait([&](ChangeFinished done) { changeClient(f.home, f.desktop, f.location(), steps, done); });
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code, QStringLiteral("changed_underneath"));
        QCOMPARE(readFile(f.path()), rewritten);
        QCOMPARE(f.backups(), size_t(0));
    }

    void aStoreThatFailsLeavesTheFileAndConfigAsTheyWere()
    {
        Fixture f;
        const QByteArray canary = randomCanary();
        const QByteArray original = desktopBytes(canary);
        writeFile(f.path(), original);
        f.store.failWith(Error{QString::fromLatin1(secret_errors::kKeychain), QStringLiteral("locked: unlock it")},
                         FakeSecretStore::Write);
        const auto outcome = wait([&](ChangeFinished done) {
            migrateClient(f.services(), f.desktop, f.location(), kBinary, std::nullopt, accept, done);
        });
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code, QString::fromLatin1(secret_errors::kKeychain));
        QVERIFY(!outcome.error->message.contains(QString::fromLatin1(canary)));
        QCOMPARE(readFile(f.path()), original);
        QCOMPARE(f.backups(), size_t(0));
        auto config = loadConfigFile(f.home.configFile());
        QVERIFY(config);
        QVERIFY(config->runRefs.empty());
    }

    void migrateThenUndoRestoresTheOriginalBytesFromTheStore()
    {
        Fixture f;
        const QByteArray canary = randomCanary();
        const QByteArray original = desktopBytes(canary);
        writeFile(f.path(), original);
        int configChanges = 0;
        ClientActionServices services = f.services();
        services.configChanged = [&]() { ++configChanges; };
        const auto migrated = wait([&](ChangeFinished done) {
            migrateClient(services, f.desktop, f.location(), kBinary, std::nullopt, accept, done);
        });
        QVERIFY2(!migrated.error, qPrintable(migrated.error ? migrated.error->message : QString()));
        QCOMPARE(configChanges, 1);
        const QString ref = refFor(f.desktop.id, "probe", "PROBE_TOKEN");
        QCOMPARE(f.store.writtenValues(QStringLiteral("env/") + ref), QByteArrayList{canary});
        QVERIFY(!readFile(f.path()).contains(canary));
        QVERIFY(!readFile(migrated.backupFile).contains(canary));
        QVERIFY(!migrated.plan->diff.contains(QString::fromLatin1(canary)));
        auto config = loadConfigFile(f.home.configFile());
        QVERIFY(config && config->runRefs.count(ref));
        const auto rows = f.audit.query(AuditFilter{});
        QVERIFY(rows && rows->size() == 1);
        QCOMPARE(rows->first().agent, QStringLiteral("test"));
        QVERIFY(!rows->first().reason.value_or(QString()).contains(QString::fromLatin1(canary)));

        auto backup = latestBackup(f.home, f.desktop);
        QVERIFY(backup);
        std::optional<Error> markError = Error{};
        const auto undone = wait([&](ChangeFinished done) {
            undoClient(f.services(), f.desktop, f.env(), *backup, accept, done,
                       [&](const std::optional<Error> &error) { markError = error; });
        });
        QVERIFY2(!undone.error, qPrintable(undone.error ? undone.error->message : QString()));
        QVERIFY(!markError);
        QVERIFY(!undone.plan->diff.contains(QString::fromLatin1(canary)));
        QCOMPARE(readFile(f.path()), original);
        QCOMPARE(latestBackup(f.home, f.desktop).error().code, QStringLiteral("no_backup"));
    }

    void aLookupAnswersAMissingRefOnlyWhenAsked()
    {
        ClientBackup backup;
        backup.secrets.push_back(BackupSecret{placeholderFor(QStringLiteral("gone")), QStringLiteral("gone"), true});
        FakeSecretStore store;
        std::optional<SecretLookup> lookup;
        QEventLoop loop;
        prefetchBackupSecrets(backup, [&]() -> Result<SecretStore *> { return &store; }, [&](SecretLookup found) {
            lookup = std::move(found);
            loop.quit();
        });
        if (!lookup)
            loop.exec();
        QVERIFY(lookup);
        const auto missing = (*lookup)(QStringLiteral("gone"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, QString::fromLatin1(secret_errors::kNotFound));
        QVERIFY(missing.error().message.contains(QStringLiteral("gone")));
        QCOMPARE(store.calls(), QStringList{QStringLiteral("read env/gone")});
    }
};

QTEST_GUILESS_MAIN(TestClientActions)
#include "tst_clientactions.moc"
