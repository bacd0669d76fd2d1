// AlertCenter over a real audit.db, config.json and state.json with a fake notifier: rows the
// audit commits become stored alerts and at most one notification per category; exfiltration
// stops the agent on its own (audited, the alert saying how to resume); the notification buttons
// stop the agent, kill all, or ask for the audit window; rows of other processes and hand edits
// of config.json are picked up; seen alerts clear the unseen count.

#include "alerts/alertcenter.h"
#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "state/killstate.h"
#include "support/fakenotifier.h"
#include "support/temphome.h"

#include <QSignalSpy>
#include <QtTest>

using namespace keyward;

class TestAlertCenter : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempHome> m_home;
    std::unique_ptr<ConfigStore> m_config;
    std::unique_ptr<KillState> m_kills;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<FakeNotifier> m_notifier;
    std::unique_ptr<AlertCenter> m_center;

    KeywardHome home() const { return KeywardHome::atDirectory(m_home->path()); }

    void startCenter(const QString &notificationsJson = QStringLiteral("{}"))
    {
        m_center.reset();
        m_home = std::make_unique<test::TempHome>();
        Config config;
        config.services[QStringLiteral("api")].baseUrl = QStringLiteral("https://127.0.0.1:9/v1");
        config.settings.notificationsJson = notificationsJson;
        QVERIFY(saveConfigFile(home().configFile(), config).ok());
        m_config = std::make_unique<ConfigStore>(home().configFile());
        QVERIFY(m_config->load().ok());
        m_kills = std::make_unique<KillState>(home().stateFile());
        QVERIFY(m_kills->load().ok());
        m_audit = std::make_unique<AuditLog>(home().auditDatabase());
        QVERIFY(m_audit->open().ok());
        m_notifier = std::make_unique<FakeNotifier>();
        m_center = std::make_unique<AlertCenter>(home(), *m_audit, *m_config, *m_kills);
        m_center->setNotifier(m_notifier.get());
        QVERIFY(m_center->start().ok());
    }

    void append(const QString &decision, const QString &rule = {}, const QString &agent = QStringLiteral("bot"),
                const QString &path = QStringLiteral("/admin"))
    {
        AuditRow row;
        row.agent = agent;
        row.client = QStringLiteral("test");
        row.service = QStringLiteral("api");
        row.method = QStringLiteral("GET");
        row.path = path;
        row.decision = decision;
        if (!rule.isEmpty())
            row.rule = rule;
        QVERIFY(m_audit->append(row).ok());
    }

    QList<AuditRow> changeRows()
    {
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        return m_audit->query(filter).value();
    }

    QList<Alert> alertsOf(const QString &category)
    {
        QList<Alert> found;
        const QList<Alert> all = m_center->alerts().value();
        for (const Alert &alert : all) {
            if (alert.category == category)
                found << alert;
        }
        return found;
    }

private Q_SLOTS:
    void cleanup()
    {
        m_center.reset();
        m_audit.reset();
    }

    void aDenialBurstIsStoredAndNotifiedOnce()
    {
        startCenter();
        QSignalSpy unseen(m_center.get(), &AlertCenter::unseenCountChanged);
        QSignalSpy raised(m_center.get(), &AlertCenter::alertRaised);
        for (int i = 0; i < 12; ++i)
            append(QStringLiteral("denied"), QStringLiteral("deny GET /admin/**"));
        const QList<Alert> bursts = alertsOf(QStringLiteral("denial_burst"));
        QCOMPARE(bursts.size(), 1);
        QCOMPARE(bursts[0].count, 12); // 5 when raised, then 7 more
        QCOMPARE(bursts[0].firstSeq, qint64(1));
        QCOMPARE(bursts[0].lastSeq, qint64(12));
        QCOMPARE(bursts[0].agent, QStringLiteral("bot"));
        QVERIFY(!bursts[0].seen);
        // The new agent is stored too, but only the burst is notified.
        QCOMPARE(alertsOf(QStringLiteral("new_agent")).size(), 1);
        QCOMPARE(m_notifier->shown.size(), 1);
        QCOMPARE(m_notifier->shown[0].agent, QStringLiteral("bot"));
        QVERIFY(m_notifier->shown[0].summary.contains(QStringLiteral("denied calls")));
        QCOMPARE(raised.size(), 2);
        QCOMPARE(m_center->unseenCount(), qint64(2));
        QVERIFY(!unseen.isEmpty());
        QCOMPARE(unseen.last().at(0).toLongLong(), qint64(2));
        QVERIFY(changeRows().isEmpty()); // a burst stops nothing by default
    }

    void exfiltrationStopsTheAgentAndSaysHowToResume()
    {
        startCenter();
        append(QStringLiteral("denied"), QStringLiteral("header:authorization"), QStringLiteral("evil"), QStringLiteral("/items"));
        QVERIFY(m_kills->switches().agents.contains(QStringLiteral("evil")));
        const QList<Alert> alerts = alertsOf(QStringLiteral("exfiltration"));
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts[0].severity, AlertSeverity::Critical);
        QCOMPARE(alerts[0].actionTaken.value_or(QString()), QStringLiteral("killed agent 'evil'"));
        QVERIFY2(alerts[0].message.contains(QStringLiteral("keyward resume --agent evil")), qPrintable(alerts[0].message));
        const QList<AuditRow> changes = changeRows();
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].method, QStringLiteral("kill"));
        QCOMPARE(changes[0].path, QStringLiteral("agent:evil"));
        QCOMPARE(changes[0].agent, QStringLiteral("alerts"));
        // Its own kill raises no kill_switch alert; the notification names the agent.
        QVERIFY(alertsOf(QStringLiteral("kill_switch")).isEmpty());
        QCOMPARE(m_notifier->shown.size(), 1);
        QCOMPARE(m_notifier->shown[0].severity, AlertSeverity::Critical);
        // More signs coalesce and do not kill again.
        append(QStringLiteral("killed"), QStringLiteral("kill:agent:evil"), QStringLiteral("evil"), QStringLiteral("/oauth/token"));
        QCOMPARE(changeRows().size(), 1);
        QCOMPARE(alertsOf(QStringLiteral("exfiltration")).size(), 1);
    }

    void autoKillCanBeTurnedOff()
    {
        startCenter(QStringLiteral(R"({"rules":{"exfiltration":{"autoKill":false}}})"));
        append(QStringLiteral("denied"), QStringLiteral("header:cookie"), QStringLiteral("evil"), QStringLiteral("/items"));
        QVERIFY(m_kills->switches().agents.isEmpty());
        QCOMPARE(alertsOf(QStringLiteral("exfiltration")).size(), 1);
        QVERIFY(!alertsOf(QStringLiteral("exfiltration"))[0].actionTaken.has_value());
    }

    void notificationButtonsStopTheAgentOrEverything()
    {
        startCenter();
        for (int i = 0; i < 5; ++i)
            append(QStringLiteral("denied"), QStringLiteral("deny GET /admin/**"));
        QCOMPARE(m_notifier->shown.size(), 1);
        m_notifier->press(NotificationAction::StopAgent);
        QVERIFY(m_kills->switches().agents.contains(QStringLiteral("bot")));
        QVERIFY(!m_kills->switches().all);
        QCOMPARE(changeRows().constLast().agent, QStringLiteral("notification"));
        QCOMPARE(changeRows().constLast().path, QStringLiteral("agent:bot"));

        m_notifier->press(NotificationAction::KillAll);
        QVERIFY(m_kills->switches().all);
        QCOMPARE(changeRows().constLast().path, QStringLiteral("all"));
        QCOMPARE(changeRows().constLast().agent, QStringLiteral("notification"));

        QSignalSpy openAudit(m_center.get(), &AlertCenter::openAuditRequested);
        m_notifier->press(NotificationAction::OpenAudit);
        QCOMPARE(openAudit.size(), 1);
        QVERIFY(alertsOf(QStringLiteral("kill_switch")).isEmpty()); // the user's own buttons
    }

    void notificationsFollowTheSettings()
    {
        startCenter(QStringLiteral(R"({"rules":{"denial_burst":{"notify":false}}})"));
        for (int i = 0; i < 5; ++i)
            append(QStringLiteral("denied"), QStringLiteral("deny GET /admin/**"));
        QCOMPARE(alertsOf(QStringLiteral("denial_burst")).size(), 1);
        QVERIFY(m_notifier->shown.isEmpty());

        startCenter(QStringLiteral(R"({"enabled":false})"));
        append(QStringLiteral("denied"), QStringLiteral("rate"));
        QCOMPARE(alertsOf(QStringLiteral("rate_limit")).size(), 1);
        QVERIFY(m_notifier->shown.isEmpty());
    }

    void anotherCategoryWithinTheMinuteIsHeldBack()
    {
        startCenter();
        append(QStringLiteral("denied"), QStringLiteral("rate"), QStringLiteral("a1"));
        append(QStringLiteral("denied"), QStringLiteral("rate"), QStringLiteral("a2"));
        QCOMPARE(alertsOf(QStringLiteral("rate_limit")).size(), 2);
        QCOMPARE(m_notifier->shown.size(), 1);
    }

    void rowsOfOtherProcessesAreReadOnRefresh()
    {
        startCenter();
        {
            AuditLog cli(home().auditDatabase());
            QVERIFY(recordChange(cli, QStringLiteral("policy set"), QStringLiteral("api"),
                                 QStringLiteral("added allow POST /**"), QStringLiteral("cli"), QStringLiteral("api"))
                        .ok());
        }
        QVERIFY(alertsOf(QStringLiteral("access_change")).isEmpty());
        m_center->refresh();
        const QList<Alert> changes = alertsOf(QStringLiteral("access_change"));
        QCOMPARE(changes.size(), 1);
        QVERIFY2(changes[0].message.contains(QStringLiteral("allow POST")), qPrintable(changes[0].message));
        QCOMPARE(changes[0].firstSeq, qint64(1));
        // A later row of this process also reads what it skipped.
        {
            AuditLog cli(home().auditDatabase());
            QVERIFY(recordChange(cli, QStringLiteral("kill"), QStringLiteral("agent:bot"), QStringLiteral("Killed"),
                                 QStringLiteral("cli"))
                        .ok());
        }
        append(QStringLiteral("allowed"));
        QCOMPARE(alertsOf(QStringLiteral("kill_switch")).size(), 1);
    }

    void aHandEditIsAuditedAndRaisesAnAlert()
    {
        startCenter();
        QFile file(home().configFile());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray text = file.readAll();
        file.close();
        text.replace("\"enabled\": true", "\"enabled\": false");
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
        file.close();
        QTRY_VERIFY_WITH_TIMEOUT(!alertsOf(QStringLiteral("access_change")).isEmpty(), 5000);
        const QList<AuditRow> changes = changeRows();
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].method, QStringLiteral("config edit"));
        QCOMPARE(changes[0].agent, QStringLiteral("hand-edit"));
    }

    void aCommandsChangeIsNotAHandEdit()
    {
        startCenter();
        Config changed = m_config->config();
        changed.services[QStringLiteral("api")].enabled = false;
        QVERIFY(saveConfigFile(home().configFile(), changed).ok());
        {
            AuditLog cli(home().auditDatabase());
            QVERIFY(recordChange(cli, QStringLiteral("service disable"), QStringLiteral("api"), QStringLiteral("disabled"))
                        .ok());
        }
        m_config->reload(); // as the owner does when the command tells it
        QTest::qWait(AlertCenter::kHandEditGraceMs + 700);
        QCOMPARE(changeRows().size(), 1);
        QVERIFY(alertsOf(QStringLiteral("access_change")).isEmpty());
    }

    void markingSeenClearsTheUnseenCount()
    {
        startCenter();
        append(QStringLiteral("denied"), QStringLiteral("rate"));
        QCOMPARE(m_center->unseenCount(), qint64(2)); // new agent + rate limit
        QSignalSpy changed(m_center.get(), &AlertCenter::alertsChanged);
        QSignalSpy unseen(m_center.get(), &AlertCenter::unseenCountChanged);
        const qint64 id = m_center->alerts(1).value().first().id;
        QCOMPARE(m_center->markSeen({id}).value(), 1);
        QCOMPARE(m_center->unseenCount(), qint64(1));
        QCOMPARE(m_center->markSeen().value(), 1);
        QCOMPARE(m_center->unseenCount(), qint64(0));
        QCOMPARE(changed.size(), 2);
        QCOMPARE(unseen.last().at(0).toLongLong(), qint64(0));
        // Another process marking alerts seen reaches the count on refresh().
        append(QStringLiteral("denied"), QStringLiteral("header:cookie"), QStringLiteral("x2"), QStringLiteral("/items"));
        QVERIFY(m_center->unseenCount() > 0);
        AlertStore other(home().auditDatabase());
        QVERIFY(other.markSeen().ok());
        m_center->refresh();
        QCOMPARE(m_center->unseenCount(), qint64(0));
    }

    void historyMakesKnownAgentsKnown()
    {
        startCenter();
        append(QStringLiteral("allowed"), {}, QStringLiteral("old"), QStringLiteral("/items"));
        QCOMPARE(alertsOf(QStringLiteral("new_agent")).size(), 1);
        // A restarted owner learns `old` from the audit.
        m_center.reset();
        m_center = std::make_unique<AlertCenter>(home(), *m_audit, *m_config, *m_kills);
        QVERIFY(m_center->start().ok());
        append(QStringLiteral("allowed"), {}, QStringLiteral("old"), QStringLiteral("/items"));
        append(QStringLiteral("allowed"), {}, QStringLiteral("newcomer"), QStringLiteral("/items"));
        const QList<Alert> sightings = alertsOf(QStringLiteral("new_agent"));
        QCOMPARE(sightings.size(), 2); // the first run's `old`, and `newcomer`
        QCOMPARE(sightings[0].agent, QStringLiteral("newcomer"));
    }
};

QTEST_GUILESS_MAIN(TestAlertCenter)
#include "tst_alertcenter.moc"
