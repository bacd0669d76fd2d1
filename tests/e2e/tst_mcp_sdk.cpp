// End to end: the official MCP TypeScript SDK (@modelcontextprotocol/sdk, StdioClientTransport)
// starts `keyward mcp`, initializes, pings, lists the tools and calls one.

#include "support/e2eprocess.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using json = nlohmann::json;

class TestMcpSdk : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sdkClientTalksToKeywardMcp()
    {
        keyward::test::TempHome home;
        const auto run = keyward::test::runNode(QStringLiteral("sdk_stdio_client.mjs"),
                                                {QStringLiteral(KEYWARD_BINARY)}, home);
        QVERIFY2(run.finished, "the SDK client did not finish");
        const json out = json::parse(run.stdoutText.toStdString(), nullptr, false);
        QVERIFY2(out.is_object(), qPrintable(QStringLiteral("no JSON from the client: ") + run.stdoutText + run.stderrText));
        QVERIFY2(out.value("ok", false), out.dump().c_str());
        QCOMPARE(run.exitCode, 0);

        QCOMPARE(out["serverVersion"]["name"], json("keyward"));
        QCOMPARE(out["capabilities"]["tools"]["listChanged"], json(true));
        QVERIFY(out["instructions"].is_string());
        QCOMPARE(out["ping"], json::object());
        QCOMPARE(out["ping2"], json::object());

        const json &tools = out["tools"];
        QCOMPARE(tools.size(), std::size_t(2));
        QCOMPARE(tools[0]["name"], json("list_services"));
        QCOMPARE(tools[1]["name"], json("execute"));
        QCOMPARE(tools[1]["inputSchema"]["required"], json({"service", "method", "path"}));

        // A home without services: list_services answers an empty list the SDK validated.
        QCOMPARE(out["callResult"]["isError"], json(false));
        QCOMPARE(out["callResult"]["structuredContent"]["services"], json::array());

        // Logs go to stderr only; stdout carried nothing but protocol messages (else the SDK fails).
        QVERIFY2(out["stderr"].get<std::string>().find("\"jsonrpc\"") == std::string::npos, "protocol traffic leaked to stderr");
    }

    void keywardExitsWhenStdinCloses()
    {
        QProcess keyward;
        keyward.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")});
        QVERIFY(keyward.waitForStarted());
        keyward.write(R"({"jsonrpc":"2.0","id":1,"method":"ping"})" "\n");
        keyward.closeWriteChannel();
        QVERIFY2(keyward.waitForFinished(30000), "keyward mcp kept running after stdin closed");
        QCOMPARE(keyward.exitStatus(), QProcess::NormalExit);
        QCOMPARE(keyward.exitCode(), 0);
        const json reply = json::parse(keyward.readAllStandardOutput().trimmed().toStdString());
        QCOMPARE(reply["result"], json::object());
    }

    void malformedLineIsAnsweredAndTheNextOneServed()
    {
        QProcess keyward;
        keyward.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")});
        QVERIFY(keyward.waitForStarted());
        keyward.write("{this is not json\n" R"({"jsonrpc":"2.0","id":2,"method":"ping"})" "\n");
        keyward.closeWriteChannel();
        QVERIFY(keyward.waitForFinished(30000));
        const QList<QByteArray> lines = keyward.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(json::parse(lines[0].toStdString())["error"]["code"].get<int>(), -32700);
        QCOMPARE(json::parse(lines[1].toStdString())["id"].get<int>(), 2);
    }

    void lineOver4MiBIsRefusedAndTheSessionGoesOn()
    {
        keyward::test::TempHome home;
        QProcess keyward;
        keyward.setProcessEnvironment(keyward::test::environmentFor(home));
        keyward.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")});
        QVERIFY(keyward.waitForStarted());
        QByteArray huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"";
        huge += QByteArray(5 * 1024 * 1024, 'a') + "\"}}\n";
        keyward.write(huge);
        keyward.write(R"({"jsonrpc":"2.0","id":2,"method":"ping"})" "\n");
        keyward.closeWriteChannel();
        QVERIFY(keyward.waitForFinished(60000));
        const QList<QByteArray> lines = keyward.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const json refused = json::parse(lines[0].toStdString());
        QCOMPARE(refused["error"]["code"].get<int>(), -32700);
        QVERIFY(refused["error"]["message"].get<std::string>().find("4 MiB") != std::string::npos);
        QCOMPARE(json::parse(lines[1].toStdString())["id"].get<int>(), 2);
    }

    void corruptConfigStopsStartWithItsPosition()
    {
        keyward::test::TempHome home;
        QFile config(home.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"version\": 1,\n  \"services\": {,}\n}\n");
        config.close();
        QProcess keyward;
        keyward.setProcessEnvironment(keyward::test::environmentFor(home));
        keyward.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp")});
        QVERIFY(keyward.waitForFinished(30000));
        QCOMPARE(keyward.exitCode(), 1);
        QVERIFY(keyward.readAllStandardOutput().isEmpty());
        const QByteArray err = keyward.readAllStandardError();
        QVERIFY2(err.contains("line 2"), err.constData());
    }

    void invalidAgentIsAUsageError()
    {
        QProcess keyward;
        keyward.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("mcp"), QStringLiteral("--agent"), QStringLiteral("Not Valid")});
        QVERIFY(keyward.waitForFinished(30000));
        QCOMPARE(keyward.exitCode(), 2);
        QVERIFY(keyward.readAllStandardOutput().isEmpty());
        QVERIFY(keyward.readAllStandardError().contains("--agent"));
    }
};

QTEST_GUILESS_MAIN(TestMcpSdk)
#include "tst_mcp_sdk.moc"
