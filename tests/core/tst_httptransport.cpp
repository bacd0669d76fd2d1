// MCP Streamable HTTP transport: Host/Origin checks, authentication, the status table of the
// spec's rules, sessions bound to agents, request limits and timeouts, the connection cap,
// cancellation on disconnect, concurrent and pipelined replies, and the /proxy plumbing. Driven
// with QNetworkAccessManager, and with raw sockets for what a well-behaved client never sends.

#include "mcp/toolprovider.h"
#include "transport/httptransport.h"

#include <nlohmann/json.hpp>

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>
#include <vector>

using json = nlohmann::json;
using keyward::Error;
using keyward::Result;
using keyward::transport::HttpExchangeRequest;
using keyward::transport::HttpLimits;
using keyward::transport::HttpStreamResponder;
using keyward::transport::HttpTransport;
using namespace std::chrono_literals;

namespace {

// Two tools: `echo` answers at once with its arguments, `slow` after `ms` milliseconds (it keeps
// running when cancelled, so its late answer must be dropped safely).
class FakeTools : public keyward::mcp::ToolProvider {
public:
    json toolDefinitions() const override
    {
        const json schema{{"type", "object"}};
        return json::array({json{{"name", "echo"}, {"description", "Echoes its arguments."}, {"inputSchema", schema}},
                            json{{"name", "slow"}, {"description", "Answers after ms milliseconds."}, {"inputSchema", schema}}});
    }
    bool hasTool(const std::string &name) const override { return name == "echo" || name == "slow"; }
    void callTool(const keyward::mcp::ToolCall &call, ResultCallback done) override
    {
        agents.append(call.caller.agent);
        if (call.name == "echo") {
            done(keyward::mcp::toolSuccess(json{{"echo", call.arguments}}));
            return;
        }
        if (call.cancellation)
            call.cancellation->onCancel([this](const QString &reason) { cancelReasons.append(reason); });
        ++slowStarted;
        QTimer::singleShot(call.arguments.value("ms", 300), &context, [this, done = std::move(done)] {
            ++slowFinished;
            done(keyward::mcp::toolSuccess(json{{"slow", true}}));
        });
    }

    QObject context;
    QStringList agents;
    QStringList cancelReasons;
    int slowStarted = 0;
    int slowFinished = 0;
};

Result<QString> authenticate(QByteArrayView token)
{
    if (token == "kwa_alice")
        return QStringLiteral("alice");
    if (token == "kwa_bob")
        return QStringLiteral("bob");
    return Error{QStringLiteral("unauthorized"), QStringLiteral("Unknown or expired agent token.")};
}

QByteArray initializeBody(int id = 1)
{
    return QByteArray("{\"jsonrpc\":\"2.0\",\"id\":") + QByteArray::number(id)
           + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
             "\"clientInfo\":{\"name\":\"tst\",\"version\":\"1\"}}}";
}

QByteArray callBody(int id, const char *tool, const json &arguments = json::object())
{
    return QByteArray::fromStdString(
        json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", arguments}}}}.dump());
}

struct HttpResult {
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lowercased names
    json bodyJson() const { return json::parse(body.toStdString(), nullptr, false); }
};

// One response read from a raw socket.
struct RawResult : HttpResult {
    bool closed = false;
};

// A parsed response at the start of `buffer`, or nullopt while incomplete; `consumed` gets its size.
std::optional<RawResult> parseResponse(const QByteArray &buffer, qsizetype *consumed = nullptr)
{
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return std::nullopt;
    RawResult result;
    const QList<QByteArray> lines = buffer.first(headEnd).split('\n');
    result.status = lines.front().split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            result.headers.insert(lines[i].first(colon).trimmed().toLower(), lines[i].sliced(colon + 1).trimmed());
    }
    qsizetype position = headEnd + 4;
    if (result.headers.value("transfer-encoding") == "chunked") {
        for (;;) {
            const qsizetype lineEnd = buffer.indexOf("\r\n", position);
            if (lineEnd < 0)
                return std::nullopt;
            bool ok = false;
            const qsizetype size = buffer.mid(position, lineEnd - position).toLongLong(&ok, 16);
            if (!ok || buffer.size() < lineEnd + 2 + size + 2)
                return std::nullopt;
            position = lineEnd + 2 + size + 2;
            if (size == 0)
                break;
            result.body += buffer.mid(lineEnd + 2, size);
        }
    } else {
        const qsizetype length = result.headers.value("content-length", "0").toLongLong();
        if (buffer.size() < position + length)
            return std::nullopt;
        result.body = buffer.mid(position, length);
        position += length;
    }
    if (consumed)
        *consumed = position;
    return result;
}

// A raw client connection for what QNetworkAccessManager would never send.
class RawClient {
public:
    explicit RawClient(quint16 port, const QHostAddress &address = QHostAddress::LocalHost)
    {
        m_socket.connectToHost(address, port);
        (void)QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Waits for the next response (or for the connection to close).
    RawResult read(int timeoutMs = 5000)
    {
        std::optional<RawResult> result;
        (void)QTest::qWaitFor(
            [&] {
                m_buffer += m_socket.readAll();
                qsizetype consumed = 0;
                result = parseResponse(m_buffer, &consumed);
                if (result)
                    m_buffer.remove(0, consumed);
                return result.has_value() || m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
        RawResult out = result.value_or(RawResult{});
        out.closed = m_socket.state() == QAbstractSocket::UnconnectedState;
        return out;
    }
    // Waits until the server closes the connection.
    bool waitClosed(int timeoutMs)
    {
        return QTest::qWaitFor(
            [this] {
                m_socket.readAll();
                return m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }
    void abort() { m_socket.abort(); }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray rawRequest(const QByteArray &method, const QByteArray &host, const QList<QByteArray> &headers,
                      const QByteArray &body = {}, const QByteArray &path = "/mcp")
{
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const QByteArray &header : headers)
        request += header + "\r\n";
    if (!body.isEmpty() || method == "POST")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return request + "\r\n" + body;
}

const QList<QByteArray> kMcpHeaders{"Authorization: Bearer kwa_alice", "Content-Type: application/json",
                                    "Accept: application/json, text/event-stream"};

} // namespace

class TestHttpTransport : public QObject {
    Q_OBJECT

    std::unique_ptr<FakeTools> m_tools;
    std::unique_ptr<HttpTransport> m_transport;
    QNetworkAccessManager m_network;

    void start(const HttpLimits &limits = {})
    {
        m_transport.reset();
        m_tools = std::make_unique<FakeTools>();
        m_transport = std::make_unique<HttpTransport>(*m_tools, authenticate, limits);
        const Result<void> listening = m_transport->listen(0);
        QVERIFY2(listening.ok(), listening.ok() ? "" : qPrintable(listening.error().message));
        QVERIFY(m_transport->port() != 0);
    }
    QUrl url(const QString &path = QStringLiteral("/mcp")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_transport->port()).arg(path));
    }
    QByteArray hostHeader() const { return "127.0.0.1:" + QByteArray::number(m_transport->port()); }

    // Sends one request with QNetworkAccessManager and waits for its whole response.
    HttpResult call(const QByteArray &method, const QList<QPair<QByteArray, QByteArray>> &headers,
                    const QByteArray &body = {}, const QUrl &target = {})
    {
        QNetworkRequest request(target.isEmpty() ? url() : target);
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(10000);
        HttpResult result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        for (const auto &[name, value] : reply->rawHeaderPairs())
            result.headers.insert(name.toLower(), value);
        reply->deleteLater();
        return result;
    }
    QList<QPair<QByteArray, QByteArray>> mcpHeaders(const QByteArray &token = "kwa_alice", const QByteArray &session = {}) const
    {
        QList<QPair<QByteArray, QByteArray>> headers{{"Authorization", "Bearer " + token},
                                                     {"Content-Type", "application/json"},
                                                     {"Accept", "application/json, text/event-stream"}};
        if (!session.isEmpty()) {
            headers.append(qMakePair(QByteArray("Mcp-Session-Id"), session));
            headers.append(qMakePair(QByteArray("MCP-Protocol-Version"), QByteArray("2025-11-25")));
        }
        return headers;
    }
    QByteArray initialize(const QByteArray &token = "kwa_alice")
    {
        const HttpResult result = call("POST", mcpHeaders(token), initializeBody());
        if (result.status != 200)
            qWarning() << "initialize failed" << result.status << result.body;
        return result.headers.value("mcp-session-id");
    }

private Q_SLOTS:
    void initializeCreatesASessionBoundToTheTokensAgent()
    {
        start();
        QCOMPARE(m_transport->mcpUrl(), QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_transport->port()));
        const HttpResult init = call("POST", mcpHeaders(), initializeBody());
        QCOMPARE(init.status, 200);
        QVERIFY(init.headers.value("content-type").startsWith("application/json"));
        const QByteArray session = init.headers.value("mcp-session-id");
        QVERIFY2(session.size() >= 32, session.constData());
        for (char c : session)
            QVERIFY(c > 0x20 && c < 0x7f);
        QCOMPARE(init.bodyJson()["result"]["protocolVersion"], json("2025-11-25"));

        const HttpResult echo = call("POST", mcpHeaders("kwa_alice", session), callBody(2, "echo", {{"x", 1}}));
        QCOMPARE(echo.status, 200);
        QCOMPARE(echo.bodyJson()["result"]["structuredContent"]["echo"]["x"], json(1));
        QCOMPARE(m_tools->agents, QStringList{QStringLiteral("alice")});

        // A second initialize gives a different session.
        QVERIFY(initialize() != session);
        QCOMPARE(m_transport->sessionCount(), 2);
    }

    void hostAndOriginAreChecked_data()
    {
        QTest::addColumn<QByteArray>("host"); // PORT is replaced by the listener's port
        QTest::addColumn<QByteArray>("origin"); // empty: no Origin header
        QTest::addColumn<int>("status");

        QTest::newRow("127.0.0.1:PORT") << QByteArray("127.0.0.1:PORT") << QByteArray() << 200;
        QTest::newRow("localhost:PORT") << QByteArray("localhost:PORT") << QByteArray() << 200;
        QTest::newRow("LOCALHOST:PORT") << QByteArray("LOCALHOST:PORT") << QByteArray() << 200;
        QTest::newRow("[::1]:PORT") << QByteArray("[::1]:PORT") << QByteArray() << 200;
        QTest::newRow("evil.example.com") << QByteArray("evil.example.com") << QByteArray() << 403;
        QTest::newRow("evil.example.com:PORT") << QByteArray("evil.example.com:PORT") << QByteArray() << 403;
        QTest::newRow("localhost without port") << QByteArray("localhost") << QByteArray() << 403;
        QTest::newRow("another port") << QByteArray("127.0.0.1:1") << QByteArray() << 403;
        QTest::newRow("port with a leading zero") << QByteArray("127.0.0.1:0PORT") << QByteArray() << 403;
        QTest::newRow("localhost.evil.example.com") << QByteArray("localhost.evil.example.com:PORT") << QByteArray() << 403;
        QTest::newRow("origin evil.example.com") << QByteArray("127.0.0.1:PORT") << QByteArray("http://evil.example.com") << 403;
        QTest::newRow("origin localhost any port") << QByteArray("localhost:PORT") << QByteArray("http://localhost:5173") << 200;
        QTest::newRow("origin 127.0.0.1") << QByteArray("127.0.0.1:PORT") << QByteArray("http://127.0.0.1") << 200;
        QTest::newRow("origin [::1]") << QByteArray("127.0.0.1:PORT") << QByteArray("http://[::1]:8080") << 200;
        QTest::newRow("origin https") << QByteArray("127.0.0.1:PORT") << QByteArray("https://localhost") << 403;
        QTest::newRow("origin null") << QByteArray("127.0.0.1:PORT") << QByteArray("null") << 403;
        QTest::newRow("origin with a path") << QByteArray("127.0.0.1:PORT") << QByteArray("http://localhost/x") << 403;
        QTest::newRow("origin user info") << QByteArray("127.0.0.1:PORT") << QByteArray("http://localhost@evil.example.com") << 403;
    }
    void hostAndOriginAreChecked()
    {
        QFETCH(QByteArray, host);
        QFETCH(QByteArray, origin);
        QFETCH(int, status);
        start();
        const QByteArray port = QByteArray::number(m_transport->port());
        QList<QByteArray> headers = kMcpHeaders;
        if (!origin.isEmpty())
            headers.append("Origin: " + origin);
        RawClient client(m_transport->port());
        client.send(rawRequest("POST", host.replace("PORT", port), headers, initializeBody()));
        const RawResult result = client.read();
        QCOMPARE(result.status, status);
        if (status == 403) {
            QCOMPARE(result.bodyJson()["error"]["code"], json(-32000));
            QCOMPARE(m_transport->sessionCount(), 0);
        }
    }

    void hostIsCheckedBeforeAuthenticationOnEveryPath()
    {
        start();
        RawClient client(m_transport->port());
        client.send(rawRequest("GET", "evil.example.com", {}, {}, "/anything"));
        QCOMPARE(client.read().status, 403);
        client.send(rawRequest("GET", hostHeader(), {}, {}, "/anything"));
        QCOMPARE(client.read().status, 404);
    }

    void statusTable_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("accept");
        QTest::addColumn<QByteArray>("version"); // empty: no MCP-Protocol-Version header
        QTest::addColumn<int>("sessionMode");    // 0 none, 1 the live session, 2 an unknown id
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("rpcCode"); // 0: not checked

        const QByteArray post = "POST";
        const QByteArray alice = "kwa_alice";
        const QByteArray json = "application/json";
        const QByteArray both = "application/json, text/event-stream";
        const QByteArray ping = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}";
        const QByteArray v = "2025-11-25";
        QTest::newRow("no token -> 401") << post << QByteArray() << json << both << v << 1 << ping << 401 << -32000;
        QTest::newRow("unknown token -> 401") << post << QByteArray("kwa_nobody") << json << both << v << 1 << ping << 401 << -32000;
        QTest::newRow("GET -> 405") << QByteArray("GET") << alice << json << both << v << 1 << QByteArray() << 405 << 0;
        QTest::newRow("PUT -> 405") << QByteArray("PUT") << alice << json << both << v << 1 << ping << 405 << 0;
        QTest::newRow("Accept json only -> 406") << post << alice << json << json << v << 1 << ping << 406 << 0;
        QTest::newRow("Accept event-stream only -> 406") << post << alice << json << QByteArray("text/event-stream") << v << 1 << ping << 406 << 0;
        QTest::newRow("Accept any") << post << alice << json << QByteArray("*/*") << v << 1 << ping << 200 << 0;
        QTest::newRow("Accept wildcards per type") << post << alice << json << QByteArray("application/*, text/*") << v << 1 << ping << 200 << 0;
        QTest::newRow("Accept with q=0 -> 406") << post << alice << json << QByteArray("application/json, text/event-stream;q=0") << v << 1 << ping << 406 << 0;
        QTest::newRow("text/plain -> 415") << post << alice << QByteArray("text/plain") << both << v << 1 << ping << 415 << 0;
        QTest::newRow("json with charset") << post << alice << QByteArray("application/json; charset=utf-8") << both << v << 1 << ping << 200 << 0;
        QTest::newRow("malformed JSON -> 400 -32700") << post << alice << json << both << v << 1 << QByteArray("{\"jsonrpc\":") << 400 << -32700;
        QTest::newRow("unsupported version -> 400") << post << alice << json << both << QByteArray("2024-11-05") << 1 << ping << 400 << 0;
        QTest::newRow("no version header: 2025-03-26") << post << alice << json << both << QByteArray() << 1 << ping << 200 << 0;
        QTest::newRow("older version on this session") << post << alice << json << both << QByteArray("2025-03-26") << 1 << ping << 200 << 0;
        QTest::newRow("no session, not initialize -> 400") << post << alice << json << both << v << 0 << ping << 400 << -32600;
        QTest::newRow("no session, batched initialize -> 400") << post << alice << json << both << v << 0 << QByteArray("[" + initializeBody() + "]") << 400 << -32600;
        QTest::newRow("failed initialize -> 400, no session") << post << alice << json << both << v << 0 << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}") << 400 << -32602;
        QTest::newRow("unknown session -> 404") << post << alice << json << both << v << 2 << ping << 404 << -32001;
        QTest::newRow("another agent's session -> 404") << post << QByteArray("kwa_bob") << json << both << v << 1 << ping << 404 << -32001;
        QTest::newRow("notification -> 202") << post << alice << json << both << v << 1 << QByteArray("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}") << 202 << 0;
        QTest::newRow("response -> 202") << post << alice << json << both << v << 1 << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"result\":{}}") << 202 << 0;
        QTest::newRow("batch on 2025-11-25 -> JSON-RPC error") << post << alice << json << both << v << 1 << QByteArray("[" + ping + "]") << 200 << -32600;
        QTest::newRow("DELETE unknown session -> 404") << QByteArray("DELETE") << alice << json << both << v << 2 << QByteArray() << 404 << -32001;
        QTest::newRow("DELETE without session -> 400") << QByteArray("DELETE") << alice << json << both << v << 0 << QByteArray() << 400 << 0;
    }
    void statusTable()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, accept);
        QFETCH(QByteArray, version);
        QFETCH(int, sessionMode);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(int, rpcCode);
        start();
        const QByteArray session = initialize();
        QVERIFY(!session.isEmpty());

        QList<QPair<QByteArray, QByteArray>> headers{{"Content-Type", contentType}, {"Accept", accept}};
        if (!token.isEmpty())
            headers.append(qMakePair(QByteArray("Authorization"), "Bearer " + token));
        if (!version.isEmpty())
            headers.append(qMakePair(QByteArray("MCP-Protocol-Version"), version));
        if (sessionMode == 1)
            headers.append(qMakePair(QByteArray("Mcp-Session-Id"), session));
        else if (sessionMode == 2)
            headers.append(qMakePair(QByteArray("Mcp-Session-Id"), QByteArray("00000000000000000000000000000000")));
        const HttpResult result = call(method, headers, body);
        QCOMPARE(result.status, status);
        if (rpcCode != 0)
            QCOMPARE(result.bodyJson()["error"]["code"].get<int>(), rpcCode);
        if (status == 401) {
            QCOMPARE(result.headers.value("www-authenticate"), QByteArray("Bearer"));
            QVERIFY2(!result.body.contains(token.isEmpty() ? QByteArray("kwa_") : token), "the token was echoed");
        }
        if (status == 405)
            QCOMPARE(result.headers.value("allow"), QByteArray("POST, DELETE"));
        if (status == 202)
            QVERIFY(result.body.isEmpty());
        if (status == 200 && rpcCode == 0)
            QCOMPARE(result.bodyJson()["id"], json(7));
        if (sessionMode == 0) {
            QVERIFY(!result.headers.contains("mcp-session-id"));
            QCOMPARE(m_transport->sessionCount(), 1); // only the one made above
        }
    }

    void connectionCloseIsHonoured()
    {
        start();
        RawClient client(m_transport->port());
        QList<QByteArray> headers = kMcpHeaders;
        headers.append("Connection: close");
        client.send(rawRequest("POST", hostHeader(), headers, initializeBody()));
        const RawResult result = client.read();
        QCOMPARE(result.status, 200);
        QCOMPARE(result.headers.value("connection"), QByteArray("close"));
        QVERIFY(client.waitClosed(3000));
    }

    void keepAliveServesSeveralRequestsOnOneConnection()
    {
        start();
        RawClient client(m_transport->port());
        client.send(rawRequest("POST", hostHeader(), kMcpHeaders, initializeBody()));
        const RawResult init = client.read();
        QCOMPARE(init.status, 200);
        QList<QByteArray> headers = kMcpHeaders;
        headers.append("Mcp-Session-Id: " + init.headers.value("mcp-session-id"));
        for (int id = 40; id < 45; ++id) {
            client.send(rawRequest("POST", hostHeader(), headers, callBody(id, "echo")));
            const RawResult result = client.read();
            QCOMPARE(result.status, 200);
            QCOMPARE(result.bodyJson()["id"], json(id));
        }
        QVERIFY(client.isConnected());
    }

    void deleteEndsTheSession()
    {
        start();
        const QByteArray session = initialize();
        QCOMPARE(call("DELETE", mcpHeaders("kwa_bob", session)).status, 404); // not bob's to end
        QCOMPARE(call("DELETE", mcpHeaders("kwa_alice", session)).status, 204);
        QCOMPARE(m_transport->sessionCount(), 0);
        const HttpResult after = call("POST", mcpHeaders("kwa_alice", session), callBody(3, "echo"));
        QCOMPARE(after.status, 404);
        QCOMPARE(call("DELETE", mcpHeaders("kwa_alice", session)).status, 404);
    }

    void sessionIsBoundToItsAgent()
    {
        start();
        const QByteArray alices = initialize("kwa_alice");
        const QByteArray bobs = initialize("kwa_bob");
        QCOMPARE(call("POST", mcpHeaders("kwa_bob", alices), callBody(4, "echo")).status, 404);
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", bobs), callBody(5, "echo")).status, 404);
        QCOMPARE(call("POST", mcpHeaders("kwa_bob", bobs), callBody(6, "echo")).status, 200);
        QCOMPARE(m_tools->agents, QStringList{QStringLiteral("bob")});
    }

    void idleSessionsExpire()
    {
        HttpLimits limits;
        limits.sessionIdleTimeout = 200ms;
        start(limits);
        const QByteArray session = initialize();
        QCOMPARE(m_transport->sessionCount(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_transport->sessionCount(), 0, 3000);
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", session), callBody(7, "echo")).status, 404);
    }

    void sessionCapEndsTheLeastRecentlyUsed()
    {
        HttpLimits limits;
        limits.maxSessions = 2;
        start(limits);
        const QByteArray first = initialize();
        const QByteArray second = initialize();
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", first), callBody(8, "echo")).status, 200); // first is now fresher
        const QByteArray third = initialize();
        QVERIFY(!third.isEmpty());
        QCOMPARE(m_transport->sessionCount(), 2);
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", second), callBody(9, "echo")).status, 404);
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", first), callBody(10, "echo")).status, 200);
    }

    void headOver16KiBIs431()
    {
        start();
        RawClient client(m_transport->port());
        QByteArray head = "POST /mcp HTTP/1.1\r\nHost: " + hostHeader() + "\r\n";
        while (head.size() < 20 * 1024)
            head += "X-Filler: " + QByteArray(100, 'a') + "\r\n";
        client.send(head); // no blank line: the head never ends
        const RawResult result = client.read();
        QCOMPARE(result.status, 431);
        QVERIFY(client.waitClosed(5000));
    }

    void bodyOver4MiBIs413()
    {
        start();
        RawClient client(m_transport->port());
        const QByteArray body(4 * 1024 * 1024 + 1024, 'x');
        client.send("POST /mcp HTTP/1.1\r\nHost: " + hostHeader() + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        const RawResult result = client.read(10000);
        QCOMPARE(result.status, 413);
        QVERIFY(client.waitClosed(5000));
        QCOMPARE(m_transport->sessionCount(), 0);
    }

    void bodyOfExactly4MiBIsServed()
    {
        start();
        const QByteArray session = initialize();
        QByteArray body = callBody(11, "echo", {{"pad", ""}});
        body.insert(body.indexOf("\"pad\":\"") + 7, QByteArray(4 * 1024 * 1024 - body.size(), 'p'));
        QCOMPARE(body.size(), 4 * 1024 * 1024);
        const HttpResult result = call("POST", mcpHeaders("kwa_alice", session), body);
        QCOMPARE(result.status, 200);
    }

    void slowHeadIsClosedAfterTheRequestTimeout()
    {
        HttpLimits limits;
        limits.requestTimeout = 300ms;
        start(limits);
        RawClient client(m_transport->port());
        client.send("POST /mcp HTTP/1.1\r\nHost: " + hostHeader() + "\r\nX-Slow: ");
        QElapsedTimer elapsed;
        elapsed.start();
        const RawResult result = client.read(5000);
        QCOMPARE(result.status, 408);
        QVERIFY(elapsed.elapsed() >= 250);
        QVERIFY(client.waitClosed(5000));
    }

    void slowBodyIsClosedAfterTheRequestTimeout()
    {
        HttpLimits limits;
        limits.requestTimeout = 300ms;
        start(limits);
        RawClient client(m_transport->port());
        client.send(rawRequest("POST", hostHeader(), kMcpHeaders).replace("Content-Length: 0", "Content-Length: 100") + "{\"a\":");
        // Dribbling bytes does not extend the deadline.
        for (int i = 0; i < 3; ++i) {
            QTest::qWait(100);
            client.send(" ");
        }
        QCOMPARE(client.read(5000).status, 408);
    }

    void idleConnectionIsClosed()
    {
        HttpLimits limits;
        limits.idleTimeout = 300ms;
        start(limits);
        RawClient client(m_transport->port());
        client.send(rawRequest("POST", hostHeader(), kMcpHeaders, initializeBody()));
        QCOMPARE(client.read().status, 200);
        QVERIFY(client.isConnected());
        QVERIFY(client.waitClosed(3000));
        QTRY_COMPARE(m_transport->connectionCount(), 0);
    }

    void pendingReplyKeepsTheConnectionOpen()
    {
        HttpLimits limits;
        limits.idleTimeout = 200ms;
        start(limits);
        const QByteArray session = initialize();
        RawClient client(m_transport->port());
        QList<QByteArray> headers = kMcpHeaders;
        headers.append("Mcp-Session-Id: " + session);
        client.send(rawRequest("POST", hostHeader(), headers, callBody(12, "slow", {{"ms", 700}})));
        const RawResult result = client.read(5000);
        QCOMPARE(result.status, 200);
        QCOMPARE(result.bodyJson()["id"], json(12));
    }

    void fiveHundredIdleConnectionsDoNotStopANewClient()
    {
        start();
        std::vector<std::unique_ptr<QTcpSocket>> idle;
        for (int i = 0; i < 500; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, m_transport->port());
            idle.push_back(std::move(socket));
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_transport->connectionCount(), 500, 20000);
        const HttpResult result = call("POST", mcpHeaders(), initializeBody());
        QCOMPARE(result.status, 200);
        for (const auto &socket : idle)
            QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
    }

    void connectionCapClosesTheOldestIdleConnection()
    {
        HttpLimits limits;
        limits.maxConnections = 5;
        start(limits);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 5; ++i) {
            clients.push_back(std::make_unique<RawClient>(m_transport->port()));
            QTRY_COMPARE(m_transport->connectionCount(), i + 1);
            QTest::qWait(5);
        }
        const HttpResult result = call("POST", mcpHeaders(), initializeBody());
        QCOMPARE(result.status, 200);
        QVERIFY(clients.front()->waitClosed(3000));
        for (std::size_t i = 1; i < clients.size(); ++i)
            QVERIFY(clients[i]->isConnected());
    }

    void disconnectMidCallCancelsTheCall()
    {
        start();
        const QByteArray session = initialize();
        {
            RawClient client(m_transport->port());
            QList<QByteArray> headers = kMcpHeaders;
            headers.append("Mcp-Session-Id: " + session);
            client.send(rawRequest("POST", hostHeader(), headers, callBody(13, "slow", {{"ms", 400}})));
            QTRY_COMPARE(m_tools->slowStarted, 1);
            client.abort();
        }
        QTRY_COMPARE(m_tools->cancelReasons, QStringList{QStringLiteral("client disconnected")});
        // The tool answers later; the reply has nowhere to go and is dropped.
        QTRY_COMPARE_WITH_TIMEOUT(m_tools->slowFinished, 1, 3000);
        QTest::qWait(50);
        QCOMPARE(call("POST", mcpHeaders("kwa_alice", session), callBody(14, "echo")).status, 200);
    }

    void deleteCancelsCallsInProgress()
    {
        start();
        const QByteArray session = initialize();
        QNetworkRequest request(url());
        for (const auto &[name, value] : mcpHeaders("kwa_alice", session))
            request.setRawHeader(name, value);
        QNetworkReply *slow = m_network.post(request, callBody(15, "slow", {{"ms", 300}}));
        QTRY_COMPARE(m_tools->slowStarted, 1);
        QCOMPARE(call("DELETE", mcpHeaders("kwa_alice", session)).status, 204);
        QCOMPARE(m_tools->cancelReasons, QStringList{QStringLiteral("session ended")});
        QSignalSpy finished(slow, &QNetworkReply::finished);
        QVERIFY(slow->isFinished() || finished.wait(5000));
        QCOMPARE(slow->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        slow->deleteLater();
    }

    void concurrentRequestsOnOneSessionAnswerOutOfOrder()
    {
        start();
        const QByteArray session = initialize();
        QNetworkRequest request(url());
        for (const auto &[name, value] : mcpHeaders("kwa_alice", session))
            request.setRawHeader(name, value);
        QStringList finishedOrder;
        QNetworkReply *slow = m_network.post(request, callBody(21, "slow", {{"ms", 400}}));
        connect(slow, &QNetworkReply::finished, this, [&] { finishedOrder.append(QStringLiteral("slow")); });
        QTRY_COMPARE(m_tools->slowStarted, 1);
        QNetworkReply *fast = m_network.post(request, callBody(22, "echo", {{"n", 22}}));
        connect(fast, &QNetworkReply::finished, this, [&] { finishedOrder.append(QStringLiteral("echo")); });
        QTRY_COMPARE_WITH_TIMEOUT(finishedOrder.size(), 2, 5000);
        QCOMPARE(finishedOrder, (QStringList{QStringLiteral("echo"), QStringLiteral("slow")}));
        QCOMPARE(json::parse(fast->readAll().toStdString())["id"], json(22));
        QCOMPARE(json::parse(slow->readAll().toStdString())["id"], json(21));
        slow->deleteLater();
        fast->deleteLater();
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        start();
        const QByteArray session = initialize();
        QList<QByteArray> headers = kMcpHeaders;
        headers.append("Mcp-Session-Id: " + session);
        RawClient client(m_transport->port());
        client.send(rawRequest("POST", hostHeader(), headers, callBody(31, "slow", {{"ms", 300}}))
                    + rawRequest("POST", hostHeader(), headers, callBody(32, "echo")));
        const RawResult first = client.read();
        const RawResult second = client.read();
        QCOMPARE(first.status, 200);
        QCOMPARE(first.bodyJson()["id"], json(31));
        QCOMPARE(second.status, 200);
        QCOMPARE(second.bodyJson()["id"], json(32));
    }

    void bothLoopbackAddressesAreServed()
    {
        start();
        QVERIFY(m_transport->servesIpv6());
        for (const auto &[address, host] : {std::pair{QHostAddress(QHostAddress::LocalHost), QByteArray("127.0.0.1")},
                                            std::pair{QHostAddress(QHostAddress::LocalHostIPv6), QByteArray("[::1]")}}) {
            RawClient client(m_transport->port(), address);
            QVERIFY2(client.isConnected(), host.constData());
            client.send(rawRequest("POST", host + ':' + QByteArray::number(m_transport->port()), kMcpHeaders, initializeBody()));
            const RawResult result = client.read();
            QCOMPARE(result.status, 200);
            QVERIFY(!result.headers.value("mcp-session-id").isEmpty());
        }
    }

    void listenOnAPortInUseSaysWhich()
    {
        start();
        FakeTools tools;
        HttpTransport second(tools, authenticate);
        const Result<void> result = second.listen(m_transport->port());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("http_listen"));
        QVERIFY2(result.error().message.contains(QStringLiteral("127.0.0.1:%1").arg(m_transport->port())),
                 qPrintable(result.error().message));
    }

    void proxyStreamsChunksInOrder()
    {
        start();
        std::optional<HttpExchangeRequest> seen;
        m_transport->setProxyHandler([&](HttpExchangeRequest request, std::shared_ptr<HttpStreamResponder> responder) {
            seen = std::move(request);
            responder->writeHead(200, {{"Content-Type", "text/event-stream"}, {"X-Upstream", "yes"}});
            auto chunks = std::make_shared<QStringList>(QStringList{QStringLiteral("one "), QStringLiteral("two "),
                                                                    QStringLiteral("three")});
            auto timer = new QTimer(&m_tools->context);
            connect(timer, &QTimer::timeout, timer, [timer, chunks, responder] {
                if (chunks->isEmpty()) {
                    responder->end();
                    timer->deleteLater();
                    return;
                }
                responder->writeChunk(chunks->takeFirst().toUtf8());
            });
            timer->start(50);
        });
        QNetworkRequest request(url(QStringLiteral("/proxy/github/repos/a%2Fb/issues?state=open&q=%20x")));
        request.setRawHeader("Authorization", "Bearer kwa_alice");
        request.setRawHeader("X-Custom", "Value");
        QNetworkReply *reply = m_network.post(request, QByteArray("payload"));
        QByteArray streamed;
        QList<qint64> arrivals;
        QElapsedTimer clock;
        clock.start();
        connect(reply, &QIODevice::readyRead, this, [&] {
            streamed += reply->readAll();
            arrivals.append(clock.elapsed());
        });
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(5000));
        streamed += reply->readAll();
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->rawHeader("X-Upstream"), QByteArray("yes"));
        QCOMPARE(reply->rawHeader("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(streamed, QByteArray("one two three"));
        QVERIFY2(arrivals.size() >= 2, "the chunks did not arrive as they were written");
        reply->deleteLater();

        QVERIFY(seen.has_value());
        QCOMPARE(seen->method, QByteArray("POST"));
        QCOMPARE(seen->target, QByteArray("/github/repos/a%2Fb/issues"));
        QCOMPARE(seen->rawQuery, QByteArray("state=open&q=%20x"));
        QCOMPARE(seen->body, QByteArray("payload"));
        QVERIFY(seen->peer.isLoopback());
        bool sawAuthorization = false;
        for (const auto &[name, value] : seen->headers) {
            QCOMPARE(name, name.toLower());
            if (name == "authorization")
                sawAuthorization = value == "Bearer kwa_alice";
        }
        QVERIFY(sawAuthorization);
    }

    void proxyRequestsGetTheHostAndOriginChecks()
    {
        start();
        int calls = 0;
        m_transport->setProxyHandler([&](HttpExchangeRequest, std::shared_ptr<HttpStreamResponder> responder) {
            ++calls;
            responder->reply(204, {}, {});
        });
        RawClient client(m_transport->port());
        client.send(rawRequest("GET", "evil.example.com:" + QByteArray::number(m_transport->port()), {}, {}, "/proxy/svc/x"));
        QCOMPARE(client.read().status, 403);
        client.send(rawRequest("GET", hostHeader(), {"Origin: http://evil.example.com"}, {}, "/proxy/svc/x"));
        QCOMPARE(client.read().status, 403);
        QCOMPARE(calls, 0);
        client.send(rawRequest("GET", hostHeader(), {"Origin: http://localhost:3000"}, {}, "/proxy/svc/x"));
        QCOMPARE(client.read().status, 204);
        QCOMPARE(calls, 1);
    }

    void proxyDisconnectFiresTheCancellation()
    {
        start();
        std::shared_ptr<HttpStreamResponder> held;
        QString reason;
        m_transport->setProxyHandler([&](HttpExchangeRequest, std::shared_ptr<HttpStreamResponder> responder) {
            held = responder;
            responder->cancellation()->onCancel([&](const QString &why) { reason = why; });
            responder->writeHead(200, {{"Content-Type", "text/event-stream"}});
            responder->writeChunk("data: first\n\n");
        });
        {
            RawClient client(m_transport->port());
            client.send(rawRequest("GET", hostHeader(), {}, {}, "/proxy/svc/stream"));
            QTRY_VERIFY(held != nullptr);
            QTest::qWait(50);
            client.abort();
        }
        QTRY_COMPARE(reason, QStringLiteral("client disconnected"));
        QVERIFY(!held->isOpen());
        // Writing after the client left is harmless.
        held->writeChunk("data: late\n\n");
        held->end();
        held.reset();
        QTest::qWait(50);
    }

    void proxyResponseDroppedWithoutEndIsFinished()
    {
        start();
        m_transport->setProxyHandler([](HttpExchangeRequest, std::shared_ptr<HttpStreamResponder>) {});
        RawClient client(m_transport->port());
        client.send(rawRequest("GET", hostHeader(), {}, {}, "/proxy/svc/x"));
        QCOMPARE(client.read().status, 500);
    }

    void proxyWithoutHandlerIs503()
    {
        start();
        RawClient client(m_transport->port());
        client.send(rawRequest("GET", hostHeader(), {}, {}, "/proxy/svc/x"));
        QCOMPARE(client.read().status, 503);
    }

    void responseHeadersCannotBeInjected()
    {
        start();
        m_transport->setProxyHandler([](HttpExchangeRequest, std::shared_ptr<HttpStreamResponder> responder) {
            responder->reply(200, {{"X-Evil", "a\r\nSet-Cookie: x=1"}, {"Transfer-Encoding", "identity"}, {"X-Fine", "ok"}},
                             "body");
        });
        RawClient client(m_transport->port());
        client.send(rawRequest("GET", hostHeader(), {}, {}, "/proxy/svc/x"));
        const RawResult result = client.read();
        QCOMPARE(result.status, 200);
        QVERIFY(!result.headers.contains("x-evil"));
        QVERIFY(!result.headers.contains("set-cookie"));
        QVERIFY(!result.headers.contains("transfer-encoding"));
        QCOMPARE(result.headers.value("x-fine"), QByteArray("ok"));
        QCOMPARE(result.body, QByteArray("body"));
    }
};

QTEST_GUILESS_MAIN(TestHttpTransport)
#include "tst_httptransport.moc"
