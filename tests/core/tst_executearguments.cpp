// Type checking of the execute tool's arguments: every bad input names the argument at fault.

#include "mcp/executearguments.h"

#include <QtTest>

using keyward::mcp::parseExecuteArguments;
using json = nlohmann::json;

class TestExecuteArguments : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badArgumentsNameTheArgument_data()
    {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not an object") << R"([1])" << "object";
        QTest::newRow("service missing") << R"({"method":"GET","path":"/"})" << "`service`";
        QTest::newRow("service a number") << R"({"service":1,"method":"GET","path":"/"})" << "`service`";
        QTest::newRow("service empty") << R"({"service":"","method":"GET","path":"/"})" << "list_services";
        QTest::newRow("method missing") << R"({"service":"s","path":"/"})" << "`method`";
        QTest::newRow("method an array") << R"({"service":"s","method":["GET"],"path":"/"})" << "`method`";
        QTest::newRow("path missing") << R"({"service":"s","method":"GET"})" << "`path`";
        QTest::newRow("path an object") << R"({"service":"s","method":"GET","path":{}})" << "`path`";
        QTest::newRow("query a string") << R"({"service":"s","method":"GET","path":"/","query":"a=b"})" << "`query`";
        QTest::newRow("headers an array") << R"({"service":"s","method":"GET","path":"/","headers":[]})" << "`headers`";
        QTest::newRow("reason a bool") << R"({"service":"s","method":"GET","path":"/","reason":true})" << "`reason`";
        QTest::newRow("unknown bodyEncoding") << R"({"service":"s","method":"POST","path":"/","body":"x","bodyEncoding":"hex"})" << "`bodyEncoding`";
        QTest::newRow("bad base64") << R"({"service":"s","method":"POST","path":"/","body":"***","bodyEncoding":"base64"})" << "base64";
        QTest::newRow("base64 body not a string") << R"({"service":"s","method":"POST","path":"/","body":{},"bodyEncoding":"base64"})" << "`body`";
        QTest::newRow("base64 without body") << R"({"service":"s","method":"POST","path":"/","bodyEncoding":"base64"})" << "`body`";
        QTest::newRow("unknown argument") << R"({"service":"s","method":"GET","path":"/","url":"https://evil"})" << "`url`";
    }
    void badArgumentsNameTheArgument()
    {
        QFETCH(QString, arguments);
        QFETCH(QString, mentions);
        const auto result = parseExecuteArguments(json::parse(arguments.toStdString()));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid_argument"));
        QVERIFY2(result.error().message.contains(mentions), qPrintable(result.error().message));
    }

    void bodies_data()
    {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("isJson");
        QTest::newRow("string body as is") << R"({"body":"a=1&b=2"})" << QByteArray("a=1&b=2") << false;
        QTest::newRow("JSON object body serialized") << R"({"body":{"b":[1,2],"a":"x"}})" << QByteArray(R"({"a":"x","b":[1,2]})") << true;
        QTest::newRow("JSON number body") << R"({"body":42})" << QByteArray("42") << true;
        QTest::newRow("base64 body decoded") << R"({"body":"AAEC/w==","bodyEncoding":"base64"})" << QByteArray("\x00\x01\x02\xff", 4) << false;
        QTest::newRow("utf8 encoding is plain") << R"({"body":"héllo","bodyEncoding":"utf8"})" << QByteArray("h\xc3\xa9llo") << false;
    }
    void bodies()
    {
        QFETCH(QString, arguments);
        QFETCH(QByteArray, body);
        QFETCH(bool, isJson);
        json args = json::parse(arguments.toStdString());
        args["service"] = "s";
        args["method"] = "POST";
        args["path"] = "/x";
        const auto result = parseExecuteArguments(args);
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
        QVERIFY(result->body.has_value());
        QCOMPARE(*result->body, body);
        QCOMPARE(result->bodyIsJson, isJson);
    }

    void minimalCallHasNoBody()
    {
        const auto result = parseExecuteArguments(json{{"service", "github"}, {"method", "GET"}, {"path", "/user"}});
        QVERIFY(result.ok());
        QCOMPARE(result->service, QStringLiteral("github"));
        QVERIFY(!result->body.has_value());
        QCOMPARE(result->query, json::object());
        QCOMPARE(result->headers, json::object());
    }
};

QTEST_APPLESS_MAIN(TestExecuteArguments)
#include "tst_executearguments.moc"
