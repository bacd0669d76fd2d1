// JSON-RPC framing, lifecycle and version negotiation of McpSession, table-driven.

#include "core/names.h"
#include "mcp/mcpsession.h"
#include "mcp/protocolversion.h"
#include "mcp/toolcatalog.h"
#include "mcp/toolprovider.h"

#include <QtTest>

#include <vector>

using keyward::mcp::json;
using keyward::mcp::McpSession;

namespace {

// Records tool calls and answers them later, when the test says so.
class RecordingTools : public keyward::mcp::ToolProvider {
public:
    json toolDefinitions() const override
    {
        return json::array({keyward::mcp::listServicesToolDefinition(), keyward::mcp::executeToolDefinition()});
    }
    bool hasTool(const std::string &name) const override { return name == "list_services" || name == "execute"; }
    void callTool(const keyward::mcp::ToolCall &call, ResultCallback done) override
    {
        calls.push_back(call);
        pending.push_back(std::move(done));
    }
    void answerAll()
    {
        auto answers = std::move(pending);
        pending.clear();
        for (auto &done : answers)
            done(keyward::mcp::toolSuccess(json{{"answered", true}}));
    }
    std::vector<keyward::mcp::ToolCall> calls;
    std::vector<ResultCallback> pending;
};

const char *kInit = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%1","capabilities":{},"clientInfo":{"name":"Claude Desktop","version":"1.0"}}})";

// Sends one frame and returns the parsed reply (null when the frame needed none).
json send(McpSession &session, const QByteArray &frame)
{
    std::optional<QByteArray> reply;
    session.receive(frame, [&](const QByteArray &bytes) { reply = bytes; });
    if (!reply)
        return json("no reply yet");
    if (reply->isEmpty())
        return nullptr;
    return json::parse(reply->toStdString());
}

json initialize(McpSession &session, const QString &version = QStringLiteral("2025-11-25"))
{
    return send(session, QString::fromLatin1(kInit).arg(version).toUtf8());
}

} // namespace

class TestMcpSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void framingErrors_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("id"); // JSON of the expected id

        QTest::newRow("not JSON") << QByteArray("{\"jsonrpc\":\"2.0\",") << -32700 << "null";
        QTest::newRow("invalid UTF-8") << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}") << -32700 << "null";
        QTest::newRow("a bare number") << QByteArray("42") << -32600 << "null";
        QTest::newRow("a string") << QByteArray("\"ping\"") << -32600 << "null";
        QTest::newRow("missing jsonrpc") << QByteArray(R"({"id":7,"method":"ping"})") << -32600 << "7";
        QTest::newRow("jsonrpc 1.0") << QByteArray(R"({"jsonrpc":"1.0","id":7,"method":"ping"})") << -32600 << "7";
        QTest::newRow("method missing") << QByteArray(R"({"jsonrpc":"2.0","id":"a"})") << -32600 << "\"a\"";
        QTest::newRow("method not a string") << QByteArray(R"({"jsonrpc":"2.0","id":3,"method":5})") << -32600 << "3";
        QTest::newRow("null id") << QByteArray(R"({"jsonrpc":"2.0","id":null,"method":"ping"})") << -32600 << "null";
        QTest::newRow("fractional id") << QByteArray(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})") << -32600 << "null";
        QTest::newRow("object id") << QByteArray(R"({"jsonrpc":"2.0","id":{},"method":"ping"})") << -32600 << "null";
        QTest::newRow("params a string") << QByteArray(R"({"jsonrpc":"2.0","id":4,"method":"ping","params":"x"})") << -32600 << "4";
        QTest::newRow("params an array") << QByteArray(R"({"jsonrpc":"2.0","id":4,"method":"ping","params":[]})") << -32602 << "4";
        QTest::newRow("unknown method") << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":"resources/list"})") << -32601 << "5";
        QTest::newRow("batch before initialize") << QByteArray(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])") << -32600 << "null";
        QTest::newRow("tools/list before initialize") << QByteArray(R"({"jsonrpc":"2.0","id":6,"method":"tools/list"})") << -32600 << "6";
        QTest::newRow("initialize without version") << QByteArray(R"({"jsonrpc":"2.0","id":8,"method":"initialize","params":{}})") << -32602 << "8";
        QTest::newRow("initialize with numeric version") << QByteArray(R"({"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":20250618}})") << -32602 << "8";
        QTest::newRow("initialize with bad clientInfo") << QByteArray(R"({"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":3}}})") << -32602 << "8";
    }
    void framingErrors()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, code);
        QFETCH(QString, id);
        RecordingTools tools;
        McpSession session(tools, {});
        const json reply = send(session, frame);
        QCOMPARE(reply.value("jsonrpc", ""), std::string("2.0"));
        QCOMPARE(reply["error"]["code"].get<int>(), code);
        QVERIFY(!reply["error"]["message"].get<std::string>().empty());
        QCOMPARE(reply["id"], json::parse(id.toStdString()));
        QVERIFY(!reply.contains("result"));
    }

    void parseErrorLeavesTheNextLineServed()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        QCOMPARE(send(session, "{oops")["error"]["code"].get<int>(), -32700);
        const json ok = send(session, R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
        QCOMPARE(ok["id"].get<int>(), 2);
        QCOMPARE(ok["result"], json::object());
    }

    void versionNegotiation_data()
    {
        QTest::addColumn<QString>("requested");
        QTest::addColumn<QString>("answered");
        QTest::newRow("latest is kept") << "2025-11-25" << "2025-11-25";
        QTest::newRow("2025-06-18 is kept") << "2025-06-18" << "2025-06-18";
        QTest::newRow("2025-03-26 is kept") << "2025-03-26" << "2025-03-26";
        QTest::newRow("older unknown gets latest") << "2024-11-05" << "2025-11-25";
        QTest::newRow("future unknown gets latest") << "2099-01-01" << "2025-11-25";
        QTest::newRow("garbage gets latest") << "not-a-version" << "2025-11-25";
    }
    void versionNegotiation()
    {
        QFETCH(QString, requested);
        QFETCH(QString, answered);
        RecordingTools tools;
        McpSession session(tools, {});
        const json reply = initialize(session, requested);
        QCOMPARE(reply["id"].get<int>(), 1);
        const json &result = reply["result"];
        QCOMPARE(QString::fromStdString(result["protocolVersion"].get<std::string>()), answered);
        QCOMPARE(result["capabilities"]["tools"]["listChanged"], json(true));
        QCOMPARE(result["serverInfo"]["name"], json("keyward"));
        QVERIFY(session.isInitialized());
    }

    void secondInitializeIsRefused()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session);
        QCOMPARE(initialize(session)["error"]["code"].get<int>(), -32600);
        QCOMPARE(session.protocolVersion(), std::string("2025-11-25"));
    }

    void notificationsGetNoReply_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("initialized") << QByteArray(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
        QTest::newRow("cancelled") << QByteArray(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})");
        QTest::newRow("unknown notification") << QByteArray(R"({"jsonrpc":"2.0","method":"notifications/whatever"})");
        QTest::newRow("a response from the client") << QByteArray(R"({"jsonrpc":"2.0","id":9,"result":{}})");
    }
    void notificationsGetNoReply()
    {
        QFETCH(QByteArray, frame);
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session);
        QCOMPARE(send(session, frame), json(nullptr));
        QCOMPARE(session.pendingReplies(), 0);
    }

    void pingWorksBeforeInitialize()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        const json reply = send(session, R"({"jsonrpc":"2.0","id":"p","method":"ping"})");
        QCOMPARE(reply["id"], json("p"));
        QCOMPARE(reply["result"], json::object());
    }

    void toolsListHasBothToolsWithSchemas()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session);
        const json reply = send(session, R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})");
        const json &list = reply["result"]["tools"];
        QCOMPARE(list.size(), std::size_t(2));
        QCOMPARE(list[0]["name"], json("list_services"));
        QCOMPARE(list[1]["name"], json("execute"));
        const json &input = list[1]["inputSchema"];
        QCOMPARE(input["type"], json("object"));
        QCOMPARE(input["required"], json({"service", "method", "path"}));
        for (const char *property : {"service", "method", "path", "query", "headers", "body", "bodyEncoding", "reason"})
            QVERIFY2(input["properties"].contains(property), property);
        QCOMPARE(input["additionalProperties"], json(false));
        QCOMPARE(list[1]["outputSchema"]["required"], json({"status", "headers", "body", "truncated"}));
        QCOMPARE(list[0]["inputSchema"]["type"], json("object"));
        QCOMPARE(list[0]["outputSchema"]["required"], json({"services"}));
    }

    void toolCallErrors_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown tool") << QByteArray(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"steal_key"}})") << -32602;
        QTest::newRow("name missing") << QByteArray(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}})") << -32602;
        QTest::newRow("params missing") << QByteArray(R"({"jsonrpc":"2.0","id":3,"method":"tools/call"})") << -32602;
        QTest::newRow("arguments an array") << QByteArray(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute","arguments":[1]}})") << -32602;
    }
    void toolCallErrors()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, code);
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session);
        QCOMPARE(send(session, frame)["error"]["code"].get<int>(), code);
        QVERIFY(tools.calls.empty());
    }

    void toolCallRepliesWhenTheToolAnswers()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session);
        QSignalSpy idle(&session, &McpSession::idle);
        std::optional<QByteArray> reply;
        session.receive(R"({"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"list_services"}})",
                        [&](const QByteArray &bytes) { reply = bytes; });
        QVERIFY(!reply);
        QCOMPARE(session.pendingReplies(), 1);
        QCOMPARE(tools.calls.size(), std::size_t(1));
        QCOMPARE(tools.calls[0].arguments, json::object());
        tools.answerAll();
        QVERIFY(reply);
        const json response = json::parse(reply->toStdString());
        QCOMPARE(response["id"], json("c1"));
        QCOMPARE(response["result"]["structuredContent"]["answered"], json(true));
        QCOMPARE(session.pendingReplies(), 0);
        QCOMPARE(idle.count(), 1);
    }

    void agentComesFromClientInfoUnlessFixed_data()
    {
        QTest::addColumn<QString>("override");
        QTest::addColumn<QString>("agent");
        QTest::newRow("folded client name") << QString() << "claude-desktop";
        QTest::newRow("--agent wins") << "cursor" << "cursor";
    }
    void agentComesFromClientInfoUnlessFixed()
    {
        QFETCH(QString, override);
        QFETCH(QString, agent);
        RecordingTools tools;
        McpSession session(tools, override);
        initialize(session);
        send(session, R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"execute","arguments":{"service":"x"}}})");
        QCOMPARE(tools.calls.size(), std::size_t(1));
        QCOMPARE(tools.calls[0].caller.agent, agent);
        QCOMPARE(tools.calls[0].caller.client, QStringLiteral("Claude Desktop"));
    }

    void batchesOnlyIn20250326_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("2025-03-26 allows batches") << "2025-03-26" << true;
        QTest::newRow("2025-06-18 refuses batches") << "2025-06-18" << false;
        QTest::newRow("2025-11-25 refuses batches") << "2025-11-25" << false;
    }
    void batchesOnlyIn20250326()
    {
        QFETCH(QString, version);
        QFETCH(bool, allowed);
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session, version);
        const json reply = send(session, R"([{"jsonrpc":"2.0","id":1,"method":"ping"},)"
                                         R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
                                         R"({"jsonrpc":"2.0","id":2,"method":"nope"},)"
                                         R"(7])");
        if (!allowed) {
            QCOMPARE(reply["error"]["code"].get<int>(), -32600);
            return;
        }
        QVERIFY(reply.is_array());
        QCOMPARE(reply.size(), std::size_t(3)); // the notification gets no entry
        QCOMPARE(reply[0]["result"], json::object());
        QCOMPARE(reply[1]["error"]["code"].get<int>(), -32601);
        QCOMPARE(reply[2]["error"]["code"].get<int>(), -32600);
    }

    void batchOfOnlyNotificationsGetsNoReply()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session, QStringLiteral("2025-03-26"));
        QCOMPARE(send(session, R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])"), json(nullptr));
        QCOMPARE(send(session, "[]")["error"]["code"].get<int>(), -32600);
    }

    void batchWaitsForItsToolCalls()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session, QStringLiteral("2025-03-26"));
        std::optional<QByteArray> reply;
        session.receive(R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute"}},{"jsonrpc":"2.0","id":2,"method":"ping"}])",
                        [&](const QByteArray &bytes) { reply = bytes; });
        QVERIFY(!reply);
        tools.answerAll();
        QVERIFY(reply);
        const json response = json::parse(reply->toStdString());
        QCOMPARE(response.size(), std::size_t(2));
    }

    void initializeInsideABatchIsRefused()
    {
        RecordingTools tools;
        McpSession session(tools, {});
        initialize(session, QStringLiteral("2025-03-26"));
        const json reply = send(session, QByteArray("[") + QString::fromLatin1(kInit).arg(QStringLiteral("2025-03-26")).toUtf8() + "]");
        QCOMPARE(reply[0]["error"]["code"].get<int>(), -32600);
    }

    void namesFold_data()
    {
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("name");
        QTest::newRow("spaces and case") << "Claude Desktop" << "claude-desktop";
        QTest::newRow("runs of punctuation") << "Cursor  (v1.2)!!" << "cursor-v1-2";
        QTest::newRow("leading junk") << "  --_Zed" << "zed";
        QTest::newRow("underscore kept") << "my_agent" << "my_agent";
        QTest::newRow("non-ASCII") << "Агент" << "unknown";
        QTest::newRow("empty") << "" << "unknown";
        QTest::newRow("cut at 64") << QString(100, u'a') << QString(64, u'a');
    }
    void namesFold()
    {
        QFETCH(QString, label);
        QFETCH(QString, name);
        QCOMPARE(keyward::foldToName(label), name);
        QVERIFY(keyward::isValidName(keyward::foldToName(label)));
    }

    void toolErrorsAreTextOnly()
    {
        const json error = keyward::mcp::toolError("denied", "no", "guard:path");
        QCOMPARE(error["isError"], json(true));
        QVERIFY(!error.contains("structuredContent"));
        const json text = json::parse(error["content"][0]["text"].get<std::string>());
        QCOMPARE(text, json({{"error", "denied"}, {"rule", "guard:path"}, {"message", "no"}}));
    }
};

QTEST_GUILESS_MAIN(TestMcpSession)
#include "tst_mcpsession.moc"
