// Credential injection for each auth type, Keyward's own headers, and query encoding.

#include "policy/queryguard.h"
#include "upstream/credentialinjector.h"

#include <QtTest>

using namespace keyward;

namespace {

QByteArray headerValue(const HeaderList &headers, const QByteArray &name)
{
    QByteArrayList values;
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            values << value;
    }
    return values.join("|");
}

ServiceConfig serviceWith(AuthType type)
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example/v1");
    service.auth.type = type;
    return service;
}

} // namespace

class TestCredentialInjector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void injectsEachAuthType_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("username");
        QTest::addColumn<QByteArray>("expectedHeaderName");
        QTest::addColumn<QByteArray>("expectedHeaderValue");
        QTest::addColumn<QByteArray>("expectedQuery");

        QTest::newRow("bearer") << int(AuthType::Bearer) << "" << "" << "" << "" << QByteArray("Authorization")
                                << QByteArray("Bearer s3cr3t/+=") << QByteArray("");
        QTest::newRow("basic") << int(AuthType::Basic) << "" << "" << "" << "AC123" << QByteArray("Authorization")
                               << ("Basic " + QByteArray("AC123:s3cr3t/+=").toBase64()) << QByteArray("");
        QTest::newRow("custom header without prefix") << int(AuthType::Header) << "X-Api-Key" << "" << "" << ""
                                                      << QByteArray("X-Api-Key") << QByteArray("s3cr3t/+=") << QByteArray("");
        QTest::newRow("custom header with prefix") << int(AuthType::Header) << "Authorization" << "Token " << "" << ""
                                                   << QByteArray("Authorization") << QByteArray("Token s3cr3t/+=") << QByteArray("");
        QTest::newRow("query parameter is encoded") << int(AuthType::Query) << "" << "" << "key" << "" << QByteArray("X-None")
                                                    << QByteArray("") << QByteArray("q=a%20b&key=s3cr3t%2F%2B%3D");
    }
    void injectsEachAuthType()
    {
        QFETCH(int, type);
        QFETCH(QString, header);
        QFETCH(QString, prefix);
        QFETCH(QString, param);
        QFETCH(QString, username);
        QFETCH(QByteArray, expectedHeaderName);
        QFETCH(QByteArray, expectedHeaderValue);
        QFETCH(QByteArray, expectedQuery);

        ServiceConfig service = serviceWith(AuthType(type));
        service.auth.header = header;
        service.auth.prefix = prefix;
        service.auth.param = param;
        service.auth.username = username;
        HeaderList headers{{"Accept", "application/json"}};
        QueryList query{{QStringLiteral("q"), QStringLiteral("a b")}};
        injectCredential(service, "s3cr3t/+=", headers, query);

        QCOMPARE(headerValue(headers, expectedHeaderName), expectedHeaderValue);
        QCOMPARE(headerValue(headers, "Accept"), QByteArray("application/json"));
        if (!expectedQuery.isEmpty())
            QCOMPARE(policy::encodeQuery(query), expectedQuery);
        else
            QCOMPARE(policy::encodeQuery(query), QByteArray("q=a%20b"));
    }

    void userAgentIsKeywards()
    {
        ServiceConfig service = serviceWith(AuthType::Bearer);
        HeaderList headers{{"user-agent", "curl/8"}};
        QueryList query;
        injectCredential(service, "k", headers, query);
        QVERIFY(headerValue(headers, "User-Agent").startsWith("Keyward/"));
        QVERIFY(!headerValue(headers, "User-Agent").contains('|'));
    }

    void fixedHeadersReplaceAgentOnes()
    {
        ServiceConfig service = serviceWith(AuthType::Header);
        service.auth.header = QStringLiteral("x-api-key");
        service.setHeaders = {{QStringLiteral("anthropic-version"), QStringLiteral("2023-06-01")}};
        HeaderList headers{{"Anthropic-Version", "1999-01-01"}, {"X-API-KEY", "agent-supplied"}};
        QueryList query;
        injectCredential(service, "real", headers, query);
        QCOMPARE(headerValue(headers, "anthropic-version"), QByteArray("2023-06-01"));
        QCOMPARE(headerValue(headers, "x-api-key"), QByteArray("real"));
    }

    void credentialReplacesAnyAgentAuthorization()
    {
        ServiceConfig service = serviceWith(AuthType::Bearer);
        HeaderList headers{{"authorization", "Bearer agent"}};
        QueryList query;
        injectCredential(service, "real", headers, query);
        QCOMPARE(headerValue(headers, "Authorization"), QByteArray("Bearer real"));
    }

    void revealingFormsCoverBasicPairs()
    {
        ServiceConfig basic = serviceWith(AuthType::Basic);
        basic.auth.username = QStringLiteral("me");
        QCOMPARE(revealingForms(basic, "pw"), (QList<QByteArray>{"pw", "me:pw"}));
        QCOMPARE(revealingForms(serviceWith(AuthType::Bearer), "tok"), QList<QByteArray>{"tok"});
    }
};

QTEST_APPLESS_MAIN(TestCredentialInjector)
#include "tst_credentialinjector.moc"
