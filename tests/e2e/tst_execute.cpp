// End to end: services added with the CLI (secrets into the real gnome-keyring), the official MCP
// SDK client calling `execute` through `keyward mcp`, a real HTTPS upstream on 127.0.0.1 with its
// own certificate. A canary secret must reach the upstream and nothing else: not the client, not
// stderr, not a file under KEYWARD_HOME, not an audit column, in any encoding.

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "upstream/redactor.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::HttpsUpstream;
using keyward::test::TempHome;

namespace {

using keyward::test::randomCanary;
using Run = keyward::test::CliRun;
using keyward::test::runKeyward;

} // namespace

class TestExecute : public QObject {
    Q_OBJECT

    TempHome m_home;
    HttpsUpstream m_upstream;
    QByteArray m_canary;
    keyward::Redactor m_detector;

    void addService(const QString &name, const QStringList &flags)
    {
        const Run run = runKeyward(m_home, QStringList{QStringLiteral("service"), QStringLiteral("add"), name} + flags, m_canary + "\n");
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(!m_detector.containsSecret(run.out + run.err));
    }

    // Runs the plan through the SDK client; returns the results.
    json callAll(const json &plan, const QStringList &extra = {})
    {
        QFile file(m_home.filePath(QStringLiteral("plan.json")));
        if (!file.open(QIODevice::WriteOnly))
            return json();
        file.write(QByteArray::fromStdString(plan.dump()));
        file.close();
        const auto run = keyward::test::runNode(QStringLiteral("sdk_call_client.mjs"),
                                                QStringList{QStringLiteral(KEYWARD_BINARY), file.fileName()} + extra, m_home);
        file.remove();
        const json out = json::parse(run.stdoutText.toStdString(), nullptr, false);
        if (!out.is_object() || !out.value("ok", false)) {
            qWarning("client failed: %s %s", qPrintable(run.stdoutText), qPrintable(run.stderrText));
            return json();
        }
        // Nothing the client or keyward's stderr saw may hold the secret.
        if (m_detector.containsSecret(run.stdoutText.toUtf8()) || m_detector.containsSecret(run.stderrText.toUtf8()))
            qWarning("SECRET LEAKED to the client or stderr");
        m_leaked |= m_detector.containsSecret(run.stdoutText.toUtf8()) || m_detector.containsSecret(run.stderrText.toUtf8());
        return out["results"];
    }

    static json exec(const char *service, const char *method, const std::string &path, json extra = json::object())
    {
        json args{{"service", service}, {"method", method}, {"path", path}};
        args.update(extra);
        return json{{"name", "execute"}, {"arguments", args}};
    }

    static json structured(const json &result) { return result.value("structuredContent", json()); }
    static json errorOf(const json &result)
    {
        if (!result.value("isError", false))
            return json();
        return json::parse(result["content"][0]["text"].get<std::string>());
    }

    bool m_leaked = false;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "this test needs the real keychain: run it through installers/test.sh");
        QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString()));
        m_canary = randomCanary();
        m_detector = keyward::Redactor({m_canary}, QStringLiteral("canary"));

        const QString ca = m_upstream.caFile();
        addService(QStringLiteral("api"), {QStringLiteral("--base-url"), m_upstream.baseUrl(QStringLiteral("/v1")),
                                           QStringLiteral("--auth"), QStringLiteral("bearer"), QStringLiteral("--ca-file"), ca,
                                           QStringLiteral("--test-path"), QStringLiteral("/echo"),
                                           QStringLiteral("--allow"), QStringLiteral("GET /**"), QStringLiteral("--allow"),
                                           QStringLiteral("POST /items"), QStringLiteral("--deny"), QStringLiteral("GET /private/**")});
        addService(QStringLiteral("qkey"), {QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                                            QStringLiteral("query"), QStringLiteral("--param"), QStringLiteral("api_key"),
                                            QStringLiteral("--ca-file"), ca});
        addService(QStringLiteral("hdr"), {QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                                           QStringLiteral("header"), QStringLiteral("--header"), QStringLiteral("X-Api-Key"),
                                           QStringLiteral("--prefix"), QStringLiteral("Token "), QStringLiteral("--ca-file"), ca});
        addService(QStringLiteral("basic"), {QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                                             QStringLiteral("basic"), QStringLiteral("--username"), QStringLiteral("AC42"),
                                             QStringLiteral("--ca-file"), ca});
        addService(QStringLiteral("noca"), {QStringLiteral("--base-url"), m_upstream.baseUrl(), QStringLiteral("--auth"),
                                            QStringLiteral("bearer")});
        // The gate table sends hostile calls from one agent on purpose: keep the alerts from stopping it.
        QVERIFY(keyward::test::disableAlertAutoKill(m_home));
    }

    void secretReachesTheUpstreamAndOnlyThere()
    {
        m_upstream.clearReceived();
        const json results = callAll(json::array({exec("api", "GET", "/echo", {{"query", {{"q", "a b"}}}}),
                                                  exec("qkey", "GET", "/echo"), exec("hdr", "GET", "/echo"),
                                                  exec("basic", "GET", "/echo")}));
        QCOMPARE(results.size(), std::size_t(4));
        for (const json &result : results) {
            QVERIFY2(!result.value("isError", true), result.dump().c_str());
            QCOMPARE(structured(result)["status"], 200);
        }
        const auto received = m_upstream.received();
        QCOMPARE(received.size(), std::size_t(4));
        QCOMPARE(received[0]["path"], "/v1/echo");
        QCOMPARE(received[0]["headers"]["authorization"], "Bearer " + m_canary.toStdString());
        QCOMPARE(received[0]["query"], "?q=a%20b");
        QVERIFY(received[0]["headers"]["user-agent"].get<std::string>().rfind("Keyward/", 0) == 0);
        const std::string encodedCanary = QUrl::toPercentEncoding(QString::fromLatin1(m_canary)).toStdString();
        QCOMPARE(received[1]["rawUrl"], "/echo?api_key=" + encodedCanary);
        QCOMPARE(received[2]["headers"]["x-api-key"], "Token " + m_canary.toStdString());
        QCOMPARE(received[3]["headers"]["authorization"],
                 "Basic " + QByteArray("AC42:" + m_canary).toBase64().toStdString());
        // The echo reflected the credential headers: they came back redacted.
        QVERIFY(results[0].dump().find("[REDACTED:api]") != std::string::npos);
        QVERIFY(!m_leaked);
    }

    void reflectedSecretIsRedactedInEveryEncoding_data()
    {
        QTest::addColumn<QString>("service");
        QTest::newRow("bearer") << "api";
        QTest::newRow("query key") << "qkey";
        QTest::newRow("custom header") << "hdr";
        QTest::newRow("basic") << "basic";
    }
    void reflectedSecretIsRedactedInEveryEncoding()
    {
        QFETCH(QString, service);
        const json results = callAll(json::array({exec(service.toLatin1().constData(), "GET", "/leak")}));
        QCOMPARE(results.size(), std::size_t(1));
        QVERIFY2(!results[0].value("isError", true), results[0].dump().c_str());
        const json content = structured(results[0]);
        QCOMPARE(content["status"], 200);
        const std::string marker = "[REDACTED:" + service.toStdString() + "]";
        QCOMPARE(content["headers"]["x-echo-key"], marker);
        QVERIFY(content["body"].is_object());
        QCOMPARE(content["body"]["secret"], marker);
        QVERIFY(!m_detector.containsSecret(QByteArray::fromStdString(results.dump())));
        QVERIFY(!m_leaked);
    }

    void gateRefusalsNameTheirRule_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("rule");
        QTest::newRow("method not allowed") << R"({"service":"api","method":"DELETE","path":"/items/1"})" << "denied" << "default:no-matching-rule";
        QTest::newRow("deny rule") << R"({"service":"api","method":"GET","path":"/private/keys"})" << "denied" << "GET /private/**";
        QTest::newRow("dot-dot bypass") << R"({"service":"api","method":"GET","path":"/public/../../etc"})" << "denied" << "guard:dot-segment";
        QTest::newRow("encoded slash") << R"({"service":"api","method":"GET","path":"/a%2Fb"})" << "denied" << "guard:encoded-slash";
        QTest::newRow("query in path") << R"({"service":"api","method":"GET","path":"/x?a=1"})" << "denied" << "guard:query-in-path";
        QTest::newRow("authorization header") << R"({"service":"api","method":"GET","path":"/x","headers":{"Authorization":"Bearer mine"}})" << "denied" << "header:authorization";
        QTest::newRow("credential param") << R"({"service":"qkey","method":"GET","path":"/x","query":{"API_KEY":"x"}})" << "denied" << "query:api_key";
        QTest::newRow("lowercase method") << R"({"service":"api","method":"get","path":"/x"})" << "denied" << "guard:method";
        QTest::newRow("read-only default") << R"({"service":"qkey","method":"POST","path":"/x"})" << "denied" << "default:read-only";
        QTest::newRow("unknown service") << R"({"service":"nope","method":"GET","path":"/"})" << "invalid_argument" << "";
        QTest::newRow("missing path") << R"({"service":"api","method":"GET"})" << "invalid_argument" << "";
    }
    void gateRefusalsNameTheirRule()
    {
        QFETCH(QString, call);
        QFETCH(QString, error);
        QFETCH(QString, rule);
        m_upstream.clearReceived();
        const json results = callAll(json::array({json{{"name", "execute"}, {"arguments", json::parse(call.toStdString())}}}));
        QCOMPARE(results.size(), std::size_t(1));
        const json denial = errorOf(results[0]);
        QVERIFY2(denial.is_object(), results[0].dump().c_str());
        QVERIFY(!results[0].contains("structuredContent"));
        QCOMPARE(QString::fromStdString(denial["error"].get<std::string>()), error);
        if (!rule.isEmpty())
            QCOMPARE(QString::fromStdString(denial.value("rule", "")).toLower(), rule.toLower());
        QVERIFY(!denial["message"].get<std::string>().empty());
        QVERIFY2(m_upstream.received().empty(), "a refused call reached the upstream");
    }

    void unknownServiceListsTheKnownOnes()
    {
        const json results = callAll(json::array({exec("nope", "GET", "/")}));
        const std::string message = errorOf(results[0])["message"];
        QVERIFY2(message.find("api") != std::string::npos && message.find("qkey") != std::string::npos, message.c_str());
    }

    void upstreamWithoutItsCaIsRefused()
    {
        const json results = callAll(json::array({exec("noca", "GET", "/echo")}));
        const json denial = errorOf(results[0]);
        QCOMPARE(denial["error"], "upstream_error");
        QVERIFY(denial["message"].get<std::string>().find("TLS") != std::string::npos);
    }

    void redirectsBinaryAndErrorsComeBackAsResponses()
    {
        const json results = callAll(json::array({exec("api", "GET", "/redirect"), exec("api", "GET", "/binary"),
                                                  exec("api", "GET", "/status/404"),
                                                  exec("api", "POST", "/items", {{"body", {{"name", "x"}}}})}));
        QCOMPARE(structured(results[0])["status"], 302);
        QCOMPARE(structured(results[0])["headers"]["location"], "https://evil.example/steal");
        QCOMPARE(structured(results[1])["bodyEncoding"], "base64");
        QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(structured(results[1])["body"])).size(), 256);
        QCOMPARE(structured(results[2])["status"], 404);
        const json echoed = structured(results[3])["body"];
        QCOMPARE(echoed["headers"]["content-type"], "application/json");
        QCOMPARE(json::parse(echoed["body"].get<std::string>()), json({{"name", "x"}}));
    }

    void listServicesShowsPoliciesWithoutSecrets()
    {
        const json results = callAll(json::array({json{{"name", "list_services"}, {"arguments", json::object()}}}));
        const json services = structured(results[0])["services"];
        QCOMPARE(services.size(), std::size_t(5));
        QCOMPARE(services[0]["name"], "api");
        QCOMPARE(services[0]["auth"], "bearer");
        QCOMPARE(services[0]["state"], "active");
        QVERIFY(!m_detector.containsSecret(QByteArray::fromStdString(results.dump())));
    }

    void serviceTestMakesOneRealCall()
    {
        const Run ok = runKeyward(m_home, {QStringLiteral("service"), QStringLiteral("test"), QStringLiteral("api")});
        QVERIFY2(ok.exitCode == 0, ok.err.constData());
        QVERIFY(ok.out.contains("HTTP 200"));
        const Run tls = runKeyward(m_home, {QStringLiteral("service"), QStringLiteral("test"), QStringLiteral("noca")});
        QCOMPARE(tls.exitCode, 1);
        QVERIFY2(tls.err.contains("TLS"), tls.err.constData());
        const Run missing = runKeyward(m_home, {QStringLiteral("service"), QStringLiteral("test"), QStringLiteral("ghost")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(!m_detector.containsSecret(ok.out + ok.err + tls.out + tls.err));
    }

    void noFileUnderTheHomeHoldsTheSecret()
    {
        QDirIterator files(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int checked = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!m_detector.containsSecret(file.readAll()), qPrintable(file.fileName()));
            ++checked;
        }
        QVERIFY(checked >= 2); // config.json and audit.db at least
    }

    void auditHasEveryCallAndVerifies()
    {
        const Run log = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("1000")});
        QCOMPARE(log.exitCode, 0);
        QVERIFY(!m_detector.containsSecret(log.out + log.err));
        int allowed = 0, denied = 0, errors = 0;
        for (const QByteArray &line : log.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const json row = json::parse(line.toStdString());
            const std::string decision = row["decision"];
            allowed += decision == "allowed";
            denied += decision == "denied";
            errors += decision == "error";
        }
        QVERIFY2(allowed >= 12, QByteArray::number(allowed).constData());
        QVERIFY(denied >= 11);
        QVERIFY(errors >= 1);

        QCOMPARE(runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("verify")}).exitCode, 0);

        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(m_home.filePath(QStringLiteral("audit.db")));
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("UPDATE audit SET path = '/innocent' WHERE decision = 'denied' AND seq = (SELECT MIN(seq) FROM audit WHERE decision = 'denied')")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        const Run verify = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(verify.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestExecute)
#include "tst_execute.moc"
