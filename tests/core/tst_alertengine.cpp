// AlertEngine, rule by rule, with an injected clock: each rule fires when it should, stays quiet
// when it should not, and coalesces a continuing burst into one alert. Plus the notification
// throttle, a well-behaved agent over a simulated hour, and the memory of the baselines.

#include "alerts/alertengine.h"
#include "alerts/notificationthrottle.h"

#include <QtTest>

#include <random>

using namespace keyward;
using json = nlohmann::json;

namespace {

// One audit row to feed, `at` seconds after the start (Monday 2026-11-23 10:00 UTC).
struct Step {
    int at = 0;
    QString agent = QStringLiteral("bot");
    QString service = QStringLiteral("api");
    QString method = QStringLiteral("GET");
    QString path = QStringLiteral("/items");
    QString decision = QStringLiteral("allowed");
    QString rule;
    int status = 200;
};

using Steps = QList<Step>;

const QDateTime kStart = QDateTime(QDate(2026, 11, 23), QTime(10, 0), Qt::UTC);

Step call(int at, const QString &path = QStringLiteral("/items"), const QString &agent = QStringLiteral("bot"))
{
    Step step;
    step.at = at;
    step.path = path;
    step.agent = agent;
    return step;
}

Step denied(int at, const QString &rule = QStringLiteral("deny GET /admin/**"), const QString &path = QStringLiteral("/admin/x"))
{
    Step step = call(at, path);
    step.decision = QStringLiteral("denied");
    step.rule = rule;
    step.status = 0;
    return step;
}

Step failed(int at, const QString &rule)
{
    Step step = call(at);
    step.decision = QStringLiteral("error");
    step.rule = rule;
    step.status = 0;
    return step;
}

Step change(int at, const QString &command, const QString &target, const QString &actor = QStringLiteral("cli"))
{
    Step step;
    step.at = at;
    step.agent = actor;
    step.service.clear();
    step.method = command;
    step.path = target;
    step.decision = QStringLiteral("change");
    step.status = 0;
    return step;
}

// `n` steps made by `make(i)`.
Steps times(int n, const std::function<Step(int)> &make)
{
    Steps steps;
    for (int i = 0; i < n; ++i)
        steps << make(i);
    return steps;
}

AuditRow rowOf(const Step &step, qint64 seq)
{
    AuditRow row;
    row.seq = seq;
    row.time = kStart.addSecs(step.at);
    row.agent = step.agent;
    row.client = QStringLiteral("test-client");
    row.service = step.service;
    row.method = step.method;
    row.path = step.path;
    row.decision = step.decision;
    if (!step.rule.isEmpty())
        row.rule = step.rule;
    if (step.status > 0)
        row.status = step.status;
    return row;
}

// Runs the steps through a fresh engine; returns every event.
struct Run {
    QList<AlertEvent> events;
    QList<AlertEvent> of(const QString &category) const
    {
        QList<AlertEvent> found;
        for (const AlertEvent &event : events) {
            if (event.alert.category == category)
                found << event;
        }
        return found;
    }
};

Run runSteps(const QByteArray &settingsJson, const Steps &history, const Steps &steps)
{
    QDateTime now = kStart;
    const auto settings = alertSettingsFromJson(json::parse(settingsJson.toStdString()));
    if (!settings)
        qFatal("bad settings in the test table: %s", qPrintable(settings.error().message));
    AlertEngine engine(*settings, [&now] { return now; });
    engine.setTimeZone(QTimeZone::utc());
    qint64 seq = 0;
    for (const Step &step : history)
        engine.learn(rowOf(step, ++seq));
    Run run;
    for (const Step &step : steps) {
        now = kStart.addSecs(step.at);
        run.events << engine.observe(rowOf(step, ++seq));
    }
    return run;
}

// 60 calls of `bot` to api GET /items in the past: a known agent past its learning period.
Steps knownBot() { return times(60, [](int i) { return call(-3600 + i); }); }

} // namespace

Q_DECLARE_METATYPE(Steps)

class TestAlertEngine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rules_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<Steps>("history");
        QTest::addColumn<Steps>("steps");
        QTest::addColumn<QString>("category");
        QTest::addColumn<int>("newAlerts");
        QTest::addColumn<int>("finalCount"); // count of the last alert of the category; -1: not checked

        const QByteArray defaults = "{}";
        const Steps known = knownBot();
        auto row = [](const char *name) { return &QTest::newRow(name); };

        // denial_burst: 5 in 60 s by default.
        *row("denial burst fires at 5 denials in a minute") << defaults << known << times(5, [](int i) { return denied(i * 10); })
                                                            << "denial_burst" << 1 << 5;
        *row("denial burst quiet at 4 denials") << defaults << known << times(4, [](int i) { return denied(i * 10); })
                                                << "denial_burst" << 0 << -1;
        *row("denial burst quiet when denials are spread out") << defaults << known
                                                               << times(8, [](int i) { return denied(i * 70); })
                                                               << "denial_burst" << 0 << -1;
        *row("denial burst coalesces a longer burst") << defaults << known << times(12, [](int i) { return denied(i * 5); })
                                                      << "denial_burst" << 1 << 12;
        *row("denial burst ignores rate limit refusals") << defaults << known
                                                         << times(6, [](int i) { return denied(i, QStringLiteral("rate")); })
                                                         << "denial_burst" << 0 << -1;
        *row("denial burst threshold from settings") << QByteArray(R"({"rules":{"denial_burst":{"count":2}}})") << known
                                                     << times(2, [](int i) { return denied(i); }) << "denial_burst" << 1 << 2;
        *row("denial burst disabled") << QByteArray(R"({"rules":{"denial_burst":{"enabled":false}}})") << known
                                      << times(6, [](int i) { return denied(i); }) << "denial_burst" << 0 << -1;

        // rate_limit
        *row("rate limit fires on a refusal") << defaults << known << Steps{denied(0, QStringLiteral("rate"))}
                                              << "rate_limit" << 1 << 1;
        *row("rate limit quiet on allowed calls") << defaults << known << times(30, [](int i) { return call(i); })
                                                  << "rate_limit" << 0 << -1;
        *row("rate limit coalesces") << defaults << known << times(3, [](int i) { return denied(i * 10, QStringLiteral("rate")); })
                                     << "rate_limit" << 1 << 3;

        // new_agent
        *row("new agent fires on a first call") << defaults << known << Steps{call(0, QStringLiteral("/items"), QStringLiteral("stranger"))}
                                                << "new_agent" << 1 << 1;
        *row("new agent quiet for a known agent") << defaults << known << times(3, [](int i) { return call(i); })
                                                  << "new_agent" << 0 << -1;
        *row("new agent raised once") << defaults << Steps{}
                                      << times(5, [](int i) { return call(i * 100, QStringLiteral("/items"), QStringLiteral("fresh")); })
                                      << "new_agent" << 1 << 1;

        // new_pattern
        *row("new pattern fires on a new path") << defaults << known << Steps{call(0, QStringLiteral("/orgs/acme"))}
                                                << "new_pattern" << 1 << 1;
        *row("new pattern fires on a new service") << defaults << known
                                                   << Steps{[] { Step s = call(0); s.service = QStringLiteral("mail"); return s; }()}
                                                   << "new_pattern" << 1 << 1;
        *row("new pattern quiet while learning") << defaults << times(10, [](int i) { return call(-100 + i); })
                                                 << Steps{call(0, QStringLiteral("/orgs/acme"))} << "new_pattern" << 0 << -1;
        *row("new pattern quiet on a known pattern") << defaults << known << Steps{call(0, QStringLiteral("/items/42"))}
                                                     << "new_pattern" << 0 << -1;
        *row("new pattern coalesces on one service") << defaults << known
                                                     << Steps{call(0, QStringLiteral("/orgs/a")), call(10, QStringLiteral("/users/b"))}
                                                     << "new_pattern" << 1 << 2;

        // outside_schedule
        *row("outside schedule fires on a policy schedule refusal") << defaults << known
                                                                   << Steps{denied(0, QStringLiteral("schedule"))}
                                                                   << "outside_schedule" << 1 << 1;
        const QByteArray officeHours = R"({"rules":{"outside_schedule":{"schedule":["Mon-Fri 09:00-18:00"]}}})";
        *row("outside schedule fires outside the expected hours") << officeHours << known << Steps{call(12 * 3600)}
                                                                  << "outside_schedule" << 1 << 1;
        *row("outside schedule quiet within the expected hours") << officeHours << known << Steps{call(0), call(3600)}
                                                                 << "outside_schedule" << 0 << -1;
        *row("outside schedule quiet without a schedule") << defaults << known << Steps{call(12 * 3600)}
                                                          << "outside_schedule" << 0 << -1;

        // volume_spike: 15 active minutes at 5 calls, then a burst.
        Steps steady;
        for (int minute = 0; minute < 15; ++minute) {
            for (int i = 0; i < 5; ++i)
                steady << call(minute * 60 + i * 10);
        }
        Steps spike = steady;
        for (int i = 0; i < 40; ++i)
            spike << call(15 * 60 + i);
        *row("volume spike fires far above the baseline") << defaults << known << spike << "volume_spike" << 1 << -1;
        Steps busySteady;
        for (int minute = 0; minute < 30; ++minute) {
            for (int i = 0; i < 25; ++i)
                busySteady << call(minute * 60 + i * 2);
        }
        *row("volume spike quiet at a steady high rate") << defaults << known << busySteady << "volume_spike" << 0 << -1;
        Steps coldBurst;
        for (int i = 0; i < 40; ++i)
            coldBurst << call(i);
        *row("volume spike quiet before the baseline is warm") << defaults << known << coldBurst << "volume_spike" << 0 << -1;
        Steps longSpike = steady;
        for (int i = 0; i < 50; ++i)
            longSpike << call(15 * 60 + i);
        *row("volume spike coalesces within the minute") << defaults << known << longSpike << "volume_spike" << 1 << -1;

        // upstream_errors: 5 in 60 s by default, 5xx answers count too.
        *row("upstream errors fire on a burst") << defaults << known
                                                << times(5, [](int i) { return failed(i * 5, QStringLiteral("upstream_error")); })
                                                << "upstream_errors" << 1 << 5;
        *row("upstream errors count 5xx answers") << defaults << known
                                                  << times(5, [](int i) { Step s = call(i); s.status = 503; return s; })
                                                  << "upstream_errors" << 1 << 5;
        *row("upstream errors quiet on 4xx answers") << defaults << known
                                                     << times(6, [](int i) { Step s = call(i); s.status = 404; return s; })
                                                     << "upstream_errors" << 0 << -1;
        *row("upstream errors quiet when spread out") << defaults << known
                                                      << times(6, [](int i) { return failed(i * 120, QStringLiteral("upstream_error")); })
                                                      << "upstream_errors" << 0 << -1;
        *row("upstream errors coalesce") << defaults << known
                                         << times(9, [](int i) { return failed(i * 5, QStringLiteral("upstream_error")); })
                                         << "upstream_errors" << 1 << 9;

        // exfiltration
        *row("exfiltration fires on a forbidden header") << defaults << known
                                                         << Steps{denied(0, QStringLiteral("header:authorization"), QStringLiteral("/items"))}
                                                         << "exfiltration" << 1 << 1;
        *row("exfiltration fires on a guard refusal") << defaults << known
                                                      << Steps{denied(0, QStringLiteral("guard:dot-segment"), QStringLiteral("/x"))}
                                                      << "exfiltration" << 1 << 1;
        *row("exfiltration fires on a token endpoint") << defaults << known << Steps{call(0, QStringLiteral("/oauth/token"))}
                                                       << "exfiltration" << 1 << 1;
        *row("exfiltration fires on an api keys endpoint") << defaults << known << Steps{call(0, QStringLiteral("/api/keys"))}
                                                           << "exfiltration" << 1 << 1;
        *row("exfiltration fires on probing unknown services")
            << defaults << known << times(3, [](int i) { Step s = denied(i, QStringLiteral("service:unknown"), QStringLiteral("/")); s.service.clear(); return s; })
            << "exfiltration" << 1 << 1;
        *row("exfiltration quiet on two unknown services")
            << defaults << known << times(2, [](int i) { Step s = denied(i, QStringLiteral("service:unknown"), QStringLiteral("/")); s.service.clear(); return s; })
            << "exfiltration" << 0 << -1;
        *row("exfiltration quiet on malformed input") << defaults << known
                                                      << Steps{denied(0, QStringLiteral("guard:method"), QStringLiteral("/x")),
                                                               denied(1, QStringLiteral("guard:query-in-path"), QStringLiteral("/x")),
                                                               denied(2, QStringLiteral("header:connection"), QStringLiteral("/x")),
                                                               denied(3, QStringLiteral("query:invalid"), QStringLiteral("/x"))}
                                                      << "exfiltration" << 0 << -1;
        *row("exfiltration fires on the credential's query parameter") << defaults << known
                                                                       << Steps{denied(0, QStringLiteral("query:api_key"), QStringLiteral("/x"))}
                                                                       << "exfiltration" << 1 << 1;
        *row("exfiltration quiet on ordinary paths") << defaults << known
                                                     << Steps{call(0, QStringLiteral("/tokenizer")), call(1, QStringLiteral("/keyboard/keys-layout"))}
                                                     << "exfiltration" << 0 << -1;
        *row("exfiltration coalesces") << defaults << known
                                       << times(4, [](int i) { return denied(i, QStringLiteral("header:cookie"), QStringLiteral("/items")); })
                                       << "exfiltration" << 1 << 4;

        // keychain
        *row("keychain fires on a failed secret read") << defaults << known << Steps{failed(0, QStringLiteral("keychain_error"))}
                                                       << "keychain" << 1 << 1;
        *row("keychain quiet on upstream errors") << defaults << known << Steps{failed(0, QStringLiteral("upstream_error"))}
                                                  << "keychain" << 0 << -1;
        *row("keychain coalesces") << defaults << known
                                   << times(3, [](int i) { return failed(i * 5, QStringLiteral("keychain_error")); })
                                   << "keychain" << 1 << 3;

        // kill_switch
        *row("kill switch fires on a kill from the command line") << defaults << Steps{}
                                                                  << Steps{change(0, QStringLiteral("kill"), QStringLiteral("agent:bot"))}
                                                                  << "kill_switch" << 1 << 1;
        *row("kill switch quiet on Keyward's own kill") << defaults << Steps{}
                                                        << Steps{change(0, QStringLiteral("kill"), QStringLiteral("agent:bot"), QStringLiteral("alerts")),
                                                                 change(1, QStringLiteral("kill"), QStringLiteral("all"), QStringLiteral("notification"))}
                                                        << "kill_switch" << 0 << -1;
        *row("kill switch quiet on a resume") << defaults << Steps{}
                                              << Steps{change(0, QStringLiteral("resume"), QStringLiteral("agent:bot"))}
                                              << "kill_switch" << 0 << -1;

        // access_change
        *row("access change fires on policy set") << defaults << Steps{}
                                                  << Steps{change(0, QStringLiteral("policy set"), QStringLiteral("api"))}
                                                  << "access_change" << 1 << 1;
        *row("access change fires on a hand edit") << defaults << Steps{}
                                                   << Steps{change(0, QStringLiteral("config edit"), QStringLiteral("config.json"), QStringLiteral("hand-edit"))}
                                                   << "access_change" << 1 << 1;
        *row("access change fires on a resume") << defaults << Steps{}
                                                << Steps{change(0, QStringLiteral("resume"), QStringLiteral("all"))}
                                                << "access_change" << 1 << 1;
        *row("access change quiet on narrowing changes") << defaults << Steps{}
                                                         << Steps{change(0, QStringLiteral("service remove"), QStringLiteral("api")),
                                                                  change(1, QStringLiteral("service disable"), QStringLiteral("api")),
                                                                  change(2, QStringLiteral("agent remove"), QStringLiteral("bot"))}
                                                         << "access_change" << 0 << -1;
        *row("access change quiet on changes confirmed in the tray") << defaults << Steps{}
                                                                     << Steps{change(0, QStringLiteral("policy set"), QStringLiteral("api"), QStringLiteral("tray"))}
                                                                     << "access_change" << 0 << -1;
        *row("access change coalesces one target") << defaults << Steps{}
                                                   << Steps{change(0, QStringLiteral("policy set"), QStringLiteral("api")),
                                                            change(5, QStringLiteral("policy set"), QStringLiteral("api"))}
                                                   << "access_change" << 1 << 2;
    }

    void rules()
    {
        QFETCH(QByteArray, settings);
        QFETCH(Steps, history);
        QFETCH(Steps, steps);
        QFETCH(QString, category);
        QFETCH(int, newAlerts);
        QFETCH(int, finalCount);

        const Run run = runSteps(settings, history, steps);
        const QList<AlertEvent> events = run.of(category);
        int created = 0;
        for (const AlertEvent &event : events) {
            created += event.isNew ? 1 : 0;
            QVERIFY2(!event.alert.message.isEmpty(), qPrintable(category));
            QVERIFY(event.alert.firstSeq <= event.alert.lastSeq);
            QVERIFY(event.alert.firstSeq > 0);
        }
        QCOMPARE(created, newAlerts);
        if (finalCount >= 0 && !events.isEmpty())
            QCOMPARE(events.last().alert.count, finalCount);
    }

    void exfiltrationIsCriticalAndStopsTheAgentByDefault()
    {
        const Run run = runSteps("{}", knownBot(), {denied(0, QStringLiteral("header:authorization"), QStringLiteral("/items"))});
        const auto events = run.of(QStringLiteral("exfiltration"));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].alert.severity, AlertSeverity::Critical);
        QCOMPARE(events[0].alert.agent, QStringLiteral("bot"));
        QVERIFY(events[0].autoKill);
        QVERIFY(events[0].notify);
        QVERIFY2(events[0].alert.message.contains(QStringLiteral("authorization")), qPrintable(events[0].alert.message));
    }

    void onlyExfiltrationStopsByDefault()
    {
        Steps steps = times(6, [](int i) { return denied(i); });
        steps << denied(7, QStringLiteral("rate")) << failed(8, QStringLiteral("keychain_error"));
        const Run run = runSteps("{}", knownBot(), steps);
        QVERIFY(!run.events.isEmpty());
        for (const AlertEvent &event : run.events)
            QVERIFY2(!event.autoKill, qPrintable(event.alert.category));
        const Run opted = runSteps(R"({"rules":{"denial_burst":{"autoKill":true}}})", knownBot(), steps);
        QVERIFY(opted.of(QStringLiteral("denial_burst")).first().autoKill);
    }

    void newAgentIsStoredButNotNotifiedByDefault()
    {
        const Run run = runSteps("{}", {}, {call(0, QStringLiteral("/items"), QStringLiteral("stranger"))});
        const auto events = run.of(QStringLiteral("new_agent"));
        QCOMPARE(events.size(), 1);
        QVERIFY(!events[0].notify);
        QCOMPARE(events[0].alert.severity, AlertSeverity::Info);
        const Run opted = runSteps(R"({"rules":{"new_agent":{"notify":true}}})", {}, {call(0, QStringLiteral("/x"), QStringLiteral("s2"))});
        QVERIFY(opted.of(QStringLiteral("new_agent")).first().notify);
    }

    void denialBurstNamesTheFirstAndLastRow()
    {
        const Run run = runSteps("{}", {}, times(7, [](int i) { return denied(i); }));
        const auto events = run.of(QStringLiteral("denial_burst"));
        QCOMPARE(events.size(), 3); // raised at the 5th, grown by the 6th and 7th
        QCOMPARE(events[0].alert.firstSeq, qint64(1));
        QCOMPARE(events[0].alert.lastSeq, qint64(5));
        QCOMPARE(events.last().alert.lastSeq, qint64(7));
        QVERIFY(events.last().key == events.first().key);
        QVERIFY(events[0].alert.message.contains(QStringLiteral("keyward kill --agent bot")));
    }

    void aBurstAfterAQuietGapIsANewAlert()
    {
        Steps steps = times(5, [](int i) { return denied(i); });
        steps << times(5, [](int i) { return denied(600 + i); });
        const Run run = runSteps("{}", knownBot(), steps);
        int created = 0;
        for (const AlertEvent &event : run.of(QStringLiteral("denial_burst")))
            created += event.isNew ? 1 : 0;
        QCOMPARE(created, 2);
    }

    // Issue 8 "Done when": a well-behaved agent running for an hour produces no notification.
    void wellBehavedAgentOverAnHourNotifiesNothing()
    {
        std::mt19937 random(8);
        std::uniform_int_distribution<int> gap(5, 20);
        const QStringList paths = {QStringLiteral("/items"), QStringLiteral("/items/17"), QStringLiteral("/search")};
        Steps steps;
        for (int at = 0; at < 3600; at += gap(random)) {
            Step step = call(at, paths[int(random() % 3)], QStringLiteral("worker"));
            step.method = QStringLiteral("GET");
            steps << step;
        }
        QVERIFY(steps.size() > 150);
        QDateTime now = kStart;
        AlertEngine engine(AlertSettings::defaults(), [&now] { return now; });
        NotificationThrottle throttle;
        int notifications = 0;
        int alerts = 0;
        qint64 seq = 0;
        for (const Step &step : steps) {
            now = kStart.addSecs(step.at);
            for (const AlertEvent &event : engine.observe(rowOf(step, ++seq))) {
                alerts += event.isNew ? 1 : 0;
                if (event.isNew && throttle.admit(event.alert, event.notify, engine.settings(), now).show)
                    ++notifications;
            }
        }
        QCOMPARE(notifications, 0);
        QCOMPARE(alerts, 1); // its first sighting, stored only
    }

    void baselinesOf100AgentsBy50ServicesStaySmall()
    {
        QDateTime now = kStart;
        AlertEngine engine(AlertSettings::defaults(), [&now] { return now; });
        qint64 seq = 0;
        for (int minute = 0; minute < 2; ++minute) {
            now = kStart.addSecs(minute * 60);
            for (int a = 0; a < 100; ++a) {
                for (int s = 0; s < 50; ++s) {
                    Step step = call(minute * 60, QStringLiteral("/items"), QStringLiteral("agent-%1").arg(a));
                    step.service = QStringLiteral("service-%1").arg(s);
                    engine.observe(rowOf(step, ++seq));
                }
            }
        }
        QCOMPARE(engine.agentCount(), 100);
        QCOMPARE(engine.baselineCount(), 5000);
        const qint64 bytes = engine.approximateMemoryBytes();
        QVERIFY2(bytes > 0 && bytes < 8 * 1024 * 1024, qPrintable(QString::number(bytes)));
    }

    void baselinesAreCapped()
    {
        QDateTime now = kStart;
        AlertEngine engine(AlertSettings::defaults(), [&now] { return now; });
        qint64 seq = 0;
        for (int i = 0; i < AlertEngine::kMaxBaselines + 500; ++i) {
            now = kStart.addMSecs(i);
            Step step = call(0, QStringLiteral("/items"), QStringLiteral("a%1").arg(i % 3000));
            step.service = QStringLiteral("s%1").arg(i);
            engine.observe(rowOf(step, ++seq));
        }
        QVERIFY(engine.baselineCount() <= AlertEngine::kMaxBaselines);
        QVERIFY(engine.agentCount() <= AlertEngine::kMaxAgents);
    }

    void pathPatternsGroupByFirstSegment_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("pattern");
        QTest::newRow("root") << "GET" << "/" << "GET /";
        QTest::newRow("one segment") << "GET" << "/user" << "GET /user/**";
        QTest::newRow("deeper") << "POST" << "/repos/acme/x/issues" << "POST /repos/**";
    }
    void pathPatternsGroupByFirstSegment()
    {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(QString, pattern);
        QCOMPARE(AlertEngine::pathPattern(method, path), pattern);
    }

    void throttleShowsOnePerCategoryPerMinute()
    {
        const AlertSettings settings = AlertSettings::defaults();
        NotificationThrottle throttle;
        Alert alert;
        alert.category = QStringLiteral("denial_burst");
        QVERIFY(throttle.admit(alert, true, settings, kStart).show);
        QVERIFY(!throttle.admit(alert, true, settings, kStart.addSecs(10)).show);
        QVERIFY(!throttle.admit(alert, true, settings, kStart.addSecs(50)).show);
        Alert other = alert;
        other.category = QStringLiteral("rate_limit");
        QVERIFY(throttle.admit(other, true, settings, kStart.addSecs(20)).show); // its own category
        const auto next = throttle.admit(alert, true, settings, kStart.addSecs(61));
        QVERIFY(next.show);
        QCOMPARE(next.heldBack, 2);
        QCOMPARE(throttle.admit(alert, true, settings, kStart.addSecs(200)).heldBack, 0);
    }

    void throttleFollowsTogglesAndQuietHours()
    {
        AlertSettings settings = AlertSettings::defaults();
        NotificationThrottle throttle;
        Alert alert;
        alert.category = QStringLiteral("denial_burst");
        QVERIFY(!throttle.admit(alert, false, settings, kStart).show); // the rule's notify is off
        settings.quietHours = QStringLiteral("09:00-12:00");
        QVERIFY(!throttle.admit(alert, true, settings, kStart, QTimeZone::utc()).show); // 10:00 is quiet
        Alert critical = alert;
        critical.category = QStringLiteral("exfiltration");
        critical.severity = AlertSeverity::Critical;
        QVERIFY(throttle.admit(critical, true, settings, kStart, QTimeZone::utc()).show);
        const auto after = throttle.admit(alert, true, settings, kStart.addSecs(3 * 3600), QTimeZone::utc());
        QVERIFY(after.show);
        QCOMPARE(after.heldBack, 1);
        settings.enabled = false;
        QVERIFY(!throttle.admit(critical, true, settings, kStart.addSecs(9000)).show);
    }

    void settingsRoundTripAndDefaults()
    {
        const auto empty = alertSettingsFromJson(json::object());
        QVERIFY(empty.ok());
        QVERIFY(*empty == AlertSettings::defaults());
        QCOMPARE(alertSettingsToJson(*empty), json::object());
        const json custom = json::parse(R"({"enabled":false,"quietHours":"22:00-07:00","rules":{"denial_burst":{"count":3,"windowSeconds":30},"volume_spike":{"zScore":3.5},"outside_schedule":{"schedule":["Mon-Fri 08:00-20:00"]}}})");
        const auto parsed = alertSettingsFromJson(custom);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().message));
        QCOMPARE(parsed->rule(QStringLiteral("denial_burst")).count, 3);
        QCOMPARE(alertSettingsToJson(*parsed), custom);
        const auto bad = alertSettingsFromJson(json::parse(R"({"rules":{"outside_schedule":{"schedule":["soon"]}}})"));
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.startsWith(QStringLiteral("/rules/outside_schedule/schedule: ")), qPrintable(bad.error().message));
    }
};

QTEST_APPLESS_MAIN(TestAlertEngine)
#include "tst_alertengine.moc"
