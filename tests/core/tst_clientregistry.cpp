#include "clients/clientregistry.h"
#include "clients/unifieddiff.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace keyward::clients;

class TestClientRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyClientOfTheDesignIsThere()
    {
        QCOMPARE(clientIds(), (QStringList{"claude-desktop", "cursor", "vscode", "windsurf", "claude-code", "codex", "zed"}));
        QCOMPARE(findClient("vscode")->serversPath, (KeyPath{"servers"}));
        QCOMPARE(findClient("zed")->serversPath, (KeyPath{"context_servers"}));
        QCOMPARE(findClient("codex")->serversPath, (KeyPath{"mcp_servers"}));
        QCOMPARE(findClient("codex")->format, ConfigFormat::Toml);
        QCOMPARE(findClient("windsurf")->httpUrlKey, QStringLiteral("serverUrl"));
        QCOMPARE(findClient("claude-desktop")->httpToken, HttpTokenStyle::None);
        QVERIFY(findClient("nope") == nullptr);
    }

    void pathsFollowTheEnvironment_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("os");
        QTest::addColumn<QString>("xdg");
        QTest::addColumn<QString>("expected");
        const int onLinux = int(ClientEnvironment::Os::Linux);
        const int mac = int(ClientEnvironment::Os::MacOs);
        const int windows = int(ClientEnvironment::Os::Windows);
        QTest::newRow("claude-desktop linux") << "claude-desktop" << onLinux << "" << "/h/.config/Claude/claude_desktop_config.json";
        QTest::newRow("claude-desktop xdg") << "claude-desktop" << onLinux << "/x" << "/x/Claude/claude_desktop_config.json";
        QTest::newRow("claude-desktop macos") << "claude-desktop" << mac << ""
                                              << "/h/Library/Application Support/Claude/claude_desktop_config.json";
        QTest::newRow("claude-desktop windows") << "claude-desktop" << windows << "" << "/appdata/Claude/claude_desktop_config.json";
        QTest::newRow("cursor") << "cursor" << onLinux << "/x" << "/h/.cursor/mcp.json";
        QTest::newRow("vscode linux") << "vscode" << onLinux << "/x" << "/x/Code/User/mcp.json";
        QTest::newRow("vscode macos") << "vscode" << mac << "" << "/h/Library/Application Support/Code/User/mcp.json";
        QTest::newRow("vscode windows") << "vscode" << windows << "" << "/appdata/Code/User/mcp.json";
        QTest::newRow("windsurf") << "windsurf" << onLinux << "" << "/h/.codeium/windsurf/mcp_config.json";
        QTest::newRow("claude-code") << "claude-code" << onLinux << "" << "/h/.claude.json";
        QTest::newRow("codex") << "codex" << onLinux << "" << "/h/.codex/config.toml";
        QTest::newRow("zed linux") << "zed" << onLinux << "" << "/h/.config/zed/settings.json";
        QTest::newRow("zed macos") << "zed" << mac << "" << "/h/.config/zed/settings.json";
        QTest::newRow("zed windows") << "zed" << windows << "" << "/appdata/Zed/settings.json";
    }
    void pathsFollowTheEnvironment()
    {
        QFETCH(QString, client);
        QFETCH(int, os);
        QFETCH(QString, xdg);
        QFETCH(QString, expected);
        ClientEnvironment env;
        env.home = QStringLiteral("/h");
        env.xdgConfigHome = xdg;
        env.appData = QStringLiteral("/appdata");
        env.os = ClientEnvironment::Os(os);
        QCOMPARE(locateClient(*findClient(client), env).configFile, expected);
    }

    void installedMeansItsDirectoryExists()
    {
        QTemporaryDir home;
        ClientEnvironment env;
        env.home = home.path();
        const ClientDescriptor &cursor = *findClient("cursor");
        QVERIFY(!locateClient(cursor, env).installed);
        QVERIFY(QDir(home.path()).mkpath(".cursor"));
        const ClientLocation location = locateClient(cursor, env);
        QVERIFY(location.installed);
        QVERIFY(!location.fileExists);
        // Claude Code: ~/.claude.json alone counts, though HOME itself always exists.
        QVERIFY(!locateClient(*findClient("claude-code"), env).installed);
        QFile file(home.filePath(".claude.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{}");
        file.close();
        QVERIFY(locateClient(*findClient("claude-code"), env).installed);
    }

    void stdioEntryShapes()
    {
        const auto vscode = stdioEntry(*findClient("vscode"), "/usr/bin/keyward", {"mcp", "--agent", "vscode"});
        QVERIFY(vscode == (nlohmann::json{{"type", "stdio"}, {"command", "/usr/bin/keyward"}, {"args", {"mcp", "--agent", "vscode"}}}));
        const auto zed = stdioEntry(*findClient("zed"), "/usr/bin/keyward", {"mcp"}, {{"A", "b"}});
        QVERIFY(zed == (nlohmann::json{{"command", "/usr/bin/keyward"}, {"args", {"mcp"}}, {"env", {{"A", "b"}}}}));
    }

    void unifiedDiffShowsOnlyTheChangeWithContext()
    {
        const QByteArray before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        const QByteArray after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        QCOMPARE(unifiedDiff(before, after, "f.json"),
                 QStringLiteral("--- a/f.json\n+++ b/f.json\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"));
        QCOMPARE(unifiedDiff(before, before, "f.json"), QString());
        QCOMPARE(unifiedDiff("", "x\n", "new"), QStringLiteral("--- a/new\n+++ b/new\n@@ -0,0 +1,1 @@\n+x\n"));
        QVERIFY(unifiedDiff("x", "y", "n").contains(QStringLiteral("\\ No newline at end of file")));
    }
};

QTEST_APPLESS_MAIN(TestClientRegistry)
#include "tst_clientregistry.moc"
