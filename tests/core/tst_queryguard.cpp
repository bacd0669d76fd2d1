// checkQuery: value types, control characters, and the credential's query parameter in every
// spelling a lenient server might accept; encodeQuery keeps each value one parameter.

#include "policy/denial.h"
#include "policy/queryguard.h"

#include <QtTest>

using keyward::AuthType;
using keyward::ServiceConfig;
using keyward::policy::checkQuery;
using keyward::policy::checkQueryItems;
using keyward::policy::encodeQuery;
using keyward::policy::QueryItems;
using json = nlohmann::json;

namespace {

ServiceConfig queryService(const QString &param = QStringLiteral("api_key"))
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com");
    service.auth.type = AuthType::Query;
    service.auth.param = param;
    return service;
}

} // namespace

class TestQueryGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void credentialParameterIsRefusedInAnySpelling_data()
    {
        QTest::addColumn<QString>("key");

        QTest::newRow("exact") << "api_key";
        QTest::newRow("uppercase") << "API_KEY";
        QTest::newRow("mixed case") << "Api_Key";
        QTest::newRow("leading space") << " api_key";
        QTest::newRow("trailing space") << "api_key ";
        QTest::newRow("surrounding spaces") << "  api_key  ";
        QTest::newRow("trailing no-break space") << "api_key\u00a0";
        QTest::newRow("encoded underscore") << "api%5Fkey";
        QTest::newRow("encoded underscore lowercase") << "api%5fkey";
        QTest::newRow("encoded first letter") << "%61pi_key";
        QTest::newRow("fully encoded") << "%61%70%69%5F%6B%65%79";
        QTest::newRow("double-encoded underscore") << "api%255Fkey";
        QTest::newRow("triple-encoded letter") << "%25252561pi_key";
        QTest::newRow("encoded trailing space") << "api_key%20";
        QTest::newRow("plus as trailing space") << "api_key+";
        QTest::newRow("array suffix") << "api_key[]";
        QTest::newRow("indexed array suffix") << "api_key[0]";
        QTest::newRow("named array suffix") << "api_key[x]";
        QTest::newRow("encoded array suffix") << "api_key%5B%5D";
        QTest::newRow("uppercase array suffix") << "API_KEY[]";
        QTest::newRow("dot for underscore (PHP)") << "api.key";
        QTest::newRow("space for underscore (PHP)") << "api key";
        QTest::newRow("plus for underscore (PHP)") << "api+key";
        QTest::newRow("open bracket for underscore (PHP)") << "api[key";
        QTest::newRow("fullwidth letter") << "api_\uff4bey";
        QTest::newRow("kelvin sign for k") << "api_\u212aey";
        QTest::newRow("encoded NUL suffix") << "api_key%00";
        QTest::newRow("encoded NUL then junk") << "api_key%00junk";
    }
    void credentialParameterIsRefusedInAnySpelling()
    {
        QFETCH(QString, key);
        const json query = {{key.toStdString(), "stolen"}};
        const auto result = checkQuery(query, queryService());
        QVERIFY2(!result.ok(), qPrintable(key));
        QCOMPARE(result.error().code, QStringLiteral("query:api_key"));
        QCOMPARE(keyward::policy::errorKind(result.error()), QStringLiteral("denied"));
    }

    void credentialParameterIsRefusedAmongOthers()
    {
        const json query = {{"page", "2"}, {"tags", {"a", "b"}}, {"Api_Key", {"x"}}};
        const auto result = checkQuery(query, queryService());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("query:api_key"));
    }

    void otherParametersPass_data()
    {
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("key");

        QTest::newRow("different name") << "api_key" << "page";
        QTest::newRow("longer name") << "api_key" << "api_keys";
        QTest::newRow("prefix of the name") << "api_key" << "api";
        QTest::newRow("name without underscore") << "api_key" << "apikey";
        QTest::newRow("hyphen is not underscore") << "api_key" << "api-key";
        QTest::newRow("name inside another") << "key" << "monkey";
        QTest::newRow("name with a suffix") << "key" << "key_id";
        QTest::newRow("credential name as a prefix") << "token" << "token_type";
    }
    void otherParametersPass()
    {
        QFETCH(QString, param);
        QFETCH(QString, key);
        const json query = {{key.toStdString(), "v"}};
        const auto result = checkQuery(query, queryService(param));
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(*result, (QueryItems{{key, QStringLiteral("v")}}));
    }

    void credentialNameIsFreeForOtherAuthTypes_data()
    {
        QTest::addColumn<int>("authType");

        QTest::newRow("bearer") << int(AuthType::Bearer);
        QTest::newRow("basic") << int(AuthType::Basic);
        QTest::newRow("header") << int(AuthType::Header);
    }
    void credentialNameIsFreeForOtherAuthTypes()
    {
        QFETCH(int, authType);
        ServiceConfig service = queryService();
        service.auth.type = AuthType(authType);
        const auto result = checkQuery(json{{"api_key", "x"}}, service);
        QVERIFY(result.ok());
    }

    void queryIsFlattenedInOrder()
    {
        const json query = json::parse(R"({"b":"2","a":["x","y"],"c":[]})");
        const auto result = checkQuery(query, queryService());
        QVERIFY(result.ok());
        // nlohmann::json objects iterate in key order; arrays expand in element order.
        const QueryItems expected{{QStringLiteral("a"), QStringLiteral("x")},
                                  {QStringLiteral("a"), QStringLiteral("y")},
                                  {QStringLiteral("b"), QStringLiteral("2")}};
        QCOMPARE(*result, expected);
        QVERIFY(checkQuery(json(), queryService()).ok());
        QVERIFY(checkQuery(json(), queryService())->isEmpty());
    }

    void malformedQueryIsInvalidArgument_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("named");

        QTest::newRow("array") << QByteArray(R"(["a"])") << "`query`";
        QTest::newRow("string") << QByteArray(R"("a=b")") << "`query`";
        QTest::newRow("number") << QByteArray("1") << "`query`";
        QTest::newRow("number value") << QByteArray(R"({"page":2})") << "page";
        QTest::newRow("boolean value") << QByteArray(R"({"all":true})") << "all";
        QTest::newRow("null value") << QByteArray(R"({"x":null})") << "x";
        QTest::newRow("object value") << QByteArray(R"({"filter":{"a":"b"}})") << "filter";
        QTest::newRow("array with a number") << QByteArray(R"({"ids":["1",2]})") << "ids";
        QTest::newRow("nested array") << QByteArray(R"({"ids":[["1"]]})") << "ids";
        QTest::newRow("empty key") << QByteArray(R"({"":"x"})") << "empty name";
    }
    void malformedQueryIsInvalidArgument()
    {
        QFETCH(QByteArray, query);
        QFETCH(QString, named);
        const auto result = checkQuery(json::parse(query.toStdString()), queryService());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid_argument"));
        QVERIFY2(result.error().message.contains(named), qPrintable(result.error().message));
    }

    void controlCharactersAreRefused_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");

        QTest::newRow("key with LF") << "a\nb" << "v";
        QTest::newRow("key with CR LF") << "a\r\nHost: x" << "v";
        QTest::newRow("key with NUL") << QString::fromLatin1("api_key\0", 8) << "v";
        QTest::newRow("key with TAB inside") << "a\tb" << "v";
        QTest::newRow("key with DEL") << "a\x7f" << "v";
        QTest::newRow("key with NEL") << "a\u0085" << "v";
        QTest::newRow("value with NUL") << "a" << QString::fromLatin1("x\0y", 3);
    }
    void controlCharactersAreRefused()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        const auto result = checkQueryItems(QueryItems{{key, value}}, queryService());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("query:invalid"));
        QVERIFY(!result.error().message.contains(u'\n'));
    }

    void valueMayHoldAnyTextButNul()
    {
        const QueryItems items{{QStringLiteral("q"), QStringLiteral("line1\nline2 & api_key=x")}};
        const auto result = checkQueryItems(items, queryService());
        QVERIFY(result.ok());
    }

    void encodedQueryKeepsEachValueOneParameter_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QByteArray>("encoded");

        QTest::newRow("plain") << "page" << "2" << QByteArray("page=2");
        QTest::newRow("ampersand and equals in value") << "q" << "x&api_key=evil" << QByteArray("q=x%26api_key%3Devil");
        QTest::newRow("hash and question mark") << "q" << "a#b?c" << QByteArray("q=a%23b%3Fc");
        QTest::newRow("space and plus") << "q" << "a b+c" << QByteArray("q=a%20b%2Bc");
        QTest::newRow("percent") << "q" << "100%" << QByteArray("q=100%25");
        QTest::newRow("unreserved kept") << "a-b.c_d~" << "A-z.0_9~" << QByteArray("a-b.c_d~=A-z.0_9~");
        QTest::newRow("UTF-8") << "q" << "caf\u00e9" << QByteArray("q=caf%C3%A9");
        QTest::newRow("brackets in key") << "ids[]" << "1" << QByteArray("ids%5B%5D=1");
        QTest::newRow("line break") << "q" << "a\r\nb" << QByteArray("q=a%0D%0Ab");
        QTest::newRow("empty value") << "flag" << "" << QByteArray("flag=");
    }
    void encodedQueryKeepsEachValueOneParameter()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QByteArray, encoded);
        QCOMPARE(encodeQuery(QueryItems{{key, value}}), encoded);
    }

    void encodedQueryJoinsItemsInOrder()
    {
        const QueryItems items{{QStringLiteral("a"), QStringLiteral("1")},
                               {QStringLiteral("a"), QStringLiteral("2")},
                               {QStringLiteral("b"), QStringLiteral("")}};
        QCOMPARE(encodeQuery(items), QByteArray("a=1&a=2&b="));
        QCOMPARE(encodeQuery({}), QByteArray());
    }
};

QTEST_APPLESS_MAIN(TestQueryGuard)
#include "tst_queryguard.moc"
