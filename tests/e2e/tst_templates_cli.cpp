// End to end: `keyward service templates` and `keyward service add NAME --template ID` with the
// built binary, a throwaway KEYWARD_HOME and the session's real keychain (ctest runs this inside
// dbus-run-session with an unlocked gnome-keyring). The secret goes in on stdin and never comes out.

#include "config/configjson.h"
#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "support/temphome.h"
#include "templates/servicetemplates.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QFile>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::CliRun;
using keyward::test::TempHome;

class TestTemplatesCli : public QObject {
    Q_OBJECT

    // Everything keyward printed in this test, to look for the secret at the end.
    QByteArray m_printed;

    CliRun service(const TempHome &home, const QStringList &args, const QByteArray &input = {})
    {
        CliRun run = keyward::test::runKeyward(home, QStringList{QStringLiteral("service")} + args, input);
        m_printed += run.out + run.err;
        return run;
    }

    static json storedService(const TempHome &home, const char *name)
    {
        QFile file(home.filePath(QStringLiteral("config.json")));
        if (!file.open(QIODevice::ReadOnly))
            return json();
        const json config = json::parse(file.readAll().toStdString(), nullptr, false);
        return config.contains("services") && config["services"].contains(name) ? config["services"][name] : json();
    }

    static json expectedService(const char *templateId, const QString &name, std::map<QString, QString> fields = {})
    {
        keyward::TemplateInput input;
        input.serviceName = name;
        input.fields = std::move(fields);
        const auto service = keyward::serviceFromTemplate(*keyward::findServiceTemplate(QString::fromLatin1(templateId)), input);
        return service ? json::parse(keyward::serviceToJson(*service).dump()) : json();
    }

    void verifyNoFileHolds(const TempHome &home, const QByteArray &secret)
    {
        QDirIterator it(home.path(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (!file.open(QIODevice::ReadOnly))
                continue;
            const QByteArray bytes = file.readAll();
            QVERIFY2(!bytes.contains(secret) && !bytes.contains(secret.toBase64()), qPrintable(file.fileName()));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QSKIP("no D-Bus session: run under dbus-run-session with an unlocked gnome-keyring (see tests/CMakeLists.txt)");
    }

    void templatesListsEveryTemplate()
    {
        TempHome home;
        const CliRun run = service(home, {QStringLiteral("templates"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        const QStringList ids = keyward::serviceTemplateIds();
        QCOMPARE(lines.size(), ids.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const json item = json::parse(lines.at(i).toStdString());
            const keyward::ServiceTemplate &tmpl = *keyward::findServiceTemplate(ids.at(i));
            QCOMPARE(item["id"], json(ids.at(i).toStdString()));
            QCOMPARE(item["name"], json(tmpl.displayName.toStdString()));
            QCOMPARE(item["baseUrl"], json(tmpl.baseUrl.toStdString()));
            QCOMPARE(item["keyPage"], json(tmpl.keyPageUrl.toStdString()));
            QVERIFY(item["auth"].is_string());
        }
        const json anthropic = json::parse(lines.at(ids.indexOf(QStringLiteral("anthropic"))).toStdString());
        QCOMPARE(anthropic["auth"], json("header"));
        const json twilio = json::parse(lines.at(ids.indexOf(QStringLiteral("twilio"))).toStdString());
        QCOMPARE(twilio["auth"], json("basic"));
        QCOMPARE(twilio["fields"].size(), std::size_t(1));
        QCOMPARE(twilio["fields"][0]["id"], json("accountSid"));
        const json maps = json::parse(lines.at(ids.indexOf(QStringLiteral("google-maps"))).toStdString());
        QCOMPARE(maps["auth"], json("query"));

        const CliRun text = service(home, {QStringLiteral("templates")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.startsWith("ID"));
        QVERIFY(text.out.contains("https://api.github.com"));
        QVERIFY(text.out.contains("https://dashboard.stripe.com/apikeys"));
        // Listing templates needs no config and writes none.
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
    }

    void addFromTemplateWritesTheTemplatesService()
    {
        TempHome home;
        m_printed.clear();
        const QByteArray secret = keyward::test::randomCanary();
        const CliRun add = service(home, {QStringLiteral("add"), QStringLiteral("gh"), QStringLiteral("--template"),
                                          QStringLiteral("github")},
                                   secret + "\n");
        QVERIFY2(add.exitCode == 0, add.err.constData());
        const json stored = storedService(home, "gh");
        QCOMPARE(stored, expectedService("github", QStringLiteral("gh")));
        QCOMPARE(stored["baseUrl"], json("https://api.github.com"));
        QCOMPARE(stored["auth"]["type"], json("bearer"));
        QCOMPARE(stored["testPath"], json("/user"));
        QCOMPARE(stored["policy"]["rules"][0], json({{"action", "allow"}, {"method", "GET"}, {"path", "/user"}}));
        QVERIFY(stored["policy"]["rate"].is_object());

        // The audit row says which template it came from.
        const CliRun log = keyward::test::runKeyward(home, {QStringLiteral("log"), QStringLiteral("--json")});
        QVERIFY2(log.exitCode == 0, log.err.constData());
        QVERIFY(log.out.contains("added from template github"));

        // Twilio: the Account SID fills the base URL and the user name.
        const QString sid = QStringLiteral("AC0123456789abcdef0123456789abcdef");
        const CliRun twilio = service(home, {QStringLiteral("add"), QStringLiteral("sms"), QStringLiteral("--template"),
                                             QStringLiteral("twilio"), QStringLiteral("--field"), QStringLiteral("accountSid=") + sid},
                                      secret + "\n");
        QVERIFY2(twilio.exitCode == 0, twilio.err.constData());
        const json sms = storedService(home, "sms");
        QCOMPARE(sms, expectedService("twilio", QStringLiteral("sms"), {{QStringLiteral("accountSid"), sid}}));
        QCOMPARE(sms["baseUrl"], json(QString(QStringLiteral("https://api.twilio.com/2010-04-01/Accounts/") + sid).toStdString()));
        QCOMPARE(sms["auth"]["username"], json(sid.toStdString()));

        verifyNoFileHolds(home, secret);
        QVERIFY2(!m_printed.contains(secret), "the secret was printed");
    }

    void flagsOverrideTheTemplate()
    {
        TempHome home;
        const QByteArray secret = keyward::test::randomCanary();
        const CliRun add = service(home,
                                   {QStringLiteral("add"), QStringLiteral("claude"), QStringLiteral("--template"),
                                    QStringLiteral("anthropic"), QStringLiteral("--base-url"),
                                    QStringLiteral("https://llm-gateway.example.com/anthropic/"), QStringLiteral("--description"),
                                    QStringLiteral("Claude through the gateway"), QStringLiteral("--set-header"),
                                    QStringLiteral("Anthropic-Version: 2024-01-01"), QStringLiteral("--allow"),
                                    QStringLiteral("GET /v1/files"), QStringLiteral("--json")},
                                   secret + "\n");
        QVERIFY2(add.exitCode == 0, add.err.constData());
        const json stored = storedService(home, "claude");
        QCOMPARE(stored["baseUrl"], json("https://llm-gateway.example.com/anthropic"));
        QCOMPARE(stored["description"], json("Claude through the gateway"));
        // The template's auth stays; its fixed header of the same name is replaced, not doubled.
        QCOMPARE(stored["auth"]["type"], json("header"));
        QCOMPARE(stored["auth"]["header"], json("x-api-key"));
        QCOMPARE(stored["setHeaders"], json({{"Anthropic-Version", "2024-01-01"}}));
        // A rule given is added to the template's.
        const json templateRules = expectedService("anthropic", QStringLiteral("claude"))["policy"]["rules"];
        QCOMPARE(stored["policy"]["rules"].size(), templateRules.size() + 1);
        QCOMPARE(stored["policy"]["rules"].back(), json({{"action", "allow"}, {"method", "GET"}, {"path", "/v1/files"}}));
        QCOMPARE(json::parse(add.out.toStdString())["name"], json("claude"));

        // --auth replaces the template's auth as a whole.
        const CliRun query = service(home, {QStringLiteral("add"), QStringLiteral("claude2"), QStringLiteral("--template"),
                                            QStringLiteral("anthropic"), QStringLiteral("--auth"), QStringLiteral("query"),
                                            QStringLiteral("--param"), QStringLiteral("api_key")},
                                     secret + "\n");
        QVERIFY2(query.exitCode == 0, query.err.constData());
        QCOMPARE(storedService(home, "claude2")["auth"],
                 json({{"type", "query"}, {"header", ""}, {"prefix", ""}, {"param", "api_key"}, {"username", ""}}));
    }

    // `service test` of a template's service, pointed at a real HTTPS server on 127.0.0.1: the
    // template's test path passes the gate under its default policy, and the credential and fixed
    // headers arrive as the API expects them.
    void templateTestCallPassesTheGate_data()
    {
        QTest::addColumn<QString>("templateId");
        QTest::addColumn<QString>("prefix");   // the base URL's path on the test server
        QTest::addColumn<QStringList>("extra"); // more flags for `service add`
        QTest::addColumn<QString>("expectedPath");
        QTest::newRow("github") << QStringLiteral("github") << QString() << QStringList() << QStringLiteral("/user");
        QTest::newRow("anthropic") << QStringLiteral("anthropic") << QString() << QStringList() << QStringLiteral("/v1/models");
        QTest::newRow("notion") << QStringLiteral("notion") << QString() << QStringList() << QStringLiteral("/v1/users/me");
        QTest::newRow("linear") << QStringLiteral("linear") << QString() << QStringList() << QStringLiteral("/graphql");
        const QString accounts = QStringLiteral("/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef");
        QTest::newRow("twilio") << QStringLiteral("twilio") << accounts
                                << QStringList{QStringLiteral("--field"), QStringLiteral("accountSid=AC0123456789abcdef0123456789abcdef")}
                                << accounts + QStringLiteral("/Balance.json");
        QTest::newRow("google-maps") << QStringLiteral("google-maps") << QStringLiteral("/maps/api") << QStringList()
                                     << QStringLiteral("/maps/api/geocode/json");
    }
    void templateTestCallPassesTheGate()
    {
        QFETCH(QString, templateId);
        QFETCH(QString, prefix);
        QFETCH(QStringList, extra);
        QFETCH(QString, expectedPath);
        keyward::test::HttpsUpstream upstream;
        QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
        TempHome home;
        m_printed.clear();
        const QByteArray secret = keyward::test::randomCanary();
        const CliRun add = service(home,
                                   QStringList{QStringLiteral("add"), QStringLiteral("api"), QStringLiteral("--template"), templateId,
                                               QStringLiteral("--base-url"), upstream.baseUrl(prefix), QStringLiteral("--ca-file"),
                                               upstream.caFile()}
                                       + extra,
                                   secret + "\n");
        QVERIFY2(add.exitCode == 0, add.err.constData());
        const CliRun test = service(home, {QStringLiteral("test"), QStringLiteral("api")});
        QVERIFY2(test.exitCode == 0, QByteArray(test.out + test.err).constData());
        QVERIFY2(test.out.contains("HTTP 200"), test.out.constData());

        const auto received = upstream.received();
        QCOMPARE(received.size(), std::size_t(1));
        const json &request = received.front();
        QCOMPARE(request["method"], json("GET"));
        QCOMPARE(request["path"], json(expectedPath.toStdString()));
        const json &headers = request["headers"];
        const keyward::ServiceTemplate &tmpl = *keyward::findServiceTemplate(templateId);
        for (const auto &[name, value] : tmpl.setHeaders)
            QCOMPARE(headers[name.toLower().toStdString()], json(value.toStdString()));
        const std::string key = secret.toStdString();
        switch (tmpl.auth.type) {
        case keyward::AuthType::Bearer:
            QCOMPARE(headers["authorization"], json("Bearer " + key));
            break;
        case keyward::AuthType::Header:
            QCOMPARE(headers[tmpl.auth.header.toLower().toStdString()], json(key));
            break;
        case keyward::AuthType::Basic:
            QCOMPARE(headers["authorization"],
                     json("Basic " + QByteArray("AC0123456789abcdef0123456789abcdef:" + secret).toBase64().toStdString()));
            break;
        case keyward::AuthType::Query:
            QVERIFY(request["query"].get<std::string>().find(tmpl.auth.param.toStdString() + "=") != std::string::npos);
            break;
        }
        QVERIFY2(!m_printed.contains(secret), "the secret was printed");
    }

    void badTemplateUseIsAUsageError_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown template names the known ones")
            << QStringList{QStringLiteral("--template"), QStringLiteral("gitlab")}
            << QStringLiteral("there is no template 'gitlab'; the templates are: github, stripe, openai, anthropic, slack, "
                              "notion, linear, sendgrid, twilio, google-maps, cloudflare, airtable, custom");
        QTest::newRow("missing field")
            << QStringList{QStringLiteral("--template"), QStringLiteral("twilio")} << QStringLiteral("needs accountSid");
        QTest::newRow("invalid field")
            << QStringList{QStringLiteral("--template"), QStringLiteral("twilio"), QStringLiteral("--field"),
                           QStringLiteral("accountSid=AC12/../x")}
            << QStringLiteral("accountSid (Account SID) is not valid");
        QTest::newRow("unknown field")
            << QStringList{QStringLiteral("--template"), QStringLiteral("twilio"), QStringLiteral("--field"),
                           QStringLiteral("region=us1")}
            << QStringLiteral("has no field 'region'");
        QTest::newRow("field without template")
            << QStringList{QStringLiteral("--field"), QStringLiteral("accountSid=AC1")} << QStringLiteral("only used with --template");
        QTest::newRow("field on a template without fields")
            << QStringList{QStringLiteral("--template"), QStringLiteral("github"), QStringLiteral("--field"),
                           QStringLiteral("org=acme")}
            << QStringLiteral("the github template has no fields");
        QTest::newRow("template given twice")
            << QStringList{QStringLiteral("--template"), QStringLiteral("github"), QStringLiteral("--template"),
                           QStringLiteral("stripe")}
            << QStringLiteral("--template is given more than once");
        QTest::newRow("custom needs the plain flags")
            << QStringList{QStringLiteral("--template"), QStringLiteral("custom")} << QStringLiteral("--base-url is required");
        QTest::newRow("bad override")
            << QStringList{QStringLiteral("--template"), QStringLiteral("github"), QStringLiteral("--base-url"),
                           QStringLiteral("http://api.github.com")}
            << QStringLiteral("--base-url must use https://");
    }
    void badTemplateUseIsAUsageError()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        TempHome home;
        const CliRun run = service(home, QStringList{QStringLiteral("add"), QStringLiteral("x")} + args, "unused-secret\n");
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
    }
};

QTEST_GUILESS_MAIN(TestTemplatesCli)
#include "tst_templates_cli.moc"
