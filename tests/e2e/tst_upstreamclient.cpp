// UpstreamClient against a real HTTPS server on 127.0.0.1 with its own certificate.

#include "support/httpsupstream.h"
#include "upstream/upstreamclient.h"

#include <QNetworkAccessManager>
#include <QTcpServer>
#include <QtTest>

using namespace keyward;

class TestUpstreamClient : public QObject {
    Q_OBJECT

    test::HttpsUpstream m_upstream;
    QNetworkAccessManager m_network;

    Result<UpstreamResponse> call(UpstreamRequest request)
    {
        UpstreamClient client(m_network);
        std::optional<Result<UpstreamResponse>> result;
        client.send(request, [&](Result<UpstreamResponse> r) { result = std::move(r); });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 30000))
            return Error{QStringLiteral("test"), QStringLiteral("no answer within 30 s")};
        return std::move(*result);
    }

    UpstreamRequest trusted(const QString &path)
    {
        UpstreamRequest request;
        request.url = QUrl(m_upstream.baseUrl(path));
        request.method = "GET";
        request.extraCaCertificates = QSslCertificate::fromPath(m_upstream.caFile());
        return request;
    }

    // Sends `request` with `cancellation`, cancels it once `cancelWhen` holds, and counts answers.
    struct Cancelled {
        int answers = 0;
        std::optional<Result<UpstreamResponse>> result;
    };
    std::shared_ptr<Cancelled> sendCancelled(UpstreamClient &client, const UpstreamRequest &request,
                                             const std::shared_ptr<Cancellation> &cancellation)
    {
        auto outcome = std::make_shared<Cancelled>();
        client.send(request, [outcome](Result<UpstreamResponse> r) {
            ++outcome->answers;
            outcome->result = std::move(r);
        }, cancellation);
        return outcome;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString())); }

    void cancelledBeforeSendingSendsNothing()
    {
        UpstreamClient client(m_network);
        m_upstream.clearReceived();
        auto cancellation = Cancellation::create();
        cancellation->cancel(QStringLiteral("client disconnected"));
        const auto outcome = sendCancelled(client, trusted(QStringLiteral("/echo")), cancellation);
        QCOMPARE(outcome->answers, 0); // from the event loop, never inside send()
        QTRY_COMPARE(outcome->answers, 1);
        QVERIFY(outcome->result->ok());
        QVERIFY((*outcome->result)->cancelled);
        QCOMPARE((*outcome->result)->status, 0);
        QTest::qWait(200);
        QVERIFY(m_upstream.received().empty());
    }

    void cancelBeforeTheHeadersAbortsAtOnce()
    {
        UpstreamClient client(m_network);
        m_upstream.clearReceived();
        auto cancellation = Cancellation::create();
        const auto outcome = sendCancelled(client, trusted(QStringLiteral("/slow?ms=20000")), cancellation);
        QTRY_VERIFY_WITH_TIMEOUT(!m_upstream.received().empty(), 10000);
        cancellation->cancel(QStringLiteral("killed"));
        QCOMPARE(outcome->answers, 1); // within cancel()
        QVERIFY((*outcome->result)->cancelled);
        QCOMPARE((*outcome->result)->status, 0);
        QTest::qWait(100);
        QCOMPARE(outcome->answers, 1);
    }

    void cancelAfterTheHeadersKeepsWhatArrived()
    {
        UpstreamClient client(m_network);
        m_upstream.clearReceived();
        auto cancellation = Cancellation::create();
        const auto outcome = sendCancelled(client, trusted(QStringLiteral("/drip?ms=20000")), cancellation);
        QTRY_VERIFY_WITH_TIMEOUT(!m_upstream.received().empty(), 10000);
        QTest::qWait(500); // the headers and the first chunk, sent at once, are read meanwhile
        cancellation->cancel(QStringLiteral("killed"));
        QCOMPARE(outcome->answers, 1);
        const UpstreamResponse &response = outcome->result->value();
        QVERIFY(response.cancelled);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("first chunk;"));
        QCOMPARE(response.bytesReceived, qint64(12));
    }

    void cancelAfterTheAnswerChangesNothing()
    {
        UpstreamClient client(m_network);
        auto cancellation = Cancellation::create();
        const auto outcome = sendCancelled(client, trusted(QStringLiteral("/echo")), cancellation);
        QTRY_COMPARE_WITH_TIMEOUT(outcome->answers, 1, 10000);
        cancellation->cancel(QStringLiteral("client disconnected"));
        QTest::qWait(50);
        QCOMPARE(outcome->answers, 1);
        QVERIFY(!(*outcome->result)->cancelled);
        QCOMPARE((*outcome->result)->status, 200);
    }

    void selfSignedUpstreamIsRefusedWithoutItsCa()
    {
        UpstreamRequest request = trusted(QStringLiteral("/x"));
        request.extraCaCertificates.clear();
        const auto result = call(request);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("upstream_error"));
        QVERIFY2(result.error().message.contains(QStringLiteral("--ca-file")), qPrintable(result.error().message));
    }

    void trustedUpstreamAnswers()
    {
        UpstreamRequest request = trusted(QStringLiteral("/echo"));
        request.method = "POST";
        request.headers = {{"Content-Type", "application/json"}};
        request.body = R"({"a":1})";
        const auto result = call(request);
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
        QCOMPARE(result->status, 200);
        const auto echoed = nlohmann::json::parse(result->body.toStdString());
        QCOMPARE(echoed["method"], "POST");
        QCOMPARE(echoed["body"], R"({"a":1})");
        QVERIFY(!result->truncated);
    }

    void redirectIsReturnedNotFollowed()
    {
        const auto result = call(trusted(QStringLiteral("/redirect")));
        QVERIFY(result.ok());
        QCOMPARE(result->status, 302);
        bool sawLocation = false;
        for (const auto &[name, value] : result->headers)
            sawLocation |= name == "location" && value == "https://evil.example/steal";
        QVERIFY(sawLocation);
    }

    void httpErrorStatusIsAResponse()
    {
        const auto result = call(trusted(QStringLiteral("/status/503")));
        QVERIFY(result.ok());
        QCOMPARE(result->status, 503);
    }

    void bodyOverTheCapIsTruncated()
    {
        UpstreamRequest request = trusted(QStringLiteral("/big?n=200000"));
        request.maxResponseBytes = 1000;
        request.overreadBytes = 24;
        const auto result = call(request);
        QVERIFY(result.ok());
        QVERIFY(result->truncated);
        QCOMPARE(result->body.size(), 1024);
    }

    void binaryBodyArrivesIntact()
    {
        const auto result = call(trusted(QStringLiteral("/binary")));
        QVERIFY(result.ok());
        QCOMPARE(result->body.size(), 256);
        QCOMPARE(uchar(result->body.at(255)), uchar(255));
    }

    void slowUpstreamTimesOut()
    {
        UpstreamRequest request = trusted(QStringLiteral("/slow?ms=3000"));
        request.timeoutMs = 300;
        const auto result = call(request);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(QStringLiteral("did not answer in time")), qPrintable(result.error().message));
    }

    void untrustedRequestDoesNotRideATrustedConnection()
    {
        QVERIFY(call(trusted(QStringLiteral("/warm"))).ok());
        UpstreamRequest request = trusted(QStringLiteral("/x"));
        request.extraCaCertificates.clear();
        const auto result = call(request);
        QVERIFY2(!result.ok(), "a request without the CA reused a connection verified with it");
        QVERIFY(call(trusted(QStringLiteral("/again"))).ok());
    }

    void refusedConnectionIsAnUpstreamError()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        UpstreamRequest request;
        request.url = QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(port));
        request.method = "GET";
        const auto result = call(request);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(QStringLiteral("refused")), qPrintable(result.error().message));
    }
};

QTEST_GUILESS_MAIN(TestUpstreamClient)
#include "tst_upstreamclient.moc"
