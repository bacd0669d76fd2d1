// End to end: the built `keyward policy set|show` against a throwaway KEYWARD_HOME whose
// config.json the test writes (no secret is needed to change a policy). Checks that only the
// flags given change, that an agent's override shows only for that agent, that each change is a
// `change` row of `keyward log --json`, and that usage errors exit 2 naming the flags.

#include "config/configjson.h"
#include "core/keywardhome.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QProcess>
#include <QtTest>

using json = nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// `keyward ARGS...` on `home`.
Run keyward(const keyward::test::TempHome &home, const QStringList &args)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    Run run;
    if (!process.waitForStarted(10000))
        return run;
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

Run policy(const keyward::test::TempHome &home, const QStringList &args)
{
    return keyward(home, QStringList{QStringLiteral("policy")} + args);
}

// A home whose config has the services `gh` (header auth X-Api-Key) and `docs`, default policies.
void writeConfig(const keyward::test::TempHome &home)
{
    keyward::Config config;
    keyward::ServiceConfig gh;
    gh.baseUrl = QStringLiteral("https://api.example.com/v1");
    gh.auth.type = keyward::AuthType::Header;
    gh.auth.header = QStringLiteral("X-Api-Key");
    config.services[QStringLiteral("gh")] = gh;
    keyward::ServiceConfig docs;
    docs.baseUrl = QStringLiteral("https://docs.example.com");
    config.services[QStringLiteral("docs")] = docs;
    const auto saved = keyward::saveConfigFile(keyward::KeywardHome::atDirectory(home.path()).configFile(), config);
    QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().message));
}

json showJson(const keyward::test::TempHome &home, const QStringList &extra = {})
{
    const Run show = policy(home, QStringList{QStringLiteral("show"), QStringLiteral("gh"), QStringLiteral("--json")} + extra);
    if (show.exitCode != 0)
        return json();
    return json::parse(show.out.toStdString(), nullptr, false);
}

std::vector<json> changeRows(const keyward::test::TempHome &home)
{
    const Run log = keyward(home, {QStringLiteral("log"), QStringLiteral("--json")});
    std::vector<json> rows;
    for (const QByteArray &line : log.out.trimmed().split('\n')) {
        if (line.isEmpty())
            continue;
        const json row = json::parse(line.toStdString(), nullptr, false);
        if (row.is_object() && row.value("decision", "") == "change" && row.value("method", "") == "policy set")
            rows.push_back(row);
    }
    return rows;
}

} // namespace

class TestPolicyCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void setAndShowRoundTrip()
    {
        keyward::test::TempHome home;
        writeConfig(home);

        Run set = policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--allow"), QStringLiteral("GET /repos/**"),
                                QStringLiteral("--deny"), QStringLiteral("DELETE /**"), QStringLiteral("--ask"),
                                QStringLiteral("POST /repos/*/issues"), QStringLiteral("--rate"), QStringLiteral("60/min"),
                                QStringLiteral("--schedule"), QStringLiteral("Mon-Fri 09:00-18:00; Sat 10:00-12:00"),
                                QStringLiteral("--require-reason"), QStringLiteral("--agents"), QStringLiteral("bot,ci"),
                                QStringLiteral("--timeout"), QStringLiteral("20s"), QStringLiteral("--max-request"),
                                QStringLiteral("2KiB"), QStringLiteral("--max-response"), QStringLiteral("1MiB"),
                                QStringLiteral("--allow-header"), QStringLiteral("X-Trace")});
        QVERIFY2(set.exitCode == 0, set.err.constData());

        json shown = showJson(home);
        QVERIFY(shown.is_object());
        QCOMPARE(shown["service"], json("gh"));
        QCOMPARE(shown["agent"], json(nullptr));
        QCOMPARE(shown["rules"], json::parse("[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/repos/**\"},{\"action\":\"deny\",\"method\":\"DELETE\",\"path\":\"/**\"},{\"action\":\"ask\",\"method\":\"POST\",\"path\":\"/repos/*/issues\"}]"));
        QCOMPARE(shown["rate"], json::parse("{\"per\":\"min\",\"n\":60,\"burst\":60}"));
        QCOMPARE(shown["schedule"], json::parse("[\"Mon-Fri 09:00-18:00\",\"Sat 10:00-12:00\"]"));
        QCOMPARE(shown["requireReason"], json(true));
        QCOMPARE(shown["agents"], json::parse("[\"bot\",\"ci\"]"));
        QCOMPARE(shown["timeoutMs"], json(20000));
        QCOMPARE(shown["maxRequestBytes"], json(2048));
        QCOMPARE(shown["maxResponseBytes"], json(1048576));
        QCOMPARE(shown["allowHeaders"], json::parse("[\"X-Trace\"]"));

        // Only the flags given change; a rule already there is not added twice (and no change row).
        set = policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--allow"), QStringLiteral("GET /repos/**")});
        QCOMPARE(set.exitCode, 0);
        QVERIFY2(set.err.contains("Nothing changed"), set.err.constData());
        set = policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--remove-rule"), QStringLiteral("DELETE /**"),
                            QStringLiteral("--no-rate"), QStringLiteral("--no-require-reason"), QStringLiteral("--all-agents")});
        QVERIFY2(set.exitCode == 0, set.err.constData());
        const json after = showJson(home);
        QCOMPARE(after["rules"].size(), std::size_t(2));
        QCOMPARE(after["rate"], json(nullptr));
        QCOMPARE(after["requireReason"], json(false));
        QCOMPARE(after["agents"], json(nullptr));
        QCOMPARE(after["schedule"], shown["schedule"]);
        QCOMPARE(after["timeoutMs"], json(20000));
        QCOMPARE(after["allowHeaders"], shown["allowHeaders"]);

        // The text form: one rule a line.
        const Run text = policy(home, {QStringLiteral("show"), QStringLiteral("gh")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("\n  allow GET /repos/**\n  ask POST /repos/*/issues\n"), text.out.constData());
        QVERIFY2(text.out.contains("timeout:         20s"), text.out.constData());

        // --clear-rules goes back to read-only.
        set = policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--clear-rules")});
        QCOMPARE(set.exitCode, 0);
        QCOMPARE(showJson(home)["rules"], json::array());

        const std::vector<json> rows = changeRows(home);
        QCOMPARE(rows.size(), std::size_t(3));
        for (const json &row : rows) {
            QCOMPARE(row["path"], json("gh"));
            QCOMPARE(row["service"], json("gh"));
            QCOMPARE(row["agent"], json("cli"));
        }
        const QStringList reasons = [&rows] {
            QStringList list;
            for (const json &row : rows)
                list << QString::fromStdString(row["reason"].get<std::string>());
            return list;
        }();
        QVERIFY2(reasons.join(u'|').contains(QStringLiteral("added allow GET /repos/**; added deny DELETE /**")), qPrintable(reasons.join(u'|')));
        QVERIFY2(reasons.join(u'|').contains(QStringLiteral("; rate 60/min; ")), qPrintable(reasons.join(u'|')));
        QVERIFY2(reasons.join(u'|').contains(QStringLiteral("removed rule DELETE /**; no rate limit; reason not required; all agents")),
                 qPrintable(reasons.join(u'|')));
        QVERIFY2(reasons.join(u'|').contains(QStringLiteral("cleared rules")), qPrintable(reasons.join(u'|')));
    }

    void agentOverrideShowsOnlyForThatAgent()
    {
        keyward::test::TempHome home;
        writeConfig(home);
        QCOMPARE(policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--allow"), QStringLiteral("GET /repos/**"),
                               QStringLiteral("--rate"), QStringLiteral("10/s,burst=20")})
                     .exitCode,
                 0);
        const Run set = policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--agent"), QStringLiteral("bot"),
                                      QStringLiteral("--allow"), QStringLiteral("POST /issues"), QStringLiteral("--timeout"),
                                      QStringLiteral("5s")});
        QVERIFY2(set.exitCode == 0, set.err.constData());

        const json bot = showJson(home, {QStringLiteral("--agent"), QStringLiteral("bot")});
        QCOMPARE(bot["agent"], json("bot"));
        // The agent's rules started from the service's, with its own rule added.
        QCOMPARE(bot["rules"], json::parse("[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/repos/**\"},{\"action\":\"allow\",\"method\":\"POST\",\"path\":\"/issues\"}]"));
        QCOMPARE(bot["timeoutMs"], json(5000));
        QCOMPARE(bot["rate"], json::parse("{\"per\":\"s\",\"n\":10,\"burst\":20}")); // inherited
        QCOMPARE(bot["overridden"], json::parse("[\"rules\",\"timeoutMs\"]"));

        for (const QStringList &other : {QStringList{QStringLiteral("--agent"), QStringLiteral("ci")}, QStringList()}) {
            const json shown = showJson(home, other);
            QCOMPARE(shown["rules"], json::parse("[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/repos/**\"}]"));
            QCOMPARE(shown["timeoutMs"], json(30000));
            QCOMPARE(shown["overridden"], json::array());
        }

        // The file holds only the overriding fields under agentPolicies.
        QFile file(keyward::KeywardHome::atDirectory(home.path()).configFile());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const json config = json::parse(file.readAll().toStdString());
        const json overrides = config["services"]["gh"]["agentPolicies"]["bot"];
        QCOMPARE(overrides.size(), std::size_t(2));
        QVERIFY(overrides.contains("rules") && overrides.contains("timeoutMs"));
        QCOMPARE(config["services"]["gh"]["policy"]["timeoutMs"], json(30000));

        // A second agent change adds to the override; the service's own policy is untouched.
        QCOMPARE(policy(home, {QStringLiteral("set"), QStringLiteral("gh"), QStringLiteral("--agent"), QStringLiteral("bot"),
                               QStringLiteral("--no-rate")})
                     .exitCode,
                 0);
        QCOMPARE(showJson(home, {QStringLiteral("--agent"), QStringLiteral("bot")})["rate"], json(nullptr));
        QCOMPARE(showJson(home)["rate"], json::parse("{\"per\":\"s\",\"n\":10,\"burst\":20}"));

        const Run text = policy(home, {QStringLiteral("show"), QStringLiteral("gh"), QStringLiteral("--agent"), QStringLiteral("bot")});
        QVERIFY2(text.out.contains("bot (overrides rules, rate, timeoutMs)"), text.out.constData());

        const std::vector<json> rows = changeRows(home);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows.at(0)["path"], json("gh"));
        QCOMPARE(rows.at(0)["reason"], json("added allow GET /repos/**; rate 10/s, burst 20"));
        QCOMPARE(rows.at(1)["path"], json("gh/bot"));
        QCOMPARE(rows.at(1)["reason"], json("added allow POST /issues; timeout 5s"));
        QCOMPARE(rows.at(2)["path"], json("gh/bot"));
        QCOMPARE(rows.at(2)["reason"], json("no rate limit"));
    }

    void failures_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");

        const QString set = QStringLiteral("set");
        const QString gh = QStringLiteral("gh");
        QTest::newRow("rate and no-rate") << QStringList{set, gh, QStringLiteral("--rate"), QStringLiteral("1/min"), QStringLiteral("--no-rate")}
                                          << 2 << QStringLiteral("--rate and --no-rate");
        QTest::newRow("schedule and no-schedule")
            << QStringList{set, gh, QStringLiteral("--schedule"), QStringLiteral("09:00-10:00"), QStringLiteral("--no-schedule")} << 2
            << QStringLiteral("--schedule and --no-schedule");
        QTest::newRow("require-reason twice over")
            << QStringList{set, gh, QStringLiteral("--require-reason"), QStringLiteral("--no-require-reason")} << 2
            << QStringLiteral("--require-reason and --no-require-reason");
        QTest::newRow("agents and all-agents")
            << QStringList{set, gh, QStringLiteral("--agents"), QStringLiteral("a"), QStringLiteral("--all-agents")} << 2
            << QStringLiteral("--agents and --all-agents");
        QTest::newRow("clear and remove")
            << QStringList{set, gh, QStringLiteral("--clear-rules"), QStringLiteral("--remove-rule"), QStringLiteral("GET /x")} << 2
            << QStringLiteral("--clear-rules and --remove-rule");
        QTest::newRow("nothing to change") << QStringList{set, gh} << 2 << QStringLiteral("nothing to change");
        QTest::newRow("bad rate") << QStringList{set, gh, QStringLiteral("--rate"), QStringLiteral("5/week")} << 2
                                  << QStringLiteral("--rate expects");
        QTest::newRow("bad rule") << QStringList{set, gh, QStringLiteral("--allow"), QStringLiteral("GET repos")} << 2
                                  << QStringLiteral("--allow");
        QTest::newRow("bad schedule") << QStringList{set, gh, QStringLiteral("--schedule"), QStringLiteral("Someday 9-5")} << 2
                                      << QStringLiteral("--schedule");
        QTest::newRow("bare timeout") << QStringList{set, gh, QStringLiteral("--timeout"), QStringLiteral("30")} << 2
                                      << QStringLiteral("--timeout");
        QTest::newRow("rate twice") << QStringList{set, gh, QStringLiteral("--rate"), QStringLiteral("1/s"), QStringLiteral("--rate"), QStringLiteral("2/s")}
                                    << 2 << QStringLiteral("--rate is given more than once");
        QTest::newRow("security header") << QStringList{set, gh, QStringLiteral("--allow-header"), QStringLiteral("Authorization")} << 2
                                         << QStringLiteral("--allow-header");
        QTest::newRow("credential header") << QStringList{set, gh, QStringLiteral("--allow-header"), QStringLiteral("x-api-key")} << 2
                                           << QStringLiteral("credential's own header");
        QTest::newRow("bad agent name") << QStringList{set, gh, QStringLiteral("--agent"), QStringLiteral("Bad Name"), QStringLiteral("--no-rate")}
                                        << 2 << QStringLiteral("--agent");
        QTest::newRow("no name") << QStringList{QStringLiteral("show")} << 2 << QStringLiteral("needs a service NAME");
        QTest::newRow("unknown action") << QStringList{QStringLiteral("edit"), gh} << 2 << QStringLiteral("set or show");
        QTest::newRow("unknown service: show") << QStringList{QStringLiteral("show"), QStringLiteral("nope")} << 1
                                               << QStringLiteral("known services: docs, gh");
        QTest::newRow("unknown service: set") << QStringList{set, QStringLiteral("nope"), QStringLiteral("--no-rate")} << 1
                                              << QStringLiteral("known services: docs, gh");
        QTest::newRow("remove a rule that is not there")
            << QStringList{set, gh, QStringLiteral("--remove-rule"), QStringLiteral("GET /nothing")} << 1
            << QStringLiteral("no rule on 'GET /nothing'");
    }

    void failures()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        keyward::test::TempHome home;
        writeConfig(home);
        const QByteArray before = [&home] {
            QFile file(keyward::KeywardHome::atDirectory(home.path()).configFile());
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        }();

        const Run run = policy(home, args);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());

        // Nothing changed, nothing recorded.
        QFile file(keyward::KeywardHome::atDirectory(home.path()).configFile());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before);
        QVERIFY(changeRows(home).empty());

        // --json errors are one object on stdout.
        const Run jsonRun = policy(home, args + QStringList{QStringLiteral("--json")});
        QCOMPARE(jsonRun.exitCode, exitCode);
        const json error = json::parse(jsonRun.out.toStdString(), nullptr, false);
        QVERIFY2(error.is_object() && error.contains("error"), jsonRun.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestPolicyCli)
#include "tst_policy_cli.moc"
