// The Clients window, its presenter and ClientsModel, offscreen over a temp HOME holding the client
// fixtures of tests/fixtures/clients: the model under QAbstractItemModelTester; configure from the
// window writes exactly the CLI's golden output and leaves a backup; migrate (FakeSecretStore)
// stores the checked secrets only, records their runRefs and leaves no plaintext key in any file;
// undo restores the original bytes; no diff or label shown ever holds a secret; errors show inline.

#include "clients/clientspresenter.h"
#include "models/clientsmodel.h"
#include "windows/clientswindow.h"

#include "support/e2eprocess.h"
#include "support/fakesecretstore.h"
#include "support/temphome.h"

#include "audit/auditlog.h"
#include "clients/clientbackups.h"
#include "clients/clientregistry.h"
#include "core/keywardhome.h"

#include <nlohmann/json.hpp>

#include <QAbstractItemModelTester>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using namespace keyward;
using namespace keyward::clients;
using keyward::gui::ClientsModel;
using keyward::gui::ClientsPresenter;
using keyward::gui::ClientsWindow;
using keyward::test::TempHome;
using keyward::test::randomCanary;
using json = nlohmann::json;

namespace {

const QString kBinary = QStringLiteral("/usr/bin/keyward");

QString fixturesDir() { return QDir(QStringLiteral(KEYWARD_E2E_DIR)).filePath(QStringLiteral("../fixtures/clients")); }

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray();
    return file.readAll();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(bytes);
}

QByteArray fixture(const QString &name) { return readFile(QDir(fixturesDir()).filePath(name)); }

struct Fixture {
    TempHome userHome;
    TempHome keywardDir;
    KeywardHome home = KeywardHome::atDirectory(keywardDir.path());
    AuditLog audit{home.auditDatabase()};
    FakeSecretStore store;
    int configReloads = 0;
    std::unique_ptr<ClientsPresenter> presenter;

    ClientEnvironment env() const
    {
        ClientEnvironment e;
        e.home = userHome.path();
        return e;
    }
    QString pathOf(const char *client) const { return locateClient(*findClient(QString::fromLatin1(client)), env()).configFile; }

    void start()
    {
        presenter = std::make_unique<ClientsPresenter>(home, store, audit, env(), kBinary, [this]() { ++configReloads; });
    }

    // Previews `action` and applies it, waiting for its outcome; returns the message or the error.
    bool previewAndApply(ClientsPresenter::Action action, const QString &id, QString *message,
                         const std::optional<std::set<QString>> &refs = std::nullopt)
    {
        QSignalSpy ready(presenter.get(), &ClientsPresenter::previewReady);
        QSignalSpy failed(presenter.get(), &ClientsPresenter::failed);
        presenter->preview(action, id, refs);
        if (ready.isEmpty() && failed.isEmpty())
            ready.wait();
        if (!failed.isEmpty()) {
            *message = failed.first().at(1).toString();
            return false;
        }
        QSignalSpy finished(presenter.get(), &ClientsPresenter::changeFinished);
        presenter->apply();
        if (finished.isEmpty() && failed.isEmpty())
            finished.wait();
        if (!failed.isEmpty()) {
            *message = failed.first().at(1).toString();
            return false;
        }
        *message = finished.first().at(1).toString();
        return true;
    }

    // No file under HOME or the Keyward home holds `secret`.
    void verifyNoFileHolds(const QByteArray &secret) const
    {
        for (const QString &root : {userHome.path(), keywardDir.path()}) {
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QVERIFY2(!readFile(path).contains(secret), qPrintable(path));
            }
        }
    }
};

json desktopConfig(const QByteArray &canary, const QByteArray &other)
{
    return {{"mcpServers",
             {{"probe",
               {{"command", "sh"},
                {"args", {"-c", "true"}},
                {"env", {{"PROBE_TOKEN", canary.toStdString()}, {"LOG_LEVEL", "debug"}}}}},
              {"other", {{"command", "node"}, {"args", {"server.js"}}, {"env", {{"API_KEY", other.toStdString()}}}}}}},
            {"preferences", {{"menuBarEnabled", true}}}};
}

} // namespace

class TestClientsWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theModelListsEveryClientWithItsFindingsCounted()
    {
        Fixture f;
        writeFile(f.pathOf("cursor"), fixture(QStringLiteral("cursor.json")));
        writeFile(f.pathOf("vscode"), fixture(QStringLiteral("vscode.configured.json")));
        f.start();
        ClientsModel model(*f.presenter);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), int(clientRegistry().size()));
        QCOMPARE(model.columnCount(), int(ClientsModel::ColumnCount));
        const int cursor = model.rowOf(QStringLiteral("cursor"));
        QVERIFY(cursor >= 0);
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Name)).toString(), QStringLiteral("Cursor"));
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Path)).toString(), f.pathOf("cursor"));
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Installed)).toString(), QStringLiteral("yes"));
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Configured)).toString(), QStringLiteral("no"));
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Servers)).toInt(), 2);
        QCOMPARE(model.data(model.index(cursor, ClientsModel::Secrets)).toInt(), 2);
        const int vscode = model.rowOf(QStringLiteral("vscode"));
        QCOMPARE(model.data(model.index(vscode, ClientsModel::Configured)).toString(), QStringLiteral("yes"));
        const int zed = model.rowOf(QStringLiteral("zed"));
        QCOMPARE(model.data(model.index(zed, ClientsModel::Installed)).toString(), QStringLiteral("no"));
        QCOMPARE(model.idAt(cursor), QStringLiteral("cursor"));

        // A client that appears is listed after a refresh.
        writeFile(f.pathOf("zed"), fixture(QStringLiteral("zed.json")));
        f.presenter->refresh();
        QCOMPARE(model.data(model.index(zed, ClientsModel::Installed)).toString(), QStringLiteral("yes"));
    }

    void configureWritesTheGoldenOutputAndABackupThenUndoRestoresTheOriginal()
    {
        Fixture f;
        const QByteArray original = fixture(QStringLiteral("cursor.json"));
        writeFile(f.pathOf("cursor"), original);
        f.start();
        QString message;
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Configure, QStringLiteral("cursor"), &message), qPrintable(message));
        QCOMPARE(QString::fromUtf8(readFile(f.pathOf("cursor"))), QString::fromUtf8(fixture(QStringLiteral("cursor.configured.json"))));
        auto backups = BackupStore(f.home).list(QStringLiteral("cursor"));
        QVERIFY(backups);
        QCOMPARE(backups->size(), size_t(1));
        QVERIFY(QFileInfo::exists(backups->front().file));
        QVERIFY(message.contains(backups->front().file));
        QVERIFY(f.presenter->client(QStringLiteral("cursor"))->configured);
        QVERIFY(f.presenter->client(QStringLiteral("cursor"))->hasBackup);

        // Configure again: nothing to change, no second backup.
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Configure, QStringLiteral("cursor"), &message), qPrintable(message));
        QCOMPARE(BackupStore(f.home).list(QStringLiteral("cursor"))->size(), size_t(1));

        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Undo, QStringLiteral("cursor"), &message), qPrintable(message));
        QCOMPARE(readFile(f.pathOf("cursor")), original);
        QVERIFY(!f.presenter->client(QStringLiteral("cursor"))->hasBackup);
        QVERIFY(!f.previewAndApply(ClientsPresenter::Action::Undo, QStringLiteral("cursor"), &message));
        QVERIFY2(message.contains(QStringLiteral("no change")), qPrintable(message));
    }

    void migrateStoresOnlyTheCheckedSecretsAndLeavesNoKeyInAnyFile()
    {
        Fixture f;
        const QByteArray canary = randomCanary();
        const QByteArray other = randomCanary();
        const QByteArray original = QByteArray::fromStdString(desktopConfig(canary, other).dump(2) + "\n");
        writeFile(f.pathOf("claude-desktop"), original);
        f.start();
        const QString id = QStringLiteral("claude-desktop");
        const auto views = f.presenter->findings(id);
        QCOMPARE(views.size(), size_t(2));
        for (const auto &view : views) {
            QVERIFY(!view.label.contains(QString::fromLatin1(canary)) && !view.label.contains(QString::fromLatin1(other)));
            QVERIFY(view.migratable);
        }
        const QString probeRef = refFor(id, "probe", "PROBE_TOKEN");
        QString message;
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Migrate, id, &message, std::set<QString>{probeRef}),
                 qPrintable(message));
        QVERIFY(!message.contains(QString::fromLatin1(canary)));

        QVERIFY(f.store.contains(QStringLiteral("env/") + probeRef));
        QCOMPARE(f.store.writtenValues(QStringLiteral("env/") + probeRef), QByteArrayList{canary});
        QCOMPARE(f.store.keys().size(), 1);
        QCOMPARE(f.configReloads, 1);
        const json config = json::parse(readFile(f.home.configFile()).toStdString());
        QVERIFY2(config["runRefs"].contains(probeRef.toStdString()), config.dump().c_str());
        QCOMPARE(config["runRefs"][probeRef.toStdString()]["env"].get<std::string>(), std::string("PROBE_TOKEN"));
        f.verifyNoFileHolds(canary);
        // The unchecked secret stays where it was.
        QVERIFY(readFile(f.pathOf("claude-desktop")).contains(other));
        const auto rows = f.audit.query(AuditFilter{});
        QVERIFY(rows);
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().agent, QStringLiteral("tray"));
        QCOMPARE(rows->first().method, QStringLiteral("clients migrate"));

        // The rest, then undo twice puts the original bytes back (secrets from the store).
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Migrate, id, &message), qPrintable(message));
        f.verifyNoFileHolds(other);
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Undo, id, &message), qPrintable(message));
        QVERIFY2(f.previewAndApply(ClientsPresenter::Action::Undo, id, &message), qPrintable(message));
        QCOMPARE(readFile(f.pathOf("claude-desktop")), original);
    }

    void theWindowPreviewsConfigureAndAppliesOnlyAfterConfirmation()
    {
        Fixture f;
        const QByteArray canary = randomCanary();
        const QByteArray other = randomCanary();
        const QByteArray original = QByteArray::fromStdString(desktopConfig(canary, other).dump(2) + "\n");
        writeFile(f.pathOf("claude-desktop"), original);
        f.start();
        ClientsWindow window(*f.presenter);
        QCOMPARE(window.objectName(), QStringLiteral("clientsWindow"));
        QCOMPARE(window.windowTitle(), QStringLiteral("Keyward: clients"));
        for (QWidget *child : window.findChildren<QWidget *>()) {
            if (child->focusPolicy() != Qt::NoFocus && (qobject_cast<QAbstractButton *>(child) || qobject_cast<QAbstractItemView *>(child)))
                QVERIFY2(!child->accessibleName().isEmpty(), child->metaObject()->className());
        }
        QStringList asked;
        bool answer = false;
        window.setConfirm([&](const QString &question, const QString &diff) {
            asked.append(question + u'\n' + diff);
            return answer;
        });
        QVERIFY(window.selectClient(QStringLiteral("claude-desktop")));
        QVERIFY(window.previewText().contains(QStringLiteral("+    \"keyward\"")) || window.previewText().contains(kBinary));
        QVERIFY(!window.previewText().contains(QString::fromLatin1(canary)));
        auto *secrets = window.findChild<QListWidget *>();
        QVERIFY(secrets);
        QCOMPARE(secrets->count(), 2);
        for (int row = 0; row < secrets->count(); ++row)
            QVERIFY(!secrets->item(row)->text().contains(QString::fromLatin1(canary)));

        // Declined: nothing written.
        window.configureSelected();
        QCOMPARE(asked.size(), 1);
        QCOMPARE(readFile(f.pathOf("claude-desktop")), original);

        // Migrate with only the first box checked, confirmed.
        answer = true;
        secrets->item(1)->setCheckState(Qt::Unchecked);
        const QString checkedRef = refFor(QStringLiteral("claude-desktop"), "other", "API_KEY");
        const bool otherIsFirst = secrets->item(0)->text().startsWith(QStringLiteral("other"));
        QSignalSpy finished(f.presenter.get(), &ClientsPresenter::changeFinished);
        window.migrateSelected();
        if (finished.isEmpty())
            QVERIFY(finished.wait());
        QCOMPARE(asked.size(), 2);
        QVERIFY(!asked.last().contains(QString::fromLatin1(canary)) && !asked.last().contains(QString::fromLatin1(other)));
        QCOMPARE(f.store.keys().size(), 1);
        QCOMPARE(f.store.contains(QStringLiteral("env/") + checkedRef), otherIsFirst);
        QVERIFY2(window.errorText().isEmpty(), qPrintable(window.errorText()));
        QVERIFY(!window.statusText().isEmpty());
        // The window shows the client again after the refresh: the secret left, still masked.
        QCOMPARE(secrets->count(), 1);
        QVERIFY(!secrets->item(0)->text().contains(QString::fromLatin1(canary)));
        QVERIFY(!secrets->item(0)->text().contains(QString::fromLatin1(other)));
        QVERIFY(!window.previewText().contains(QString::fromLatin1(canary)));
        QVERIFY(!window.previewText().contains(QString::fromLatin1(other)));
    }

    void anInvalidFileShowsItsErrorInline()
    {
        Fixture f;
        writeFile(f.pathOf("cursor"), "{\"mcpServers\": {,}}\n");
        f.start();
        ClientsWindow window(*f.presenter);
        window.setConfirm([](const QString &, const QString &) { return true; });
        QVERIFY(window.selectClient(QStringLiteral("cursor")));
        QVERIFY2(window.errorText().contains(f.pathOf("cursor")), qPrintable(window.errorText()));
        ClientsModel &model = window.model();
        QCOMPARE(model.data(model.index(model.rowOf(QStringLiteral("cursor")), ClientsModel::Configured)).toString(),
                 QStringLiteral("unreadable"));
        window.configureSelected();
        QVERIFY(!window.errorText().isEmpty());
        QCOMPARE(readFile(f.pathOf("cursor")), QByteArray("{\"mcpServers\": {,}}\n"));
    }

    void aFileChangedAfterThePreviewIsNotWritten()
    {
        Fixture f;
        writeFile(f.pathOf("cursor"), fixture(QStringLiteral("cursor.json")));
        f.start();
        QSignalSpy failed(f.presenter.get(), &ClientsPresenter::failed);
        f.presenter->preview(ClientsPresenter::Action::Configure, QStringLiteral("cursor"));
        QVERIFY(f.presenter->lastPreview());
        const QByteArray edited = "{\"mcpServers\": {\"other\": {\"command\": \"x\"}}}\n";
        writeFile(f.pathOf("cursor"), edited);
        f.presenter->apply();
        if (failed.isEmpty())
            QVERIFY(failed.wait());
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("changed since the preview")),
                 qPrintable(failed.first().at(1).toString()));
        QCOMPARE(readFile(f.pathOf("cursor")), edited);
    }
};

QTEST_MAIN(TestClientsWindow)
#include "tst_clientswindow.moc"
