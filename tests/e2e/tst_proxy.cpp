// End to end: the /proxy/<service>/<path> endpoint of `keyward serve --http 0`, driven as an SDK
// would (plain HTTP to 127.0.0.1 with the agent's kwa_ token as its API key), against the real
// HTTPS upstream. The token is accepted where SDKs put keys and replaced by the real secret; the
// gate, kill switch and audit apply as for `execute`; responses stream as they arrive and the
// secret is redacted from headers and from bodies sent in small chunks (SSE included); refusals
// are HTTP errors with a JSON body; the canary never reaches the client.

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "upstream/redactor.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::HttpsUpstream;
using keyward::test::runKeyward;
using keyward::test::TempHome;

namespace {

// The body of a raw HTTP/1.1 response with chunked transfer coding, de-chunked (test-only: the
// transport's own framing, read back to check the content).
QByteArray dechunkedBody(const QByteArray &raw)
{
    qsizetype pos = raw.indexOf("\r\n\r\n");
    if (pos < 0)
        return {};
    pos += 4;
    QByteArray body;
    while (pos < raw.size()) {
        const qsizetype lineEnd = raw.indexOf("\r\n", pos);
        if (lineEnd < 0)
            break;
        bool ok = false;
        const qsizetype size = raw.mid(pos, lineEnd - pos).split(';').value(0).trimmed().toLongLong(&ok, 16);
        if (!ok || size == 0)
            break;
        body += raw.mid(lineEnd + 2, size);
        pos = lineEnd + 2 + size + 2;
    }
    return body;
}

struct Response {
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    qint64 firstByteMs = -1; // since the request was sent
    qint64 totalMs = -1;
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

} // namespace

class TestProxy : public QObject {
    Q_OBJECT

    TempHome m_home;
    HttpsUpstream m_upstream;
    QProcess m_serve;
    QString m_base; // http://127.0.0.1:N
    QByteArray m_token;
    QByteArray m_canary;
    keyward::Redactor m_detector;
    QNetworkAccessManager m_network;
    bool m_leaked = false; // the secret reached the client in a body or header

    Response send(const QByteArray &method, const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers,
                  const QByteArray &body = {})
    {
        QNetworkRequest request(QUrl(m_base + path));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        QElapsedTimer timer;
        timer.start();
        QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
        Response response;
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [&response, reply, &timer] {
            if (response.firstByteMs < 0)
                response.firstByteMs = timer.elapsed();
            response.body += reply->readAll();
        });
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 30000))
            return response;
        response.totalMs = timer.elapsed();
        response.body += reply->readAll();
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        response.headers = reply->rawHeaderPairs();
        reply->deleteLater();
        m_leaked |= m_detector.containsSecret(response.body);
        for (const auto &[name, value] : response.headers)
            m_leaked |= m_detector.containsSecret(value);
        return response;
    }

    QList<QPair<QByteArray, QByteArray>> bearer(const QByteArray &token) const { return {{"Authorization", "Bearer " + token}}; }

    void addService(const QStringList &args)
    {
        const auto added = runKeyward(m_home, QStringList{QStringLiteral("service"), QStringLiteral("add")} + args, m_canary + "\n");
        QVERIFY2(added.exitCode == 0, added.err.constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString()));
        m_canary = keyward::test::randomCanary();
        m_detector = keyward::Redactor({m_canary}, QStringLiteral("canary"));
        addService({QStringLiteral("api"), QStringLiteral("--base-url"), m_upstream.baseUrl(QStringLiteral("/v1")),
                    QStringLiteral("--auth"), QStringLiteral("bearer"), QStringLiteral("--ca-file"), m_upstream.caFile(),
                    QStringLiteral("--allow"), QStringLiteral("GET /**"), QStringLiteral("--allow"), QStringLiteral("POST /items"),
                    QStringLiteral("--deny"), QStringLiteral("GET /private/**")});
        addService({QStringLiteral("hdr"), QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                    QStringLiteral("header"), QStringLiteral("--header"), QStringLiteral("X-Api-Key"), QStringLiteral("--ca-file"),
                    m_upstream.caFile()});
        const auto agent = runKeyward(m_home, {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("sdk"),
                                               QStringLiteral("--json")});
        QVERIFY2(agent.exitCode == 0, agent.err.constData());
        m_token = QByteArray::fromStdString(json::parse(agent.out.toStdString())["token"].get<std::string>());
        // Hostile requests come from one agent on purpose: keep the alerts from stopping it.
        QVERIFY(keyward::test::disableAlertAutoKill(m_home));

        m_serve.setProcessEnvironment(keyward::test::environmentFor(m_home));
        m_serve.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("serve"), QStringLiteral("--http"), QStringLiteral("0")});
        QVERIFY(m_serve.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_serve.canReadLine(), 20000);
        const json ready = json::parse(m_serve.readLine().toStdString());
        const QString url = QString::fromStdString(ready["http"].get<std::string>());
        m_base = url.left(url.size() - int(strlen("/mcp")));
    }

    void tokenIsReplacedByTheSecret()
    {
        m_upstream.clearReceived();
        const Response response = send("GET", QStringLiteral("/proxy/api/users?page=2"), bearer(m_token));
        QCOMPARE(response.status, 200);
        const json echoed = json::parse(response.body.toStdString());
        QCOMPARE(echoed["path"], "/v1/users");
        QCOMPARE(echoed["query"]["page"], "2");
        const auto received = m_upstream.received();
        QCOMPARE(received.size(), size_t(1));
        QCOMPARE(received[0]["headers"]["authorization"], "Bearer " + m_canary.toStdString());
        QVERIFY(received[0]["headers"]["user-agent"].get<std::string>().rfind("Keyward/", 0) == 0);
    }

    void tokenInTheServicesOwnHeader()
    {
        m_upstream.clearReceived();
        const Response response = send("GET", QStringLiteral("/proxy/hdr/echo"), {{"X-Api-Key", m_token}});
        QCOMPARE(response.status, 200);
        QCOMPARE(m_upstream.received().at(0)["headers"]["x-api-key"], m_canary.toStdString());
    }

    void postBodyAndContentTypePassThrough()
    {
        m_upstream.clearReceived();
        const Response response = send("POST", QStringLiteral("/proxy/api/items"),
                                       {{"Authorization", "Bearer " + m_token}, {"Content-Type", "application/json"}},
                                       "{\"name\":\"x\"}");
        QCOMPARE(response.status, 200);
        const auto received = m_upstream.received();
        QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(received.at(0)["body"].get<std::string>())),
                 QByteArray("{\"name\":\"x\"}"));
        QCOMPARE(received.at(0)["headers"]["content-type"], "application/json");
    }

    void refusalsAreHttpErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("authorization");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("error");
        QTest::newRow("no token") << QByteArray("GET") << "/proxy/api/users" << QByteArray() << 401 << QByteArray("unauthorized");
        QTest::newRow("unknown token") << QByteArray("GET") << "/proxy/api/users"
                                       << QByteArray("Bearer kwa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") << 401
                                       << QByteArray("unauthorized");
        QTest::newRow("a real key instead of the token") << QByteArray("GET") << "/proxy/api/users"
                                                         << QByteArray("Bearer ghp_notatoken") << 401 << QByteArray("unauthorized");
        QTest::newRow("unknown service, no token") << QByteArray("GET") << "/proxy/nope/x" << QByteArray() << 401
                                                   << QByteArray("unauthorized");
        QTest::newRow("unknown service") << QByteArray("GET") << "/proxy/nope/x" << QByteArray("TOKEN") << 404
                                         << QByteArray("unknown_service");
        QTest::newRow("denied path") << QByteArray("GET") << "/proxy/api/private/keys" << QByteArray("TOKEN") << 403
                                     << QByteArray("denied");
        QTest::newRow("dot-dot escape") << QByteArray("GET") << "/proxy/api/public/%2e%2e/private/keys" << QByteArray("TOKEN")
                                        << 403 << QByteArray("denied");
        QTest::newRow("method not allowed") << QByteArray("DELETE") << "/proxy/api/items" << QByteArray("TOKEN") << 403
                                            << QByteArray("denied");
        QTest::newRow("bad service name") << QByteArray("GET") << "/proxy/API/x" << QByteArray("TOKEN") << 400
                                          << QByteArray("invalid_argument");
    }
    void refusalsAreHttpErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, authorization);
        QFETCH(int, status);
        QFETCH(QByteArray, error);
        m_upstream.clearReceived();
        QList<QPair<QByteArray, QByteArray>> headers;
        if (authorization == "TOKEN")
            headers = bearer(m_token);
        else if (!authorization.isEmpty())
            headers = {{"Authorization", authorization}};
        const Response response = send(method, path, headers);
        QCOMPARE(response.status, status);
        QCOMPARE(response.header("x-keyward-error"), error);
        const json body = json::parse(response.body.toStdString(), nullptr, false);
        QVERIFY2(body.is_object() && body["message"].is_string(), response.body.constData());
        QVERIFY(!response.body.contains("ghp_notatoken"));
        if (status == 401)
            QVERIFY(!response.header("www-authenticate").isEmpty());
        QVERIFY2(m_upstream.received().empty(), "a refused call reached the upstream");
    }

    void forwardingHeadersAreRefusedByTheGate()
    {
        const Response response = send("GET", QStringLiteral("/proxy/api/users"),
                                       {{"Authorization", "Bearer " + m_token}, {"X-Forwarded-For", "10.0.0.1"}});
        QCOMPARE(response.status, 403);
        QVERIFY2(response.body.contains("header:x-forwarded-for"), response.body.constData());
    }

    void reflectedSecretIsRedactedFromAChunkedStream()
    {
        const Response response = send("GET", QStringLiteral("/proxy/api/leak"), bearer(m_token));
        QCOMPARE(response.status, 200);
        QVERIFY(response.body.contains("[REDACTED:api]"));
        QVERIFY(response.header("x-echo-key").contains("[REDACTED:api]"));
        QVERIFY(response.header("set-cookie").isEmpty()); // a session cookie stays with Keyward
        QVERIFY(response.header("content-length").isEmpty() || response.header("content-length").toInt() == response.body.size());
    }

    void serverSentEventsStreamAsTheyArrive()
    {
        // A raw socket, so what is measured is when Keyward sent each part, not a client's buffering.
        const QUrl base(m_base);
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(base.port()));
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET /proxy/api/sse?ms=400 HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(base.port()) +
                     "\r\nAuthorization: Bearer " + m_token + "\r\nConnection: close\r\n\r\n");
        QElapsedTimer timer;
        timer.start();
        QByteArray received;
        qint64 firstEventMs = -1;
        while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 20000) {
            socket.waitForReadyRead(100);
            received += socket.readAll();
            if (firstEventMs < 0 && dechunkedBody(received).contains("data: {\"delta\":\"hello\"}"))
                firstEventMs = timer.elapsed();
        }
        received += socket.readAll();
        const qint64 totalMs = timer.elapsed();
        m_leaked |= m_detector.containsSecret(received);
        QVERIFY2(received.startsWith("HTTP/1.1 200"), received.constData());
        QVERIFY(received.toLower().contains("content-type: text/event-stream"));
        QVERIFY(received.toLower().contains("transfer-encoding: chunked"));
        const QByteArray body = dechunkedBody(received);
        QVERIFY2(body.startsWith("data: {\"delta\":\"hello\"}\n\n"), body.constData());
        QVERIFY(body.contains("data: {\"delta\":\"[REDACTED:api]\"}\n\n"));
        QVERIFY(body.endsWith("data: [DONE]\n\n"));
        // The first event arrived long before the stream ended: it was not buffered whole.
        qInfo("first event after %lld ms, stream ended after %lld ms", firstEventMs, totalMs);
        QVERIFY2(firstEventMs >= 0 && totalMs - firstEventMs >= 600,
                 qPrintable(QStringLiteral("first event %1 ms, end %2 ms").arg(firstEventMs).arg(totalMs)));
    }

    void killSwitchStopsProxiedCalls()
    {
        const auto killed = runKeyward(m_home, {QStringLiteral("kill"), QStringLiteral("--agent"), QStringLiteral("sdk")});
        QVERIFY2(killed.exitCode == 0, killed.err.constData());
        const Response refused = send("GET", QStringLiteral("/proxy/api/users"), bearer(m_token));
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.header("x-keyward-error"), QByteArray("killed"));
        const auto resumed = runKeyward(m_home, {QStringLiteral("resume"), QStringLiteral("--agent"), QStringLiteral("sdk")});
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const Response again = send("GET", QStringLiteral("/proxy/api/users"), bearer(m_token));
        QVERIFY2(again.status == 200, again.body.constData());
    }

    void everyCallIsAuditedUnderTheTokensAgent()
    {
        const auto log = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("--json"), QStringLiteral("--agent"),
                                             QStringLiteral("sdk"), QStringLiteral("--limit"), QStringLiteral("100")});
        QVERIFY2(log.exitCode == 0, log.err.constData());
        int allowed = 0, denied = 0, killed = 0;
        for (const QByteArray &line : log.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const json row = json::parse(line.toStdString());
            QCOMPARE(row["client"], "proxy");
            const std::string decision = row["decision"];
            allowed += decision == "allowed";
            denied += decision == "denied";
            killed += decision == "killed";
        }
        QVERIFY2(allowed == 6 && denied == 4 && killed == 1,
                 qPrintable(QStringLiteral("allowed %1, denied %2, killed %3").arg(allowed).arg(denied).arg(killed)));
        QVERIFY(!m_detector.containsSecret(log.out));
        const auto verified = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(verified.exitCode, 0);
    }

    void cleanupTestCase()
    {
        QVERIFY2(!m_leaked, "the secret reached the client");
        if (m_serve.state() != QProcess::NotRunning) {
            m_serve.terminate();
            QVERIFY(m_serve.waitForFinished(10000));
            QVERIFY(!m_detector.containsSecret(m_serve.readAllStandardError()));
        }
    }
};

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
