// End to end under the test's D-Bus session (issue 8 "Done when"): a scripted misbehaving agent
// (a burst of denied calls through `keyward mcp`) gives exactly one Notify call on the session bus
// within 5 seconds, answered by a small notification server in this process, plus stored alerts
// in `keyward alerts --json`; pressing "Stop this agent" (ActionInvoked) engages that agent's kill
// switch, so its next call is refused; `keyward alerts seen` clears the unseen alerts.

#include "support/e2eprocess.h"
#include "support/mcpstdioprocess.h"
#include "support/notificationserver.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::McpStdioProcess;
using keyward::test::NotificationServer;
using keyward::test::runKeyward;
using keyward::test::TempHome;

namespace {

// The JSON Lines of a --json listing.
QList<json> jsonLines(const QByteArray &out)
{
    QList<json> lines;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.trimmed().isEmpty())
            lines << json::parse(line.toStdString(), nullptr, false);
    }
    return lines;
}

json denialOf(const json &response)
{
    const json result = response.value("result", json::object());
    if (!result.value("isError", false))
        return json{{"error", "ok"}};
    return json::parse(result["content"][0]["text"].get<std::string>(), nullptr, false);
}

} // namespace

class TestAlerts : public QObject {
    Q_OBJECT

    NotificationServer m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_server.registerOnSessionBus(&error), qPrintable(error));
    }

    void misbehavingAgentIsNotifiedOnceAndStoppedByOneClick()
    {
        TempHome home;
        const auto added = runKeyward(home,
                                      {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("api"),
                                       QStringLiteral("--base-url"), QStringLiteral("https://127.0.0.1:9/v1"),
                                       QStringLiteral("--auth"), QStringLiteral("bearer"), QStringLiteral("--deny"),
                                       QStringLiteral("GET /admin/**")},
                                      keyward::test::randomCanary() + "\n");
        QVERIFY2(added.exitCode == 0, added.err.constData());

        // Tests in parallel share the bus: this agent's name tells our notifications apart.
        const QString agent = QStringLiteral("rogue-%1").arg(QRandomGenerator::global()->generate() % 1000000);
        McpStdioProcess session;
        QVERIFY(session.start(home, {QStringLiteral("--agent"), agent}));
        QVERIFY(session.initialize());

        QElapsedTimer sinceBurst;
        sinceBurst.start();
        for (int i = 0; i < 8; ++i) {
            const json denial = denialOf(session.callTool(
                "execute", {{"service", "api"}, {"method", "GET"}, {"path", "/admin/users/" + std::to_string(i)}}));
            QCOMPARE(denial.value("error", ""), "denied");
        }
        QTRY_VERIFY_WITH_TIMEOUT(!m_server.callsMentioning(agent).isEmpty(), 5000);
        QVERIFY2(sinceBurst.elapsed() < 5000, "the notification came later than 5 s after the burst");
        QTest::qWait(1500); // nothing else follows
        const QList<NotificationServer::Call> calls = m_server.callsMentioning(agent);
        QCOMPARE(calls.size(), 1);
        const NotificationServer::Call &notice = calls.first();
        QCOMPARE(notice.appName, QStringLiteral("Keyward"));
        QVERIFY2(notice.summary.contains(QStringLiteral("denied calls")), qPrintable(notice.summary));
        QVERIFY2(notice.body.contains(QStringLiteral("keyward kill --agent ") + agent), qPrintable(notice.body));
        QCOMPARE(notice.actions,
                 (QStringList{QStringLiteral("stop-agent"), QStringLiteral("Stop this agent"), QStringLiteral("kill-all"),
                              QStringLiteral("Kill all"), QStringLiteral("open-audit"), QStringLiteral("Open audit")}));

        // The alerts are stored and listed.
        const auto listed = runKeyward(home, {QStringLiteral("alerts"), QStringLiteral("--json")});
        QVERIFY2(listed.exitCode == 0, listed.err.constData());
        json burst;
        for (const json &line : jsonLines(listed.out)) {
            if (line.value("category", "") == "denial_burst")
                burst = line;
        }
        QVERIFY2(burst.is_object(), listed.out.constData());
        QCOMPARE(QString::fromStdString(burst["agent"].get<std::string>()), agent);
        QCOMPARE(burst["service"], "api");
        QCOMPARE(burst["severity"], "warning");
        QCOMPARE(burst["count"].get<int>(), 8);
        QVERIFY(burst["first_seq"].get<qint64>() < burst["last_seq"].get<qint64>());
        QCOMPARE(burst["seen"], false);
        QVERIFY(burst["action_taken"].is_null());

        // One click on "Stop this agent" stops it.
        QVERIFY(m_server.invokeAction(notice.id, QStringLiteral("stop-agent")));
        json refused;
        QTRY_VERIFY_WITH_TIMEOUT((refused = denialOf(session.callTool(
                                      "execute", {{"service", "api"}, {"method", "GET"}, {"path", "/items"}})))
                                         .value("error", "") == "killed",
                                 5000);
        QCOMPARE(QString::fromStdString(refused.value("rule", "")), QStringLiteral("kill:agent:") + agent);
        const auto changes = runKeyward(home, {QStringLiteral("log"), QStringLiteral("--decision"), QStringLiteral("change"),
                                               QStringLiteral("--json")});
        QVERIFY2(changes.exitCode == 0, changes.err.constData());
        bool audited = false;
        for (const json &line : jsonLines(changes.out))
            audited |= line.value("agent", "") == "notification" && line.value("path", "") == "agent:" + agent.toStdString();
        QVERIFY2(audited, changes.out.constData());

        // Seen alerts leave the unseen list.
        const auto seen = runKeyward(home, {QStringLiteral("alerts"), QStringLiteral("seen")});
        QVERIFY2(seen.exitCode == 0, seen.err.constData());
        QVERIFY2(seen.out.contains("marked seen"), seen.out.constData());
        const auto unseen = runKeyward(home, {QStringLiteral("alerts"), QStringLiteral("--unseen"), QStringLiteral("--json")});
        QVERIFY2(unseen.exitCode == 0, unseen.err.constData());
        QVERIFY2(jsonLines(unseen.out).isEmpty(), unseen.out.constData());
        QCOMPARE(session.finish(), 0);
    }

    void alertsCommandRefusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("limit not a number") << QStringList{QStringLiteral("alerts"), QStringLiteral("--limit"), QStringLiteral("many")} << "--limit";
        QTest::newRow("limit zero") << QStringList{QStringLiteral("alerts"), QStringLiteral("--limit"), QStringLiteral("0")} << "--limit";
        QTest::newRow("unknown command") << QStringList{QStringLiteral("alerts"), QStringLiteral("clear")} << "keyward alerts seen";
        QTest::newRow("bad id") << QStringList{QStringLiteral("alerts"), QStringLiteral("seen"), QStringLiteral("x1")} << "alert id";
    }
    void alertsCommandRefusesBadInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        TempHome home;
        const auto run = runKeyward(home, args + QStringList{QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 2);
        const json error = json::parse(run.out.toStdString(), nullptr, false);
        QCOMPARE(error["error"]["code"], "usage");
        QVERIFY2(QString::fromStdString(error["error"]["message"].get<std::string>()).contains(message), run.out.constData());
    }

    void doctorSeesTheNotificationService()
    {
        TempHome home;
        const auto run = runKeyward(home, {QStringLiteral("doctor"), QStringLiteral("--json")});
        const json report = json::parse(run.out.toStdString(), nullptr, false);
        QVERIFY2(report.is_object(), run.out.constData());
        json found;
        for (const json &check : report["checks"]) {
            if (check.value("name", "") == "notifications")
                found = check;
        }
        QVERIFY2(found.is_object(), run.out.constData());
        QCOMPARE(found["ok"], true);
        QVERIFY2(found["message"].get<std::string>().find("is on the session bus") != std::string::npos, run.out.constData());
    }

    void noAlertsYetIsNotAnError()
    {
        TempHome home;
        const auto run = runKeyward(home, {QStringLiteral("alerts")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.isEmpty());
        QVERIFY2(run.err.contains("No alerts yet"), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"
