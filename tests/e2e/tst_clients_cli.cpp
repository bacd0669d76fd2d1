// `keyward clients ...` and `keyward run` end to end, with a temp HOME holding realistic client
// configs (tests/fixtures/clients) and the real keychain of the test session for migrate.

#include "support/e2eprocess.h"
#include "support/temphome.h"

#include "clients/clientregistry.h"
#include "clients/configedit.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>

using namespace keyward;
using namespace keyward::clients;
using namespace keyward::test;
using json = nlohmann::json;

namespace {

QString fixturesDir() { return QDir(QStringLiteral(KEYWARD_E2E_DIR)).filePath(QStringLiteral("../fixtures/clients")); }

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
}

QString extensionOf(const ClientDescriptor &client)
{
    return client.format == ConfigFormat::Toml ? QStringLiteral("toml") : QStringLiteral("json");
}

} // namespace

class TestClientsCli : public QObject {
    Q_OBJECT

private:
    TempHome m_home;
    QTemporaryDir m_userHome;

    ClientEnvironment env() const
    {
        ClientEnvironment e;
        e.home = m_userHome.path();
        return e;
    }
    QString pathOf(const QString &client) const { return locateClient(*findClient(client), env()).configFile; }

    CliRun keyward(const QStringList &args)
    {
        QProcess process;
        QProcessEnvironment environment = environmentFor(m_home);
        environment.insert(QStringLiteral("HOME"), m_userHome.path());
        for (const char *name : {"XDG_CONFIG_HOME", "APPDATA", "CODEX_HOME"})
            environment.remove(QString::fromLatin1(name));
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(KEYWARD_BINARY), args);
        process.waitForStarted();
        process.closeWriteChannel();
        if (!process.waitForFinished(60000))
            process.kill();
        return CliRun{process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
    }

    // Puts every client's fixture where that client keeps its config.
    void installFixtures()
    {
        for (const ClientDescriptor &client : clientRegistry())
            writeFile(pathOf(client.id), readFixture(client));
    }
    QByteArray readFixture(const ClientDescriptor &client, const QString &variant = {}) const
    {
        return readFile(QDir(fixturesDir()).filePath(client.id + variant + u'.' + extensionOf(client)));
    }
    // The golden output with this build's binary path instead of /usr/bin/keyward.
    QByteArray golden(const ClientDescriptor &client) const
    {
        QByteArray bytes = readFixture(client, QStringLiteral(".configured"));
        bytes.replace("/usr/bin/keyward", QByteArray(KEYWARD_BINARY));
        return bytes;
    }

private Q_SLOTS:
    void init()
    {
        QDir(m_userHome.path()).removeRecursively();
        QDir().mkpath(m_userHome.path());
        QDir(m_home.path()).removeRecursively();
        QDir().mkpath(m_home.path());
    }

    void configureEveryClientThenAgainChangesNothing()
    {
        installFixtures();
        const CliRun first = keyward({"clients", "configure", "--yes"});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        for (const ClientDescriptor &client : clientRegistry())
            QCOMPARE(QString::fromUtf8(readFile(pathOf(client.id))), QString::fromUtf8(golden(client)));
        // The diff on stdout masks the secrets of the fixtures.
        QVERIFY2(first.out.contains("xoxb…(51 chars)"), first.out.constData());
        QVERIFY(!first.out.contains("ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"));

        const CliRun second = keyward({"clients", "configure", "--yes"});
        QCOMPARE(second.exitCode, 0);
        QVERIFY(second.err.contains("already configured"));
        QVERIFY(second.out.isEmpty());
        for (const ClientDescriptor &client : clientRegistry())
            QCOMPARE(readFile(pathOf(client.id)), golden(client));

        const CliRun list = keyward({"clients", "list", "--json"});
        QCOMPARE(list.exitCode, 0);
        int configured = 0;
        for (const QByteArray &line : list.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const json item = json::parse(line.toStdString());
            configured += item["configured"].get<bool>() ? 1 : 0;
            QVERIFY(item["installed"].get<bool>());
            QVERIFY(item["secrets"].get<int>() >= 1);
        }
        QCOMPARE(configured, 7);
    }

    void undoRestoresTheOriginalBytes()
    {
        installFixtures();
        QCOMPARE(keyward({"clients", "configure", "--yes"}).exitCode, 0);
        for (const ClientDescriptor &client : clientRegistry()) {
            const CliRun undo = keyward({"clients", "undo", client.id, "--yes"});
            QVERIFY2(undo.exitCode == 0, undo.err.constData());
            QCOMPARE(readFile(pathOf(client.id)), readFixture(client));
        }
        const CliRun again = keyward({"clients", "undo", "cursor", "--yes"});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("no change of cursor left to undo"));
        // The backups hold no secret of the fixtures and are private.
        QDirIterator it(QDir(m_home.path()).filePath("backups"), QDir::Files, QDirIterator::Subdirectories);
        int backups = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            ++backups;
            QCOMPARE(QFileInfo(path).permissions() & 0x0077, QFileDevice::Permissions());
            QVERIFY(!readFile(path).contains("ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"));
            QVERIFY(!readFile(path).contains("sk_live_51Hx2Ab9Cd8Ef7Gh6Ij5Kl4Mn3Op2Qr1St0Uv"));
        }
        QCOMPARE(backups, 7);
    }

    void anEditMadeAfterConfigureSurvivesUndo()
    {
        installFixtures();
        QCOMPARE(keyward({"clients", "configure", "cursor", "--yes"}).exitCode, 0);
        const QString path = pathOf("cursor");
        auto edited = setValue(ConfigFormat::Json, readFile(path).toStdString(), {"mcpServers", "mine"},
                               json{{"command", "my-server"}});
        QVERIFY(edited.ok());
        writeFile(path, QByteArray::fromStdString(*edited));
        const CliRun undo = keyward({"clients", "undo", "cursor", "--yes"});
        QVERIFY2(undo.exitCode == 0, undo.err.constData());
        auto expected = setValue(ConfigFormat::Json, readFixture(*findClient("cursor")).toStdString(), {"mcpServers", "mine"},
                                 json{{"command", "my-server"}});
        QCOMPARE(readFile(path), QByteArray::fromStdString(*expected));
    }

    void aConcurrentWriterLosesNothing()
    {
        const QString path = pathOf("claude-code");
        writeFile(path, readFixture(*findClient("claude-code")));
        // A client rewriting its file in a loop, as Claude Code does: read, add a key, write atomically.
        std::atomic<bool> stop{false};
        std::atomic<int> written{0};
        std::thread writer([&] {
            for (int i = 0; i < 400 && !stop; ++i) {
                QFile in(path);
                if (!in.open(QIODevice::ReadOnly))
                    continue;
                json document = json::parse(in.readAll().toStdString(), nullptr, false);
                in.close();
                if (document.is_discarded())
                    continue;
                document["writer" + std::to_string(i)] = i;
                const std::string text = document.dump(2) + "\n";
                QFile out(path + QStringLiteral(".w"));
                if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                    continue;
                out.write(text.data(), qint64(text.size()));
                out.close();
                std::rename((path + QStringLiteral(".w")).toLocal8Bit().constData(), path.toLocal8Bit().constData());
                written = i + 1;
                std::this_thread::sleep_for(std::chrono::milliseconds(3));
            }
        });
        int applied = 0;
        for (int round = 0; round < 6; ++round) {
            const CliRun run = keyward({"clients", "configure", "claude-code", "--yes"});
            QVERIFY2(run.exitCode == 0 || run.err.contains("changed while Keyward"), run.err.constData());
            applied += run.err.contains("wrote") ? 1 : 0;
        }
        stop = true;
        writer.join();
        // Every key the writer added is still there: Keyward never wrote over a newer file.
        const json final = json::parse(readFile(path).toStdString());
        for (int i = 0; i < written; ++i)
            QVERIFY2(final.contains("writer" + std::to_string(i)), qPrintable(QString::number(i)));
        QVERIFY(final.contains("mcpServers"));
        QVERIFY(final.contains("projects"));
        qInfo("configure applied %d of 6 times while the writer wrote %d versions", applied, int(written));
    }

    void anInvalidFileIsRefusedWithLineAndColumn()
    {
        const QByteArray broken = "{\n  \"mcpServers\": {\n    \"a\": {} \"b\": {}\n  }\n}\n";
        writeFile(pathOf("cursor"), broken);
        const CliRun run = keyward({"clients", "configure", "cursor", "--yes"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("line 3, column"), run.err.constData());
        QVERIFY(run.err.contains(pathOf("cursor").toUtf8()));
        QCOMPARE(readFile(pathOf("cursor")), broken);
        QVERIFY(!QFileInfo::exists(QDir(m_home.path()).filePath("backups/cursor")) ||
                QDir(QDir(m_home.path()).filePath("backups/cursor")).isEmpty());
    }

    void aSymlinkedFileIsEditedThroughItsTarget()
    {
        const QString target = QDir(m_userHome.path()).filePath("dotfiles/cursor-mcp.json");
        writeFile(target, readFixture(*findClient("cursor")));
        QDir().mkpath(QFileInfo(pathOf("cursor")).absolutePath());
        QVERIFY(QFile::link(target, pathOf("cursor")));
        const CliRun run = keyward({"clients", "configure", "cursor", "--yes"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.err.contains("symlink"));
        QVERIFY(QFileInfo(pathOf("cursor")).isSymLink());
        QCOMPARE(readFile(target), golden(*findClient("cursor")));
        QCOMPARE(keyward({"clients", "undo", "cursor", "--yes"}).exitCode, 0);
        QVERIFY(QFileInfo(pathOf("cursor")).isSymLink());
        QCOMPARE(readFile(target), readFixture(*findClient("cursor")));
    }

    void aReadOnlyFileIsRefused()
    {
        writeFile(pathOf("windsurf"), readFixture(*findClient("windsurf")));
        QFile::setPermissions(pathOf("windsurf"), QFileDevice::ReadOwner | QFileDevice::ReadGroup);
        const CliRun run = keyward({"clients", "configure", "windsurf", "--yes"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("read-only") && run.err.contains("chmod u+w"), run.err.constData());
        QCOMPARE(readFile(pathOf("windsurf")), readFixture(*findClient("windsurf")));
    }

    void aClientThatIsNotInstalledGetsNoFile()
    {
        const CliRun named = keyward({"clients", "configure", "zed", "--yes"});
        QCOMPARE(named.exitCode, 1);
        QVERIFY(named.err.contains("not installed"));
        QVERIFY(!QFileInfo::exists(QFileInfo(pathOf("zed")).absolutePath()));
        // Without CLIENT only installed clients are touched; an installed one without a file gets one.
        QDir().mkpath(QFileInfo(pathOf("cursor")).absolutePath());
        const CliRun all = keyward({"clients", "configure", "--yes"});
        QVERIFY2(all.exitCode == 0, all.err.constData());
        QVERIFY(QFileInfo::exists(pathOf("cursor")));
        QCOMPARE(QFileInfo(pathOf("cursor")).permissions() & 0x0077, QFileDevice::Permissions());
        QVERIFY(!QFileInfo::exists(pathOf("zed")));
        QCOMPARE(keyward({"clients", "undo", "cursor", "--yes"}).exitCode, 0);
        QVERIFY(!QFileInfo::exists(pathOf("cursor")));
    }

    void withoutYesAndWithoutATerminalNothingIsWritten()
    {
        writeFile(pathOf("zed"), readFixture(*findClient("zed")));
        const CliRun run = keyward({"clients", "configure", "zed"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("--yes"));
        QVERIFY(run.out.contains("+    \"keyward\": {"));
        QCOMPARE(readFile(pathOf("zed")), readFixture(*findClient("zed")));
    }

    void unknownClientIsAUsageError()
    {
        const CliRun run = keyward({"clients", "configure", "emacs"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("claude-desktop cursor vscode"));
    }

    void scanListsMaskedSecretsOnly()
    {
        installFixtures();
        const CliRun run = keyward({"clients", "scan", "--json"});
        QCOMPARE(run.exitCode, 0);
        int findings = 0;
        for (const QByteArray &line : run.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const json item = json::parse(line.toStdString());
            ++findings;
            QVERIFY(item["masked"].get<std::string>().find("chars)") != std::string::npos);
        }
        QVERIFY(findings >= 10);
        for (const char *secret : {"ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8", "Pa55w0rd-Xq81", "xoxb-1234567890-0987654321"})
            QVERIFY(!run.out.contains(secret) && !run.err.contains(secret));
    }

    void configureHttpPutsTheAgentTokenWhereEachClientKeepsIt()
    {
        for (const char *id : {"claude-desktop", "cursor", "vscode", "codex"})
            writeFile(pathOf(id), readFixture(*findClient(id)));
        const CliRun desktop = keyward({"clients", "configure", "claude-desktop", "--http", "--yes"});
        QCOMPARE(desktop.exitCode, 1);
        QVERIFY(desktop.err.contains("without --http"));
        QCOMPARE(readFile(pathOf("claude-desktop")), readFixture(*findClient("claude-desktop")));

        const CliRun first = keyward({"clients", "configure", "cursor", "vscode", "codex", "--http", "--yes"});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        // Cursor: in the file (with a warning); VS Code and Codex: printed once, never in the file.
        QVERIFY(readFile(pathOf("cursor")).contains("\"Authorization\": \"Bearer kwa_"));
        QVERIFY(first.err.contains("plain text"));
        QVERIFY(!readFile(pathOf("vscode")).contains("kwa_"));
        QVERIFY(readFile(pathOf("vscode")).contains("${input:keyward-token}"));
        QVERIFY(readFile(pathOf("codex")).contains("bearer_token_env_var = \"KEYWARD_AGENT_TOKEN\""));
        QCOMPARE(first.out.count("\nkwa_") + (first.out.startsWith("kwa_") ? 1 : 0), 2);
        const json config = json::parse(readFile(QDir(m_home.path()).filePath("config.json")).toStdString());
        for (const char *id : {"cursor", "vscode", "codex"})
            QVERIFY2(config["agents"].contains(id), id);

        const QByteArray cursorBytes = readFile(pathOf("cursor"));
        const CliRun second = keyward({"clients", "configure", "cursor", "vscode", "codex", "--http", "--yes"});
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(second.err.count("already configured"), 3);
        QVERIFY(!second.out.contains("kwa_"));
        QCOMPARE(readFile(pathOf("cursor")), cursorBytes);

        QDirIterator it(QDir(m_home.path()).filePath("backups"), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            QVERIFY(!readFile(it.next()).contains("kwa_"));
        for (const char *id : {"cursor", "vscode", "codex"}) {
            QCOMPARE(keyward({"clients", "undo", id, "--yes"}).exitCode, 0);
            QCOMPARE(readFile(pathOf(id)), readFixture(*findClient(id)));
        }
    }

    void migrateMovesTheSecretIntoTheKeychainAndRunHandsItToTheRecordedCommandOnly()
    {
        const QByteArray canary = randomCanary();
        const json original = {{"mcpServers",
                                {{"probe",
                                  {{"command", "sh"},
                                   {"args", {"-c", "printf %s \"$PROBE_TOKEN\" | sha256sum"}},
                                   {"env", {{"PROBE_TOKEN", canary.toStdString()}, {"LOG_LEVEL", "debug"}}}}},
                                 {"failing",
                                  {{"command", "sh"}, {"args", {"-c", "exit 3"}}, {"env", {{"API_KEY", canary.toStdString()}}}}}}},
                               {"preferences", {{"menuBarEnabled", true}}}};
        const QByteArray originalBytes = QByteArray::fromStdString(original.dump(2) + "\n");
        writeFile(pathOf("claude-desktop"), originalBytes);
        QCOMPARE(keyward({"clients", "configure", "claude-desktop", "--yes"}).exitCode, 0);
        const QByteArray configured = readFile(pathOf("claude-desktop"));

        const CliRun migrate = keyward({"clients", "migrate", "claude-desktop", "--yes"});
        QVERIFY2(migrate.exitCode == 0, migrate.err.constData());
        QVERIFY(!migrate.out.contains(canary) && !migrate.err.contains(canary));

        // No file under HOME or KEYWARD_HOME holds the secret, backups and audit included.
        for (const QString &root : {m_userHome.path(), m_home.path()}) {
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QVERIFY2(!readFile(path).contains(canary), qPrintable(path));
            }
        }
        const json config = json::parse(readFile(QDir(m_home.path()).filePath("config.json")).toStdString());
        const std::string ref = "claude-desktop-probe-probe_token";
        QVERIFY2(config["runRefs"].contains(ref), config.dump().c_str());
        QCOMPARE(config["runRefs"][ref]["env"].get<std::string>(), std::string("PROBE_TOKEN"));

        // What the client would start: the migrated entry's command and args, as written.
        const json migrated = json::parse(readFile(pathOf("claude-desktop")).toStdString());
        const json entry = migrated["mcpServers"]["probe"];
        QCOMPARE(entry["command"].get<std::string>(), std::string(KEYWARD_BINARY));
        QVERIFY(entry["env"] == (json{{"LOG_LEVEL", "debug"}}));
        QStringList args;
        for (const json &arg : entry["args"])
            args.append(QString::fromStdString(arg.get<std::string>()));
        QVERIFY(!args.join(u' ').contains(QString::fromLatin1(canary)));
        const CliRun child = keyward(args);
        QVERIFY2(child.exitCode == 0, child.err.constData());
        const QByteArray expected = QCryptographicHash::hash(canary, QCryptographicHash::Sha256).toHex();
        QVERIFY2(child.out.startsWith(expected), child.out.constData());

        // The exit code is the command's own.
        QStringList failingArgs;
        for (const json &arg : migrated["mcpServers"]["failing"]["args"])
            failingArgs.append(QString::fromStdString(arg.get<std::string>()));
        QCOMPARE(keyward(failingArgs).exitCode, 3);

        // Any other command is refused, and says which command the ref allows.
        const CliRun other = keyward({"run", "--env", QStringLiteral("PROBE_TOKEN=@%1").arg(QString::fromStdString(ref)), "--",
                                      "sh", "-c", "printf %s \"$PROBE_TOKEN\""});
        QCOMPARE(other.exitCode, 1);
        QVERIFY(other.err.contains("allows only"));
        QVERIFY(!other.out.contains(canary) && !other.err.contains(canary));
        const CliRun wrongVar = keyward({"run", "--env", QStringLiteral("OTHER=@%1").arg(QString::fromStdString(ref)), "--",
                                         "sh", "-c", "printf %s \"$PROBE_TOKEN\" | sha256sum"});
        QCOMPARE(wrongVar.exitCode, 1);
        const CliRun unknown = keyward({"run", "--env", "X=@nope", "--", "sh"});
        QCOMPARE(unknown.exitCode, 1);

        // Undo puts the secret back from the keychain: the bytes before migrate, then the original.
        const CliRun undo = keyward({"clients", "undo", "claude-desktop", "--yes"});
        QVERIFY2(undo.exitCode == 0, undo.err.constData());
        QVERIFY(!undo.out.contains(canary));
        QCOMPARE(readFile(pathOf("claude-desktop")), configured);
        QCOMPARE(keyward({"clients", "undo", "claude-desktop", "--yes"}).exitCode, 0);
        QCOMPARE(readFile(pathOf("claude-desktop")), originalBytes);
    }
};

QTEST_GUILESS_MAIN(TestClientsCli)
#include "tst_clients_cli.moc"
