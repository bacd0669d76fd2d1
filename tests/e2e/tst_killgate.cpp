// The kill switch inside CallExecutor, in process, against a real HTTPS upstream: a killed call is
// refused before anything else (no rate token, no secret read, nothing sent), calls in flight are
// aborted wherever they wait when a kill arrives (approval, keychain, upstream), the caller's
// cancellation ends a call at every stage, and each call ends exactly once, audited.

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "core/cancellation.h"
#include "policy/approvalprovider.h"
#include "secrets/secretcache.h"
#include "state/killstate.h"
#include "state/statefile.h"
#include "support/fakesecretstore.h"
#include "support/httpsupstream.h"
#include "support/temphome.h"
#include "upstream/callexecutor.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QtTest>

using namespace keyward;
using json = nlohmann::json;

namespace {

// Holds every approval request until the test answers it (or never).
class HeldApprovals : public policy::ApprovalProvider {
public:
    void requestApproval(const policy::ApprovalRequest &, DecisionCallback decide) override { pending.append(decide); }
    QList<DecisionCallback> pending;
};

// What one execute() gave back: every `done` call is counted.
struct Outcome {
    int doneCalls = 0;
    json result;
};

} // namespace

class TestKillGate : public QObject {
    Q_OBJECT

    test::HttpsUpstream m_upstream;
    std::unique_ptr<test::TempHome> m_home;
    std::unique_ptr<FakeSecretStore> m_store;
    std::unique_ptr<SecretCache> m_cache;
    std::unique_ptr<ConfigStore> m_config;
    std::unique_ptr<KillState> m_kills;
    std::unique_ptr<AuditLog> m_audit;
    QNetworkAccessManager m_network;
    std::unique_ptr<UpstreamClient> m_client;
    std::unique_ptr<CallExecutor> m_executor;

    QString statePath() const { return m_home->filePath(QStringLiteral("state.json")); }

    ServiceConfig baseService()
    {
        ServiceConfig service;
        service.baseUrl = m_upstream.baseUrl();
        service.caFile = m_upstream.caFile();
        return service;
    }

    void start(const ServiceConfig &service, const QByteArray &stateText = {})
    {
        m_executor.reset();
        m_home = std::make_unique<test::TempHome>();
        Config config;
        config.services[QStringLiteral("svc")] = service;
        config.services[QStringLiteral("other")] = baseService();
        QVERIFY(saveConfigFile(m_home->filePath(QStringLiteral("config.json")), config).ok());
        if (!stateText.isEmpty()) {
            QFile file(statePath());
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(stateText);
        }
        m_store = std::make_unique<FakeSecretStore>();
        for (const char *key : {"service/svc", "service/other"}) {
            bool written = false;
            m_store->write(QString::fromLatin1(key), "kill-secret", [&](Result<void>) { written = true; });
            QTRY_VERIFY(written);
        }
        m_cache = std::make_unique<SecretCache>(*m_store);
        m_config = std::make_unique<ConfigStore>(m_home->filePath(QStringLiteral("config.json")));
        QVERIFY(m_config->load().ok());
        m_kills = std::make_unique<KillState>(statePath());
        (void)m_kills->load(); // may fail on purpose (unreadable state.json)
        m_audit = std::make_unique<AuditLog>(m_home->filePath(QStringLiteral("audit.db")));
        QVERIFY(m_audit->open().ok());
        m_client = std::make_unique<UpstreamClient>(m_network);
        m_executor = std::make_unique<CallExecutor>(*m_config, *m_kills, *m_cache, *m_client, *m_audit);
        m_upstream.clearReceived();
    }

    // Starts a call; the outcome fills in when `done` runs.
    std::shared_ptr<Outcome> begin(const char *method, const char *path, const QString &agent = QStringLiteral("bot"),
                                   std::shared_ptr<Cancellation> cancellation = nullptr, const char *service = "svc")
    {
        auto outcome = std::make_shared<Outcome>();
        // "/slow?ms=M" is sent as path "/slow" with query {"ms": "M"} (a path carries no query).
        const QStringList parts = QString::fromLatin1(path).split(u'?');
        json arguments{{"service", service}, {"method", method}, {"path", parts.first().toStdString()}};
        if (parts.size() == 2 && parts[1].contains(u'=')) {
            const QStringList pair = parts[1].split(u'=');
            arguments["query"] = json{{pair[0].toStdString(), pair[1].toStdString()}};
        }
        m_executor->execute(arguments, Caller{agent, QStringLiteral("test")},
                            [outcome](json result) {
                                ++outcome->doneCalls;
                                outcome->result = std::move(result);
                            },
                            std::move(cancellation));
        return outcome;
    }

    json call(const char *method = "GET", const char *path = "/echo", const QString &agent = QStringLiteral("bot"),
              const char *service = "svc")
    {
        const auto outcome = begin(method, path, agent, nullptr, service);
        if (!QTest::qWaitFor([&] { return outcome->doneCalls > 0; }, 30000))
            return json{{"timeout", true}};
        return outcome->result;
    }

    static json denialOf(const json &result)
    {
        if (!result.value("isError", false))
            return json{{"error", "ok"}};
        return json::parse(result["content"][0]["text"].get<std::string>());
    }
    static QString errorOf(const json &result) { return QString::fromStdString(denialOf(result)["error"].get<std::string>()); }
    static QString ruleOf(const json &result) { return QString::fromStdString(denialOf(result).value("rule", "")); }

    QList<AuditRow> rows()
    {
        const auto found = m_audit->query(AuditFilter{});
        return found ? found.value() : QList<AuditRow>{};
    }

    // Kills as another process does (`keyward kill`), and waits until the executor's KillState has it.
    void killFromOutside(const KillTarget &target)
    {
        QSignalSpy changed(m_kills.get(), &KillState::changed);
        QVERIFY(changeKillSwitches(statePath(), KillAction::Kill, target).ok());
        QVERIFY(changed.wait(5000));
    }

    bool upstreamSaw(const QString &path) const
    {
        for (const json &request : m_upstream.received()) {
            if (QString::fromStdString(request.value("path", "")) == path)
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString())); }
    void cleanup() { m_executor.reset(); }

    void killedCallIsRefusedBeforeAnythingElse_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("resume");
        QTest::newRow("global") << int(KillTarget::Kind::All) << "kill:all" << "`keyward resume`";
        QTest::newRow("service") << int(KillTarget::Kind::Service) << "kill:service:svc" << "`keyward resume --service svc`";
        QTest::newRow("agent") << int(KillTarget::Kind::Agent) << "kill:agent:bot" << "`keyward resume --agent bot`";
    }
    void killedCallIsRefusedBeforeAnythingElse()
    {
        QFETCH(int, kind);
        QFETCH(QString, rule);
        QFETCH(QString, resume);
        ServiceConfig service = baseService();
        service.policy.rate = RateLimit{RatePer::Minute, 1, 1};
        start(service);
        const KillTarget target = kind == int(KillTarget::Kind::All)       ? KillTarget::all()
                                  : kind == int(KillTarget::Kind::Service) ? KillTarget::service(QStringLiteral("svc"))
                                                                           : KillTarget::agent(QStringLiteral("bot"));
        QVERIFY(m_kills->kill(target).ok());
        const QStringList storeCallsBefore = m_store->calls();

        const json refused = call();
        QCOMPARE(errorOf(refused), QStringLiteral("killed"));
        QCOMPARE(ruleOf(refused), rule);
        const QString message = QString::fromStdString(denialOf(refused)["message"].get<std::string>());
        QVERIFY2(message.contains(resume), qPrintable(message));
        QVERIFY(!refused.contains("structuredContent"));
        // Even a call with invalid arguments is refused as killed: the kill switch comes first.
        QCOMPARE(errorOf(call("get", "/x?y")), QStringLiteral("killed"));
        QCOMPARE(m_store->calls(), storeCallsBefore); // no secret read
        QVERIFY(m_upstream.received().empty());
        const QList<AuditRow> audited = rows();
        QCOMPARE(audited.size(), 2);
        QCOMPARE(audited[0].decision, QStringLiteral("killed"));
        QCOMPARE(audited[0].rule.value_or(QString()), rule);
        QCOMPARE(audited[0].service, QStringLiteral("svc"));
        QCOMPARE(audited[0].agent, QStringLiteral("bot"));

        // No rate token was taken: after resuming, the one token of the minute is still there.
        QVERIFY(m_kills->resumeEverything().ok());
        QCOMPARE(errorOf(call()), QStringLiteral("ok"));
        QCOMPARE(errorOf(call()), QStringLiteral("rate_limited"));
    }

    void otherServicesAndAgentsGoOn()
    {
        start(baseService());
        QVERIFY(m_kills->kill(KillTarget::service(QStringLiteral("svc"))).ok());
        QVERIFY(m_kills->kill(KillTarget::agent(QStringLiteral("rogue"))).ok());
        QCOMPARE(errorOf(call("GET", "/echo", QStringLiteral("bot"), "other")), QStringLiteral("ok"));
        QCOMPARE(errorOf(call("GET", "/echo", QStringLiteral("rogue"), "other")), QStringLiteral("killed"));
        QCOMPARE(errorOf(call("GET", "/echo", QStringLiteral("bot"), "svc")), QStringLiteral("killed"));
    }

    void inFlightUpstreamCallEndsAsKilled()
    {
        start(baseService());
        QElapsedTimer timer;
        timer.start();
        const auto outcome = begin("GET", "/slow?ms=20000");
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 10000);
        QCOMPARE(m_executor->inFlightCalls(), 1);
        killFromOutside(KillTarget::service(QStringLiteral("svc")));
        QTRY_COMPARE_WITH_TIMEOUT(outcome->doneCalls, 1, 5000);
        QVERIFY(timer.elapsed() < 15000); // it did not wait for the upstream's answer
        QCOMPARE(errorOf(outcome->result), QStringLiteral("killed"));
        QCOMPARE(ruleOf(outcome->result), QStringLiteral("kill:service:svc"));
        QCOMPARE(m_executor->inFlightCalls(), 0);
        const QList<AuditRow> audited = rows();
        QCOMPARE(audited.size(), 1);
        QCOMPARE(audited[0].decision, QStringLiteral("killed"));
        QCOMPARE(audited[0].rule.value_or(QString()), QStringLiteral("kill:service:svc"));
        QCOMPARE(audited[0].path, QStringLiteral("/slow"));
        QVERIFY(!audited[0].status.has_value()); // no headers had arrived
        QTest::qWait(100);
        QCOMPARE(outcome->doneCalls, 1);
    }

    void killAfterTheHeadersAuditsWhatArrived()
    {
        start(baseService());
        const auto outcome = begin("GET", "/drip?ms=20000");
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/drip")), 10000);
        QTest::qWait(500); // the status line, headers and first chunk arrive meanwhile
        killFromOutside(KillTarget::all());
        QCOMPARE(outcome->doneCalls, 1);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("killed"));
        QVERIFY(outcome->result.dump().find("first chunk") == std::string::npos); // nothing partial is handed on
        const QList<AuditRow> audited = rows();
        QCOMPARE(audited.size(), 1);
        QCOMPARE(audited[0].decision, QStringLiteral("killed"));
        QCOMPARE(audited[0].status, std::optional<int>(200));
        QCOMPARE(audited[0].bytesOut, qint64(12));
    }

    void thirtyTwoConcurrentCallsAllEndAsKilled()
    {
        start(baseService());
        std::vector<std::shared_ptr<Outcome>> outcomes;
        for (int i = 0; i < 32; ++i)
            outcomes.push_back(begin("GET", "/slow?ms=20000", QStringLiteral("agent-%1").arg(i)));
        // All 32 reach the upstream at once (UpstreamClient's pool: 8 managers x 6 connections).
        QTRY_VERIFY_WITH_TIMEOUT(m_upstream.received().size() >= 32, 10000);
        QCOMPARE(m_executor->inFlightCalls(), 32);
        QElapsedTimer timer;
        timer.start();
        killFromOutside(KillTarget::all());
        for (const auto &outcome : outcomes) {
            QCOMPARE(outcome->doneCalls, 1);
            QCOMPARE(errorOf(outcome->result), QStringLiteral("killed"));
        }
        qInfo("32 calls in flight ended %lld ms after the kill was written", timer.elapsed());
        QCOMPARE(m_executor->inFlightCalls(), 0);
        const QList<AuditRow> audited = rows();
        QCOMPARE(audited.size(), 32);
        for (const AuditRow &row : audited)
            QCOMPARE(row.decision, QStringLiteral("killed"));
        QVERIFY(m_audit->verify()->ok);
    }

    void inFlightCallOfAnotherServiceIsNotTouched()
    {
        start(baseService());
        const auto outcome = begin("GET", "/slow?ms=300", QStringLiteral("bot"), nullptr, "other");
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 10000);
        killFromOutside(KillTarget::service(QStringLiteral("svc")));
        QTRY_COMPARE_WITH_TIMEOUT(outcome->doneCalls, 1, 10000);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("ok"));
        QCOMPARE(outcome->result["structuredContent"]["body"], "late");
    }

    void callWaitingForApprovalEndsAsKilled()
    {
        ServiceConfig service = baseService();
        service.policy.rules = {Rule{RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/items")}};
        start(service);
        HeldApprovals approvals;
        m_executor->setApprovalProvider(&approvals);
        const auto outcome = begin("POST", "/items");
        QCOMPARE(approvals.pending.size(), 1);
        QCOMPARE(outcome->doneCalls, 0);
        killFromOutside(KillTarget::all());
        QCOMPARE(outcome->doneCalls, 1);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("killed"));
        QCOMPARE(ruleOf(outcome->result), QStringLiteral("kill:all"));
        // The user answers afterwards: nothing more happens.
        approvals.pending.first()(policy::ApprovalDecision::ApproveOnce);
        QTest::qWait(100);
        QCOMPARE(outcome->doneCalls, 1);
        QVERIFY(m_upstream.received().empty());
        QCOMPARE(rows().size(), 1);
        QCOMPARE(rows()[0].decision, QStringLiteral("killed"));
    }

    void callWaitingForTheKeychainEndsAsKilled()
    {
        start(baseService());
        m_store->hangOn(FakeSecretStore::Read);
        const auto outcome = begin("GET", "/echo");
        QTRY_COMPARE(m_store->hungCallCount(), 1);
        killFromOutside(KillTarget::agent(QStringLiteral("bot")));
        QCOMPARE(outcome->doneCalls, 1);
        QCOMPARE(ruleOf(outcome->result), QStringLiteral("kill:agent:bot"));
        m_store->releaseHungCalls(); // the keychain answers late: the call stays ended, nothing is sent
        QTest::qWait(200);
        QCOMPARE(outcome->doneCalls, 1);
        QVERIFY(m_upstream.received().empty());
        QCOMPARE(rows().size(), 1);
    }

    void killDropsTheSecretCache()
    {
        start(baseService());
        QCOMPARE(errorOf(call()), QStringLiteral("ok"));
        QCOMPARE(m_cache->size(), 1);
        killFromOutside(KillTarget::service(QStringLiteral("other")));
        QCOMPARE(m_cache->size(), 0);
    }

    void cancellationEndsTheCallAtEveryStage_data()
    {
        QTest::addColumn<QString>("stage");
        QTest::newRow("before it starts") << "before";
        QTest::newRow("waiting for approval") << "approval";
        QTest::newRow("waiting for the keychain") << "keychain";
        QTest::newRow("waiting for the upstream") << "upstream";
    }
    void cancellationEndsTheCallAtEveryStage()
    {
        QFETCH(QString, stage);
        ServiceConfig service = baseService();
        if (stage == QLatin1String("approval"))
            service.policy.rules = {Rule{RuleAction::Ask, QStringLiteral("GET"), QStringLiteral("/**")}};
        start(service);
        HeldApprovals approvals;
        m_executor->setApprovalProvider(&approvals);
        if (stage == QLatin1String("keychain"))
            m_store->hangOn(FakeSecretStore::Read);
        auto cancellation = Cancellation::create();
        if (stage == QLatin1String("before"))
            cancellation->cancel(QStringLiteral("client disconnected"));
        const auto outcome = begin("GET", "/slow?ms=20000", QStringLiteral("bot"), cancellation);
        if (stage == QLatin1String("approval"))
            QCOMPARE(approvals.pending.size(), 1);
        if (stage == QLatin1String("keychain"))
            QTRY_COMPARE(m_store->hungCallCount(), 1);
        if (stage == QLatin1String("upstream"))
            QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 10000);
        if (stage != QLatin1String("before")) {
            QCOMPARE(outcome->doneCalls, 0);
            cancellation->cancel(QStringLiteral("client disconnected"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(outcome->doneCalls, 1, 5000);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("upstream_error"));
        QVERIFY(denialOf(outcome->result)["message"].get<std::string>().find("cancelled") != std::string::npos);
        QCOMPARE(m_executor->inFlightCalls(), 0);

        // Whatever was still pending answers late: nothing more happens.
        for (const auto &decide : approvals.pending)
            decide(policy::ApprovalDecision::ApproveOnce);
        m_store->releaseHungCalls();
        QTest::qWait(200);
        QCOMPARE(outcome->doneCalls, 1);
        const QList<AuditRow> audited = rows();
        QCOMPARE(audited.size(), 1);
        QCOMPARE(audited[0].decision, QStringLiteral("error"));
        QCOMPARE(audited[0].rule.value_or(QString()), QStringLiteral("cancelled: client disconnected"));
        QCOMPARE(audited[0].path, QStringLiteral("/slow"));
        if (stage != QLatin1String("upstream"))
            QVERIFY(m_upstream.received().empty());
    }

    void cancellationAfterTheEndChangesNothing()
    {
        start(baseService());
        auto cancellation = Cancellation::create();
        const auto outcome = begin("GET", "/echo", QStringLiteral("bot"), cancellation);
        QTRY_COMPARE_WITH_TIMEOUT(outcome->doneCalls, 1, 10000);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("ok"));
        cancellation->cancel(QStringLiteral("client disconnected"));
        killFromOutside(KillTarget::all());
        QTest::qWait(50);
        QCOMPARE(outcome->doneCalls, 1);
        QCOMPARE(rows().size(), 1);
        QCOMPARE(rows()[0].decision, QStringLiteral("allowed"));
    }

    void cancellationAndKillTogetherEndTheCallOnce()
    {
        start(baseService());
        auto cancellation = Cancellation::create();
        const auto outcome = begin("GET", "/slow?ms=20000", QStringLiteral("bot"), cancellation);
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 10000);
        QVERIFY(m_kills->kill(KillTarget::all()).ok()); // the owner's own kill: changed() at once
        cancellation->cancel(QStringLiteral("client disconnected"));
        QTRY_COMPARE_WITH_TIMEOUT(outcome->doneCalls, 1, 5000);
        QTest::qWait(100);
        QCOMPARE(outcome->doneCalls, 1);
        QCOMPARE(errorOf(outcome->result), QStringLiteral("killed"));
        QCOMPARE(rows().size(), 1);
    }

    void executorDestroyedWithCallsInFlight()
    {
        ServiceConfig service = baseService();
        start(service);
        auto cancellation = Cancellation::create();
        const auto upstreamCall = begin("GET", "/slow?ms=20000", QStringLiteral("bot"), cancellation);
        QTRY_VERIFY_WITH_TIMEOUT(upstreamSaw(QStringLiteral("/slow")), 10000);
        m_store->hangOn(FakeSecretStore::Read);
        m_cache->dropAll();
        const auto keychainCall = begin("GET", "/echo");
        QTRY_COMPARE(m_store->hungCallCount(), 1);
        m_executor.reset();
        // Nothing calls back into the destroyed executor, whatever happens afterwards.
        cancellation->cancel(QStringLiteral("client disconnected"));
        m_store->releaseHungCalls();
        QTest::qWait(200);
        QCOMPARE(upstreamCall->doneCalls, 0);
        QCOMPARE(keychainCall->doneCalls, 0);
    }

    void listServicesShowsKilledServices()
    {
        ServiceConfig disabled = baseService();
        disabled.enabled = false;
        start(disabled);
        auto states = [this](const QString &agent) {
            QStringList out;
            const json listed = m_executor->listServices(Caller{agent, QStringLiteral("test")});
            for (const json &service : listed["services"])
                out << QString::fromStdString(service["name"].get<std::string>() + "=" + service["state"].get<std::string>());
            return out;
        };
        QCOMPARE(states(QStringLiteral("bot")), (QStringList{QStringLiteral("other=active"), QStringLiteral("svc=disabled")}));
        QVERIFY(m_kills->kill(KillTarget::service(QStringLiteral("other"))).ok());
        QCOMPARE(states(QStringLiteral("bot")), (QStringList{QStringLiteral("other=killed"), QStringLiteral("svc=disabled")}));
        QVERIFY(m_kills->kill(KillTarget::agent(QStringLiteral("bot"))).ok());
        QCOMPARE(states(QStringLiteral("bot")), (QStringList{QStringLiteral("other=killed"), QStringLiteral("svc=killed")}));
        QCOMPARE(states(QStringLiteral("claude")), (QStringList{QStringLiteral("other=killed"), QStringLiteral("svc=disabled")}));
    }

    void unreadableStateAtStartRefusesEveryCall()
    {
        start(baseService(), "{\"version\": 1, \"kill\": ");
        const json refused = call();
        QCOMPARE(errorOf(refused), QStringLiteral("killed"));
        QCOMPARE(ruleOf(refused), QStringLiteral("kill:state-unreadable"));
        QVERIFY(denialOf(refused)["message"].get<std::string>().find("state.json") != std::string::npos);
        QVERIFY(m_upstream.received().empty());
        // Fixed on disk: picked up live, calls go through again.
        QFile file(statePath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"version\": 1}");
        file.close();
        QTRY_VERIFY_WITH_TIMEOUT(m_kills->hasState(), 5000);
        QCOMPARE(errorOf(call()), QStringLiteral("ok"));
    }
};

QTEST_GUILESS_MAIN(TestKillGate)
#include "tst_killgate.moc"
