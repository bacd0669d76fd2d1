// filterHeaders: security-relevant headers are refused with header:<name>, malformed ones with
// header:invalid, the allow-list is kept and everything else is dropped and reported.

#include "policy/denial.h"
#include "policy/headerguard.h"

#include <QtTest>

using keyward::AuthType;
using keyward::ServiceConfig;
using keyward::policy::FilteredHeaders;
using keyward::policy::filterHeaders;
using json = nlohmann::json;

namespace {

// A service whose credential goes in X-Api-Key, with one fixed header and one extra allowed header.
ServiceConfig headerService()
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com/v1");
    service.auth.type = AuthType::Header;
    service.auth.header = QStringLiteral("X-Api-Key");
    service.setHeaders = {{QStringLiteral("anthropic-version"), QStringLiteral("2023-06-01")}};
    service.policy.allowHeaders = {QStringLiteral("X-GitHub-Api-Version"), QStringLiteral("prefer")};
    return service;
}

ServiceConfig bearerService()
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com");
    service.auth.type = AuthType::Bearer;
    return service;
}

// JSON written with ' for " (so the test data needs no escaping and no raw strings, which moc
// misreads).
json parse(QByteArray text)
{
    return json::parse(text.replace('\'', '"').toStdString());
}

} // namespace

class TestHeaderGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void securityHeaderIsRefused_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QString>("rule");

        QTest::newRow("authorization") << QByteArray("{'Authorization':'Bearer x'}") << "header:authorization";
        QTest::newRow("authorization lowercase") << QByteArray("{'authorization':'Bearer x'}") << "header:authorization";
        QTest::newRow("authorization uppercase") << QByteArray("{'AUTHORIZATION':'Basic eA=='}") << "header:authorization";
        QTest::newRow("authorization mixed case") << QByteArray("{'aUtHoRiZaTiOn':'x'}") << "header:authorization";
        QTest::newRow("proxy-authorization") << QByteArray("{'Proxy-Authorization':'x'}") << "header:proxy-authorization";
        QTest::newRow("proxy-connection") << QByteArray("{'Proxy-Connection':'keep-alive'}") << "header:proxy-connection";
        QTest::newRow("any proxy header") << QByteArray("{'Proxy-Whatever':'x'}") << "header:proxy-whatever";
        QTest::newRow("cookie") << QByteArray("{'Cookie':'session=1'}") << "header:cookie";
        QTest::newRow("cookie2") << QByteArray("{'Cookie2':'x'}") << "header:cookie2";
        QTest::newRow("host") << QByteArray("{'Host':'evil.com'}") << "header:host";
        QTest::newRow("host lowercase") << QByteArray("{'host':'evil.com'}") << "header:host";
        QTest::newRow("forwarded") << QByteArray("{'Forwarded':'for=1.2.3.4'}") << "header:forwarded";
        QTest::newRow("x-forwarded-for") << QByteArray("{'X-Forwarded-For':'127.0.0.1'}") << "header:x-forwarded-for";
        QTest::newRow("x-forwarded-host") << QByteArray("{'X-Forwarded-Host':'evil.com'}") << "header:x-forwarded-host";
        QTest::newRow("x-forwarded-proto") << QByteArray("{'x-forwarded-proto':'http'}") << "header:x-forwarded-proto";
        QTest::newRow("x-forwarded-prefix") << QByteArray("{'X-Forwarded-Prefix':'/admin'}") << "header:x-forwarded-prefix";
        QTest::newRow("any x-forwarded header") << QByteArray("{'X-Forwarded-Anything':'x'}") << "header:x-forwarded-anything";
        QTest::newRow("bare x-forwarded") << QByteArray("{'X-Forwarded':'x'}") << "header:x-forwarded";
        QTest::newRow("x-real-ip") << QByteArray("{'X-Real-IP':'127.0.0.1'}") << "header:x-real-ip";
        QTest::newRow("x-client-ip") << QByteArray("{'X-Client-IP':'127.0.0.1'}") << "header:x-client-ip";
        QTest::newRow("true-client-ip") << QByteArray("{'True-Client-IP':'127.0.0.1'}") << "header:true-client-ip";
        QTest::newRow("cf-connecting-ip") << QByteArray("{'CF-Connecting-IP':'1.1.1.1'}") << "header:cf-connecting-ip";
        QTest::newRow("x-originating-ip") << QByteArray("{'X-Originating-IP':'1.1.1.1'}") << "header:x-originating-ip";
        QTest::newRow("x-host") << QByteArray("{'X-Host':'evil.com'}") << "header:x-host";
        QTest::newRow("x-original-host") << QByteArray("{'X-Original-Host':'evil.com'}") << "header:x-original-host";
        QTest::newRow("x-http-method-override") << QByteArray("{'X-HTTP-Method-Override':'DELETE'}")
                                                << "header:x-http-method-override";
        QTest::newRow("x-http-method") << QByteArray("{'X-HTTP-Method':'DELETE'}") << "header:x-http-method";
        QTest::newRow("x-method-override") << QByteArray("{'X-Method-Override':'PUT'}") << "header:x-method-override";
        QTest::newRow("x-original-url") << QByteArray("{'X-Original-URL':'/admin'}") << "header:x-original-url";
        QTest::newRow("x-rewrite-url") << QByteArray("{'X-Rewrite-URL':'/admin'}") << "header:x-rewrite-url";
        QTest::newRow("connection") << QByteArray("{'Connection':'close'}") << "header:connection";
        QTest::newRow("keep-alive") << QByteArray("{'Keep-Alive':'timeout=5'}") << "header:keep-alive";
        QTest::newRow("te") << QByteArray("{'TE':'trailers'}") << "header:te";
        QTest::newRow("trailer") << QByteArray("{'Trailer':'Expires'}") << "header:trailer";
        QTest::newRow("transfer-encoding") << QByteArray("{'Transfer-Encoding':'chunked'}") << "header:transfer-encoding";
        QTest::newRow("upgrade") << QByteArray("{'Upgrade':'websocket'}") << "header:upgrade";
        QTest::newRow("http2-settings") << QByteArray("{'HTTP2-Settings':'AAMAAABkAAQAAP__'}") << "header:http2-settings";
        QTest::newRow("content-length") << QByteArray("{'Content-Length':'0'}") << "header:content-length";
        QTest::newRow("credential header") << QByteArray("{'X-Api-Key':'stolen'}") << "header:x-api-key";
        QTest::newRow("credential header lowercase") << QByteArray("{'x-api-key':'stolen'}") << "header:x-api-key";
        QTest::newRow("credential header uppercase") << QByteArray("{'X-API-KEY':'stolen'}") << "header:x-api-key";
        QTest::newRow("refused even after allowed ones") << QByteArray("{'Accept':'text/html','Cookie':'a=b'}")
                                                         << "header:cookie";
        QTest::newRow("name with trailing space") << QByteArray("{'Authorization ':'x'}") << "header:invalid";
        QTest::newRow("name with leading space") << QByteArray("{' Host':'evil.com'}") << "header:invalid";
        QTest::newRow("name with colon") << QByteArray("{'Host:':'evil.com'}") << "header:invalid";
        QTest::newRow("pseudo-header") << QByteArray("{':authority':'evil.com'}") << "header:invalid";
        QTest::newRow("empty name") << QByteArray("{'':'x'}") << "header:invalid";
        QTest::newRow("name with CR LF") << QByteArray("{'X-A\\r\\nHost':'evil.com'}") << "header:invalid";
        QTest::newRow("name with NUL") << QByteArray("{'Accept\\u0000':'x'}") << "header:invalid";
        QTest::newRow("name with slash") << QByteArray("{'Content/Type':'x'}") << "header:invalid";
        QTest::newRow("name with non-ASCII") << QByteArray("{'Acc\\u00e9pt':'x'}") << "header:invalid";
        QTest::newRow("name with parenthesis") << QByteArray("{'Accept(':'x'}") << "header:invalid";
        QTest::newRow("value with CR LF (request splitting)")
            << QByteArray("{'Accept':'a\\r\\nAuthorization: Bearer x'}") << "header:invalid";
        QTest::newRow("value with LF") << QByteArray("{'Accept':'a\\nb'}") << "header:invalid";
        QTest::newRow("value with CR") << QByteArray("{'Accept':'a\\rb'}") << "header:invalid";
        QTest::newRow("value with NUL") << QByteArray("{'Accept':'a\\u0000b'}") << "header:invalid";
        QTest::newRow("value with escape char") << QByteArray("{'Accept':'a\\u001bb'}") << "header:invalid";
        QTest::newRow("value with DEL") << QByteArray("{'Accept':'a\\u007fb'}") << "header:invalid";
        QTest::newRow("value with NEL") << QByteArray("{'Accept':'a\\u0085b'}") << "header:invalid";
        QTest::newRow("value with line separator") << QByteArray("{'Accept':'a\\u2028b'}") << "header:invalid";
        QTest::newRow("dropped header with CR LF value") << QByteArray("{'X-Unknown':'a\\r\\nb'}") << "header:invalid";
    }
    void securityHeaderIsRefused()
    {
        QFETCH(QByteArray, headers);
        QFETCH(QString, rule);
        const auto result = filterHeaders(parse(headers), headerService());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, rule);
        QVERIFY(keyward::policy::isDenial(result.error()));
        QCOMPARE(keyward::policy::errorKind(result.error()), QStringLiteral("denied"));
        QVERIFY(!result.error().message.contains(u'\n'));
        QVERIFY(!result.error().message.contains(u'\r'));
    }

    void securityHeaderCannotBeAllowedByPolicy_data()
    {
        QTest::addColumn<QString>("name");

        QTest::newRow("authorization") << "Authorization";
        QTest::newRow("cookie") << "Cookie";
        QTest::newRow("host") << "Host";
        QTest::newRow("x-forwarded-for") << "X-Forwarded-For";
        QTest::newRow("credential header") << "X-Api-Key";
        QTest::newRow("transfer-encoding") << "Transfer-Encoding";
    }
    void securityHeaderCannotBeAllowedByPolicy()
    {
        QFETCH(QString, name);
        ServiceConfig service = headerService();
        service.policy.allowHeaders.append(name.toLower());
        const auto result = filterHeaders(json{{name.toStdString(), "x"}}, service);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("header:") + name.toLower());
    }

    void allowedHeadersAreKeptAndOthersDropped_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QStringList>("kept");    // name=value
        QTest::addColumn<QStringList>("dropped"); // names

        QTest::newRow("null means no headers") << QByteArray("null") << QStringList() << QStringList();
        QTest::newRow("empty object") << QByteArray("{}") << QStringList() << QStringList();
        QTest::newRow("accept") << QByteArray("{'Accept':'application/json'}")
                                << QStringList{"Accept=application/json"} << QStringList();
        QTest::newRow("accept-language") << QByteArray("{'Accept-Language':'fr'}") << QStringList{"Accept-Language=fr"}
                                         << QStringList();
        QTest::newRow("content-type") << QByteArray("{'Content-Type':'text/plain'}")
                                      << QStringList{"Content-Type=text/plain"} << QStringList();
        QTest::newRow("idempotency-key") << QByteArray("{'Idempotency-Key':'k1'}") << QStringList{"Idempotency-Key=k1"}
                                         << QStringList();
        QTest::newRow("if-match") << QByteArray("{'If-Match':'\\u0022e1\\u0022'}") << QStringList{"If-Match=\"e1\""}
                                  << QStringList();
        QTest::newRow("if-none-match") << QByteArray("{'If-None-Match':'*'}") << QStringList{"If-None-Match=*"}
                                       << QStringList();
        QTest::newRow("agent's case kept") << QByteArray("{'aCCept':'x'}") << QStringList{"aCCept=x"} << QStringList();
        QTest::newRow("per-service allowed header") << QByteArray("{'x-github-api-version':'2022-11-28'}")
                                                    << QStringList{"x-github-api-version=2022-11-28"} << QStringList();
        QTest::newRow("per-service allowed header other case") << QByteArray("{'PREFER':'return=minimal'}")
                                                               << QStringList{"PREFER=return=minimal"} << QStringList();
        QTest::newRow("unknown header dropped") << QByteArray("{'X-Custom':'1'}") << QStringList()
                                                << QStringList{"X-Custom"};
        QTest::newRow("user-agent dropped") << QByteArray("{'User-Agent':'curl'}") << QStringList()
                                            << QStringList{"User-Agent"};
        QTest::newRow("fixed header dropped") << QByteArray("{'Anthropic-Version':'2020-01-01'}") << QStringList()
                                              << QStringList{"Anthropic-Version"};
        QTest::newRow("origin dropped") << QByteArray("{'Origin':'https://evil.com'}") << QStringList()
                                        << QStringList{"Origin"};
        QTest::newRow("referer dropped") << QByteArray("{'Referer':'x'}") << QStringList() << QStringList{"Referer"};
        QTest::newRow("expect dropped") << QByteArray("{'Expect':'100-continue'}") << QStringList()
                                        << QStringList{"Expect"};
        QTest::newRow("accept-encoding dropped") << QByteArray("{'Accept-Encoding':'br'}") << QStringList()
                                                 << QStringList{"Accept-Encoding"};
        QTest::newRow("mix kept and dropped in object order")
            << QByteArray("{'Accept':'a','X-B':'b','Content-Type':'c','X-D':'d'}")
            << QStringList{"Accept=a", "Content-Type=c"} << QStringList{"X-B", "X-D"};
        QTest::newRow("value with tab allowed") << QByteArray("{'Accept':'a\\tb'}") << QStringList{"Accept=a\tb"}
                                                << QStringList();
        QTest::newRow("value with non-ASCII allowed") << QByteArray("{'Accept-Language':'fr-\\u00e9'}")
                                                      << QStringList{QString::fromUtf8("Accept-Language=fr-\u00e9")}
                                                      << QStringList();
        QTest::newRow("empty value allowed") << QByteArray("{'If-None-Match':''}") << QStringList{"If-None-Match="}
                                             << QStringList();
    }
    void allowedHeadersAreKeptAndOthersDropped()
    {
        QFETCH(QByteArray, headers);
        QFETCH(QStringList, kept);
        QFETCH(QStringList, dropped);
        const auto result = filterHeaders(parse(headers), headerService());
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QStringList keptText;
        for (const auto &[name, value] : result->headers)
            keptText.append(name + u'=' + value);
        QCOMPARE(keptText, kept);
        QCOMPARE(result->dropped, dropped);
    }

    void fixedHeaderWinsOverAllowList()
    {
        ServiceConfig service = headerService();
        service.policy.allowHeaders.append(QStringLiteral("Anthropic-Version"));
        const auto result = filterHeaders(parse("{'anthropic-version':'x'}"), service);
        QVERIFY(result.ok());
        QVERIFY(result->headers.isEmpty());
        QCOMPARE(result->dropped, QStringList{QStringLiteral("anthropic-version")});
    }

    void credentialHeaderOfOtherAuthTypesIsOnlyDropped()
    {
        // With bearer auth, X-Api-Key is just an unknown header.
        const auto result = filterHeaders(parse("{'X-Api-Key':'x'}"), bearerService());
        QVERIFY(result.ok());
        QCOMPARE(result->dropped, QStringList{QStringLiteral("X-Api-Key")});
    }

    void malformedHeadersAreInvalidArguments_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QString>("named"); // what the message names

        QTest::newRow("array") << QByteArray("['Accept']") << "object";
        QTest::newRow("string") << QByteArray("'Accept: x'") << "object";
        QTest::newRow("number value") << QByteArray("{'Accept':1}") << "Accept";
        QTest::newRow("null value") << QByteArray("{'Accept':null}") << "Accept";
        QTest::newRow("array value") << QByteArray("{'Accept':['a','b']}") << "Accept";
        QTest::newRow("object value") << QByteArray("{'If-Match':{}}") << "If-Match";
        QTest::newRow("boolean value of a refused header") << QByteArray("{'Authorization':true}") << "Authorization";
        QTest::newRow("same name in two cases") << QByteArray("{'Accept':'a','accept':'b'}") << "Accept";
    }
    void malformedHeadersAreInvalidArguments()
    {
        QFETCH(QByteArray, headers);
        QFETCH(QString, named);
        const auto result = filterHeaders(parse(headers), headerService());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid_argument"));
        QVERIFY(!keyward::policy::isDenial(result.error()));
        QVERIFY2(result.error().message.contains(named), qPrintable(result.error().message));
    }

    void defaultAllowListIsTheDesignList()
    {
        QCOMPARE(keyward::policy::defaultAllowedHeaders(),
                 QStringList({QStringLiteral("accept"), QStringLiteral("accept-language"), QStringLiteral("content-type"),
                              QStringLiteral("idempotency-key"), QStringLiteral("if-match"),
                              QStringLiteral("if-none-match")}));
    }
};

QTEST_APPLESS_MAIN(TestHeaderGuard)
#include "tst_headerguard.moc"
