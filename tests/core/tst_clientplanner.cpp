#include "clients/clientplanner.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <map>

using namespace keyward;
using namespace keyward::clients;
using json = nlohmann::json;

namespace {

const QString kBinary = QStringLiteral("/usr/bin/keyward");

QString fixturesDir() { return QDir(QStringLiteral(KEYWARD_E2E_DIR)).filePath(QStringLiteral("../fixtures/clients")); }

QByteArray readFixture(const QString &name)
{
    QFile file(QDir(fixturesDir()).filePath(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(file.fileName()));
    return file.readAll();
}

// Compares with the golden file; KEYWARD_UPDATE_GOLDENS=1 rewrites it instead (review the diff!).
void compareGolden(const QByteArray &actual, const QString &name)
{
    const QString path = QDir(fixturesDir()).filePath(name);
    if (qEnvironmentVariableIsSet("KEYWARD_UPDATE_GOLDENS")) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(actual);
        return;
    }
    QCOMPARE(QString::fromUtf8(actual), QString::fromUtf8(readFixture(name)));
}

ClientLocation installedAt(const QString &path)
{
    ClientLocation location;
    location.configFile = path;
    location.installDir = QFileInfo(path).absolutePath();
    location.installed = true;
    location.fileExists = true;
    return location;
}

ClientFileState stateOf(const QByteArray &bytes, bool exists = true)
{
    ClientFileState state;
    state.path = state.target = QStringLiteral("/home/ada/config");
    state.exists = exists;
    state.bytes = bytes;
    return state;
}

QString extensionOf(const ClientDescriptor &client)
{
    return client.format == ConfigFormat::Toml ? QStringLiteral("toml") : QStringLiteral("json");
}

SecretLookup noSecrets()
{
    return [](const QString &ref) -> Result<std::string> {
        return Error{QStringLiteral("not_found"), QStringLiteral("no %1").arg(ref)};
    };
}

void verifyNoSecretIn(const QByteArray &bytes, const std::vector<SecretFinding> &findings)
{
    for (const SecretFinding &finding : findings)
        QVERIFY2(!bytes.contains(QByteArray::fromStdString(finding.secret)), finding.server.c_str());
}

} // namespace

class TestClientPlanner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void configureChangesOnlyKeywardsLines_data()
    {
        QTest::addColumn<QString>("client");
        for (const ClientDescriptor &client : clientRegistry())
            QTest::newRow(qPrintable(client.id)) << client.id;
    }
    void configureChangesOnlyKeywardsLines()
    {
        QFETCH(QString, client);
        const ClientDescriptor &descriptor = *findClient(client);
        const QByteArray original = readFixture(client + u'.' + extensionOf(descriptor));
        const auto plan = planConfigure(descriptor, installedAt("/home/ada/config"), stateOf(original), kBinary);
        QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error().message));
        QVERIFY(plan->changesFile());
        compareGolden(plan->newBytes, client + QStringLiteral(".configured.") + extensionOf(descriptor));

        // The document is the original plus the keyward entry, nothing else.
        auto before = parseConfig(descriptor.format, original.toStdString());
        auto after = parseConfig(descriptor.format, plan->newBytes.toStdString());
        QVERIFY(before && after);
        json expected = *before;
        json::json_pointer pointer;
        for (const std::string &key : serverPath(descriptor, kKeywardEntry))
            pointer /= key;
        expected[pointer] = stdioEntry(descriptor, kBinary, keywardMcpArgs(descriptor));
        QVERIFY(*after == expected);

        // The diff masks every secret and still shows the change.
        QVERIFY(!plan->findings.empty());
        verifyNoSecretIn(plan->diff.toUtf8(), plan->findings);
        QVERIFY(plan->diff.contains(QStringLiteral("+")));

        // A second run changes nothing.
        const auto again = planConfigure(descriptor, installedAt("/home/ada/config"), stateOf(plan->newBytes), kBinary);
        QVERIFY(again.ok());
        QVERIFY(!again->changesFile());
        QVERIFY(again->notes.join(u' ').contains(QStringLiteral("already configured")));

        // The backup holds no secret, and undo gives back the original bytes.
        const auto backup = makeBackup(*plan);
        QVERIFY2(backup.ok(), backup.ok() ? "" : qPrintable(backup.error().message));
        verifyNoSecretIn(QByteArray(backup->redactedOriginal + backup->redactedWindow), plan->findings);
        QVERIFY(backup->redactedOriginal.contains("@@keyward-ref:"));
        const auto undo = planUndo(descriptor, installedAt("/home/ada/config"), stateOf(plan->newBytes), *backup, noSecrets());
        QVERIFY2(undo.ok(), undo.ok() ? "" : qPrintable(undo.error().message));
        QCOMPARE(undo->newBytes, original);
    }

    void migrateMovesEnvSecretsOut_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("moved");
        QTest::newRow("claude-desktop") << "claude-desktop" << 1;
        QTest::newRow("cursor") << "cursor" << 1;
        QTest::newRow("vscode") << "vscode" << 1;
        QTest::newRow("windsurf") << "windsurf" << 1;
        QTest::newRow("codex") << "codex" << 1;
        QTest::newRow("zed") << "zed" << 1;
        QTest::newRow("claude-code (secrets in args only)") << "claude-code" << 0;
    }
    void migrateMovesEnvSecretsOut()
    {
        QFETCH(QString, client);
        QFETCH(int, moved);
        const ClientDescriptor &descriptor = *findClient(client);
        const QByteArray original = readFixture(client + u'.' + extensionOf(descriptor));
        const auto plan = planMigrate(descriptor, installedAt("/home/ada/config"), stateOf(original), kBinary);
        QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error().message));
        QCOMPARE(int(plan->secrets.size()), moved);
        if (moved == 0) {
            QVERIFY(!plan->changesFile());
            QVERIFY(plan->notes.join(u' ').contains(QStringLiteral("not supported for migration")));
            return;
        }
        compareGolden(plan->newBytes, client + QStringLiteral(".migrated.") + extensionOf(descriptor));
        std::map<QString, std::string> store;
        for (const MigratedSecret &secret : plan->secrets) {
            QVERIFY(!plan->newBytes.contains(QByteArray::fromStdString(secret.secret)));
            QVERIFY(isValidRef(secret.ref));
            store[secret.ref] = secret.secret;
            // The server now starts through keyward run with the ref and its original command.
            auto after = parseConfig(descriptor.format, plan->newBytes.toStdString());
            QVERIFY(after.ok());
            const json entry = serversOf(descriptor, *after)[secret.server];
            QCOMPARE(QString::fromStdString(entry["command"].get<std::string>()), kBinary);
            QStringList args;
            for (const json &arg : entry["args"])
                args.append(QString::fromStdString(arg.get<std::string>()));
            QCOMPARE(args.mid(0, 4), (QStringList{"run", "--env", secret.envVar + "=@" + secret.ref, "--"}));
            QCOMPARE(args.mid(4), secret.command);
        }
        verifyNoSecretIn(plan->diff.toUtf8(), plan->findings);
        const auto backup = makeBackup(*plan);
        QVERIFY(backup.ok());
        for (const MigratedSecret &secret : plan->secrets)
            QVERIFY(!QByteArray(backup->redactedOriginal + backup->redactedWindow).contains(QByteArray::fromStdString(secret.secret)));
        const SecretLookup lookup = [&](const QString &ref) -> Result<std::string> { return store.at(ref); };
        const auto undo = planUndo(descriptor, installedAt("/home/ada/config"), stateOf(plan->newBytes), *backup, lookup);
        QVERIFY2(undo.ok(), undo.ok() ? "" : qPrintable(undo.error().message));
        QCOMPARE(undo->newBytes, original);
        verifyNoSecretIn(undo->diff.toUtf8(), plan->findings);
    }

    void undoAfterAnEditKeepsTheEdit()
    {
        const ClientDescriptor &cursor = *findClient("cursor");
        const QByteArray original = readFixture("cursor.json");
        const auto plan = planConfigure(cursor, installedAt("/c"), stateOf(original), kBinary);
        QVERIFY(plan.ok());
        const auto backup = makeBackup(*plan);
        QVERIFY(backup.ok());
        auto edited = setValue(cursor.format, plan->newBytes.toStdString(), {"mcpServers", "mine"}, json{{"command", "mine"}});
        QVERIFY(edited.ok());
        const auto undo = planUndo(cursor, installedAt("/c"), stateOf(QByteArray::fromStdString(*edited)), *backup, noSecrets());
        QVERIFY(undo.ok());
        auto result = parseConfig(cursor.format, undo->newBytes.toStdString());
        QVERIFY(result.ok());
        QVERIFY(result->at("mcpServers").contains("mine"));
        QVERIFY(!result->at("mcpServers").contains("keyward"));
        auto expected = setValue(cursor.format, original.toStdString(), {"mcpServers", "mine"}, json{{"command", "mine"}});
        QVERIFY(*result == *parseConfig(cursor.format, *expected));
    }

    void undoLeavesAnEntryEditedSince()
    {
        const ClientDescriptor &zed = *findClient("zed");
        const auto plan = planConfigure(zed, installedAt("/z"), stateOf(readFixture("zed.json")), kBinary);
        QVERIFY(plan.ok());
        const auto backup = makeBackup(*plan);
        QVERIFY(backup.ok());
        auto edited = setValue(zed.format, plan->newBytes.toStdString(), {"context_servers", "keyward", "args"}, json{"mcp"});
        QVERIFY(edited.ok());
        const auto undo = planUndo(zed, installedAt("/z"), stateOf(QByteArray::fromStdString(*edited)), *backup, noSecrets());
        QVERIFY(undo.ok());
        QVERIFY(!undo->changesFile());
        QVERIFY(undo->notes.join(u' ').contains(QStringLiteral("edited since")));
    }

    void undoOfMigrateAfterAnEditRestoresTheSecretAndKeepsTheEdit()
    {
        const ClientDescriptor &desktop = *findClient("claude-desktop");
        const QByteArray original = readFixture("claude-desktop.json");
        const auto plan = planMigrate(desktop, installedAt("/d"), stateOf(original), kBinary);
        QVERIFY(plan.ok());
        QCOMPARE(plan->secrets.size(), size_t(1));
        const auto backup = makeBackup(*plan);
        QVERIFY(backup.ok());
        auto edited = setValue(desktop.format, plan->newBytes.toStdString(), {"preferences", "menuBarEnabled"}, true);
        QVERIFY(edited.ok());
        const std::string secret = plan->secrets[0].secret;
        const auto undo = planUndo(desktop, installedAt("/d"), stateOf(QByteArray::fromStdString(*edited)), *backup,
                                   [&](const QString &) -> Result<std::string> { return secret; });
        QVERIFY(undo.ok());
        auto result = parseConfig(desktop.format, undo->newBytes.toStdString());
        auto expected = parseConfig(desktop.format, original.toStdString());
        QVERIFY(result.ok() && expected.ok());
        json want = *expected;
        want["preferences"]["menuBarEnabled"] = true;
        QVERIFY(*result == want);
        QVERIFY(!undo->diff.contains(QString::fromStdString(secret)));
    }

    void newFileIsCreatedOnlyWhereInstalled()
    {
        const ClientDescriptor &cursor = *findClient("cursor");
        ClientLocation missing = installedAt("/nowhere/.cursor/mcp.json");
        missing.installed = false;
        missing.fileExists = false;
        const auto refused = planConfigure(cursor, missing, stateOf({}, false), kBinary);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("not_installed"));

        for (const ClientDescriptor &client : clientRegistry()) {
            const auto plan = planConfigure(client, installedAt("/x/f"), stateOf({}, false), kBinary);
            QVERIFY2(plan.ok(), qPrintable(client.id));
            auto document = parseConfig(client.format, plan->newBytes.toStdString());
            QVERIFY(document.ok());
            QVERIFY(serversOf(client, *document)["keyward"] == stdioEntry(client, kBinary, keywardMcpArgs(client)));
            const auto backup = makeBackup(*plan);
            QVERIFY(backup.ok());
            QVERIFY(!backup->existed);
            const auto undo = planUndo(client, installedAt("/x/f"), stateOf(plan->newBytes), *backup, noSecrets());
            QVERIFY(undo.ok());
            QVERIFY(undo->removeFile);
        }
    }

    void invalidFileIsRefusedWithLineAndColumn_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("json missing comma") << "cursor" << QByteArray("{\n  \"mcpServers\": {\n    \"a\": {} \"b\": {}\n  }\n}\n");
        QTest::newRow("json comment in strict json") << "claude-desktop" << QByteArray("{\n  // no\n}\n");
        QTest::newRow("jsonc unclosed") << "vscode" << QByteArray("{\n  \"servers\": {\n");
        QTest::newRow("toml bad table") << "codex" << QByteArray("model = \"x\"\n[mcp_servers.\n");
        QTest::newRow("duplicate key") << "zed" << QByteArray("{\"a\": 1,\n \"a\": 2}\n");
    }
    void invalidFileIsRefusedWithLineAndColumn()
    {
        QFETCH(QString, client);
        QFETCH(QByteArray, text);
        const auto plan = planConfigure(*findClient(client), installedAt("/x/f"), stateOf(text), kBinary);
        QVERIFY(!plan.ok());
        QCOMPARE(plan.error().code, QStringLiteral("config_syntax"));
        QVERIFY2(plan.error().message.contains(QStringLiteral("line ")), qPrintable(plan.error().message));
        QVERIFY(plan.error().message.contains(QStringLiteral("/home/ada/config")));
    }

    void httpEntriesCarryTheTokenTheClientsWay()
    {
        const QByteArray token = "kwa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        const QString url = QStringLiteral("http://127.0.0.1:47817/mcp");
        QVERIFY(httpEntry(*findClient("cursor"), url, token) ==
                (json{{"url", url.toStdString()}, {"headers", {{"Authorization", "Bearer " + token.toStdString()}}}}));
        QVERIFY(httpEntry(*findClient("windsurf"), url, token).contains("serverUrl"));
        QVERIFY(httpEntry(*findClient("claude-code"), url, token)["type"] == "http");
        QVERIFY(httpEntry(*findClient("codex"), url, {}) ==
                (json{{"url", url.toStdString()}, {"bearer_token_env_var", "KEYWARD_AGENT_TOKEN"}}));
        QVERIFY(httpEntry(*findClient("vscode"), url, {})["headers"]["Authorization"] == "Bearer ${input:keyward-token}");
        const auto refused = planConfigureHttp(*findClient("claude-desktop"), installedAt("/d"), stateOf("{}"), url, token);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("not_supported"));

        // The plain token never shows in the diff, nor in the backup.
        const auto cursor = planConfigureHttp(*findClient("cursor"), installedAt("/c"), stateOf(readFixture("cursor.json")), url, token);
        QVERIFY(cursor.ok());
        QVERIFY(cursor->newBytes.contains(token));
        QVERIFY(!cursor->diff.contains(QString::fromLatin1(token)));
        QVERIFY(cursor->diff.contains(QStringLiteral("kwa_…(47 chars)")));
        auto again = planConfigureHttp(*findClient("cursor"), installedAt("/c"), stateOf(cursor->newBytes), url, token);
        QVERIFY(again.ok() && !again->changesFile());
        auto doc = parseConfig(ConfigFormat::Json, cursor->newBytes.toStdString());
        QCOMPARE(agentTokenInEntry(*findClient("cursor"), *doc), token);
        auto replan = planConfigure(*findClient("cursor"), installedAt("/c"), stateOf(cursor->newBytes), kBinary);
        QVERIFY(replan.ok());
        const auto backup = makeBackup(*replan);
        QVERIFY(backup.ok());
        QVERIFY(!QByteArray(backup->redactedOriginal + backup->redactedWindow).contains(token));
    }

    void vsCodeInputIsAppendedWithoutTouchingTheOthers()
    {
        const QByteArray original = readFixture("vscode.json");
        const auto plan = planConfigureHttp(*findClient("vscode"), installedAt("/v"), stateOf(original),
                                            QStringLiteral("http://127.0.0.1:47817/mcp"), {});
        QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error().message));
        // The existing input keeps its bytes; one line is added after it.
        const QByteArray existing = "\t\t{\r\n\t\t\t\"type\": \"promptString\",\r\n\t\t\t\"id\": \"perplexity-key\",";
        QVERIFY(plan->newBytes.contains(existing));
        QVERIFY(plan->newBytes.contains("\t\t{\"type\": \"promptString\", \"id\": \"keyward-token\", "
                                        "\"description\": \"Keyward agent token\", \"password\": true},\r\n\t],"));
        const auto backup = makeBackup(*plan);
        QVERIFY(backup.ok());
        const auto undo = planUndo(*findClient("vscode"), installedAt("/v"), stateOf(plan->newBytes), *backup, noSecrets());
        QVERIFY(undo.ok());
        QCOMPARE(undo->newBytes, original);
    }

    void migrateLeavesSecretsItCannotMove()
    {
        const json document = {{"mcpServers",
                                {{"dotted", {{"command", "x"}, {"env", {{"API.KEY", "ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue8"}}}}},
                                 {"remote", {{"url", "https://x.example/mcp"},
                                             {"headers", {{"Authorization", "Bearer ghp_R8x2Lq9TzVb4Nc7Wm1Ks5Hd3Jf6Gp0Ya2Ue9"}}}}}}}};
        const QByteArray bytes = QByteArray::fromStdString(document.dump(2));
        const auto plan = planMigrate(*findClient("cursor"), installedAt("/c"), stateOf(bytes), kBinary);
        QVERIFY(plan.ok());
        QVERIFY(plan->secrets.empty());
        QVERIFY(!plan->changesFile());
        QCOMPARE(plan->notes.size(), 2);
        QVERIFY(plan->notes.join(u' ').contains(QStringLiteral("cannot set")));
        QVERIFY(plan->notes.join(u' ').contains(QStringLiteral("not started by a command")));
    }

    void serversThatAreNotAnObjectAreRefused()
    {
        const auto plan = planConfigure(*findClient("cursor"), installedAt("/x/f"), stateOf("{\"mcpServers\": []}"), kBinary);
        QVERIFY(!plan.ok());
        QCOMPARE(plan.error().code, QStringLiteral("config_shape"));
    }

private:
    static bool isValidRef(const QString &ref) { return !ref.isEmpty() && ref == ref.toLower() && ref.size() <= 64; }
};

QTEST_APPLESS_MAIN(TestClientPlanner)
#include "tst_clientplanner.moc"
