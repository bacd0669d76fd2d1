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

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString())); }

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
