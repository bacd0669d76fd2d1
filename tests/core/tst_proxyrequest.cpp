// The /proxy request translation: where the agent token is found for each auth type, that no
// credential slot travels on, and how the path, query, headers, body and reason become the
// arguments of `execute` that the gate then judges.

#include "reverseproxy/proxyrequest.h"

#include <QtTest>

using keyward::AuthType;
using keyward::ServiceConfig;
using keyward::reverseproxy::ProxyRequest;
using Headers = QList<QPair<QByteArray, QByteArray>>;

namespace {

const QByteArray kToken = "kwa_AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjj";

ServiceConfig serviceWith(AuthType type, const QString &header = {}, const QString &prefix = {}, const QString &param = {})
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com/v1");
    service.auth.type = type;
    service.auth.header = header;
    service.auth.prefix = prefix;
    service.auth.param = param;
    return service;
}

} // namespace

class TestProxyRequest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void targetNamesAServiceAndAPath_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QString>("service");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("ok");
        QTest::newRow("service and path") << QByteArray("/github/repos/a/b") << "github" << QByteArray("/repos/a/b") << true;
        QTest::newRow("service only") << QByteArray("/github") << "github" << QByteArray("/") << true;
        QTest::newRow("trailing slash") << QByteArray("/github/") << "github" << QByteArray("/") << true;
        QTest::newRow("encoded path kept for the gate") << QByteArray("/s/a%2Fb") << "s" << QByteArray("/a%2Fb") << true;
        QTest::newRow("no service") << QByteArray("/") << QString() << QByteArray() << false;
        QTest::newRow("empty") << QByteArray("") << QString() << QByteArray() << false;
        QTest::newRow("uppercase name") << QByteArray("/GitHub/x") << QString() << QByteArray() << false;
        QTest::newRow("dot-dot as name") << QByteArray("/../x") << QString() << QByteArray() << false;
        QTest::newRow("encoded slash in name") << QByteArray("/a%2Fb/x") << QString() << QByteArray() << false;
    }
    void targetNamesAServiceAndAPath()
    {
        QFETCH(QByteArray, target);
        QFETCH(QString, service);
        QFETCH(QByteArray, path);
        QFETCH(bool, ok);
        const auto split = keyward::reverseproxy::splitProxyTarget(target);
        QCOMPARE(bool(split), ok);
        if (ok) {
            QCOMPARE(split->service, service);
            QCOMPARE(split->path, path);
        }
    }

    void tokenIsFoundWhereTheSdkPutsItsKey_data()
    {
        QTest::addColumn<int>("authType");
        QTest::addColumn<Headers>("headers");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<bool>("found");
        const int bearer = int(AuthType::Bearer), header = int(AuthType::Header), basic = int(AuthType::Basic),
                  query = int(AuthType::Query);
        QTest::newRow("bearer") << bearer << Headers{{"authorization", "Bearer " + kToken}} << QByteArray() << true;
        QTest::newRow("bearer, any case") << bearer << Headers{{"authorization", "bearer " + kToken}} << QByteArray() << true;
        QTest::newRow("bearer on a header service") << header << Headers{{"authorization", "Bearer " + kToken}} << QByteArray() << true;
        QTest::newRow("own header") << header << Headers{{"x-api-key", kToken}} << QByteArray() << true;
        QTest::newRow("own header after its prefix") << header << Headers{{"x-api-key", "Token " + kToken}} << QByteArray() << true;
        QTest::newRow("basic password") << basic << Headers{{"authorization", "Basic " + QByteArray("AC42:" + kToken).toBase64()}}
                                        << QByteArray() << true;
        QTest::newRow("query parameter") << query << Headers{} << QByteArray("a=1&key=" + kToken) << true;
        QTest::newRow("nothing") << bearer << Headers{} << QByteArray() << false;
        QTest::newRow("a real key in Authorization") << bearer << Headers{{"authorization", "Bearer ghp_realkey"}}
                                                     << QByteArray() << false;
        QTest::newRow("a real key in the own header") << header << Headers{{"x-api-key", "sk_live_real"}} << QByteArray() << false;
        QTest::newRow("a real key as the query parameter") << query << Headers{} << QByteArray("key=sk_live_real") << false;
        QTest::newRow("basic with a real password") << basic << Headers{{"authorization", "Basic " + QByteArray("AC42:pw").toBase64()}}
                                                    << QByteArray() << false;
        QTest::newRow("query token on a bearer service") << bearer << Headers{} << QByteArray("key=" + kToken) << false;
    }
    void tokenIsFoundWhereTheSdkPutsItsKey()
    {
        QFETCH(int, authType);
        QFETCH(Headers, headers);
        QFETCH(QByteArray, query);
        QFETCH(bool, found);
        const ServiceConfig service = serviceWith(AuthType(authType), QStringLiteral("X-Api-Key"), QStringLiteral("Token "),
                                                  QStringLiteral("key"));
        ProxyRequest request{"GET", "/s/x", query, headers, {}};
        const auto token = keyward::reverseproxy::findAgentToken(request, service);
        QCOMPARE(bool(token), found);
        if (found) {
            QCOMPARE(*token, kToken);
        } else {
            QCOMPARE(token.error().code, QStringLiteral("unauthorized"));
            QVERIFY(!token.error().message.contains(QLatin1String("ghp_realkey")));
            QVERIFY(!token.error().message.contains(QLatin1String("sk_live_real")));
        }
    }

    void argumentsCarryTheCallButNoCredential()
    {
        const ServiceConfig service = serviceWith(AuthType::Query, {}, {}, QStringLiteral("key"));
        ProxyRequest request{"post",
                             "/s/items",
                             "key=" + kToken + "&tag=a&tag=b%20c&q=x+y",
                             {{"host", "127.0.0.1:4000"},
                              {"authorization", "Bearer " + kToken},
                              {"content-type", "application/json"},
                              {"content-length", "7"},
                              {"accept-encoding", "gzip"},
                              {"user-agent", "sdk/1"},
                              {"accept", "text/event-stream"},
                              {"x-custom", "1"},
                              {"x-custom", "2"},
                              {"x-keyward-reason", "triage issue 42"},
                              {"x-forwarded-for", "10.0.0.1"}},
                             "{\"a\":1}"};
        const auto args = keyward::reverseproxy::toExecuteArguments(request, QStringLiteral("s"), service, "/items");
        QVERIFY(args);
        QCOMPARE(args->method, QStringLiteral("POST"));
        QCOMPARE(args->path, QStringLiteral("/items"));
        QCOMPARE(args->query.dump(), std::string("{\"q\":\"x y\",\"tag\":[\"a\",\"b c\"]}"));
        // Forwarding headers stay for the gate to refuse; transport and credential headers are gone.
        QCOMPARE(args->headers.dump(), std::string("{\"accept\":\"text/event-stream\",\"content-type\":\"application/json\","
                                                   "\"x-custom\":\"1, 2\",\"x-forwarded-for\":\"10.0.0.1\"}"));
        QCOMPARE(args->reason, QStringLiteral("triage issue 42"));
        QVERIFY(args->body.has_value());
        QCOMPARE(*args->body, QByteArray("{\"a\":1}"));
        QVERIFY(!args->bodyIsJson);
    }
};

QTEST_GUILESS_MAIN(TestProxyRequest)
#include "tst_proxyrequest.moc"
