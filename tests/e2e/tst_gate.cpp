// The gate inside CallExecutor, in process, against a real HTTPS upstream: agent scopes,
// schedules (fixed clock and time zone), rate limits (a call refused earlier takes no token),
// `ask` rules with and without an approval provider, hot reload, and one audit row per decision.

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "policy/approvalprovider.h"
#include "secrets/secretcache.h"
#include "state/killstate.h"
#include "support/fakesecretstore.h"
#include "support/httpsupstream.h"
#include "support/temphome.h"
#include "upstream/callexecutor.h"
#include "upstream/upstreamclient.h"

#include <QNetworkAccessManager>
#include <QtTest>

using namespace keyward;
using json = nlohmann::json;

namespace {

class ScriptedApprovals : public policy::ApprovalProvider {
public:
    void requestApproval(const policy::ApprovalRequest &request, DecisionCallback decide) override
    {
        asked.append(request);
        QMetaObject::invokeMethod(qApp, [decide, answer = answer] { decide(answer); }, Qt::QueuedConnection);
    }
    policy::ApprovalDecision answer = policy::ApprovalDecision::Deny;
    QList<policy::ApprovalRequest> asked;
};

} // namespace

class TestGate : public QObject {
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
    QDateTime m_now;

    ServiceConfig baseService()
    {
        ServiceConfig service;
        service.baseUrl = m_upstream.baseUrl();
        service.caFile = m_upstream.caFile();
        return service;
    }

    void start(const ServiceConfig &service)
    {
        m_home = std::make_unique<test::TempHome>();
        Config config;
        config.services[QStringLiteral("svc")] = service;
        QVERIFY(saveConfigFile(m_home->filePath(QStringLiteral("config.json")), config).ok());
        m_store = std::make_unique<FakeSecretStore>();
        bool written = false;
        m_store->write(QStringLiteral("service/svc"), "gate-secret", [&](Result<void>) { written = true; });
        QTRY_VERIFY(written);
        m_cache = std::make_unique<SecretCache>(*m_store);
        m_config = std::make_unique<ConfigStore>(m_home->filePath(QStringLiteral("config.json")));
        QVERIFY(m_config->load().ok());
        m_audit = std::make_unique<AuditLog>(m_home->filePath(QStringLiteral("audit.db")));
        QVERIFY(m_audit->open().ok());
        m_client = std::make_unique<UpstreamClient>(m_network);
        m_kills = std::make_unique<KillState>(m_home->filePath(QStringLiteral("state.json")));
        QVERIFY(m_kills->load().ok());
        m_executor = std::make_unique<CallExecutor>(*m_config, *m_kills, *m_cache, *m_client, *m_audit);
        m_now = QDateTime(QDate(2026, 11, 25), QTime(10, 0), QTimeZone("Europe/Berlin")); // a Wednesday
        m_executor->setClock([this] { return m_now; }, QTimeZone("Europe/Berlin"));
    }

    json call(const QString &agent = QStringLiteral("bot"), const char *method = "GET", const char *path = "/echo",
              json extra = json::object())
    {
        json args{{"service", "svc"}, {"method", method}, {"path", path}};
        args.update(extra);
        std::optional<json> result;
        m_executor->execute(args, Caller{agent, QStringLiteral("test")}, [&](json r) { result = std::move(r); });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 30000))
            return json{{"timeout", true}};
        return *result;
    }

    static QString errorOf(const json &result)
    {
        if (!result.value("isError", false))
            return QStringLiteral("ok");
        return QString::fromStdString(json::parse(result["content"][0]["text"].get<std::string>())["error"].get<std::string>());
    }

    QStringList decisions()
    {
        QStringList out;
        const auto rows = m_audit->query(AuditFilter{});
        for (const AuditRow &row : rows.value())
            out << row.decision + u':' + row.rule.value_or(QString());
        return out;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString())); }

    void agentOutsideTheAllowedListIsDenied()
    {
        ServiceConfig service = baseService();
        service.policy.agents = QStringList{QStringLiteral("claude")};
        start(service);
        m_upstream.clearReceived();
        QCOMPARE(errorOf(call(QStringLiteral("bot"))), QStringLiteral("denied"));
        QVERIFY(m_upstream.received().empty());
        QCOMPARE(errorOf(call(QStringLiteral("claude"))), QStringLiteral("ok"));
        QCOMPARE(decisions(), (QStringList{QStringLiteral("denied:agents"), QStringLiteral("allowed:default:read-only")}));
    }

    void scheduleIsReadInItsTimeZone_data()
    {
        QTest::addColumn<QTime>("localTime");
        QTest::addColumn<QString>("expected");
        QTest::newRow("inside the window") << QTime(10, 0) << "ok";
        QTest::newRow("before it opens") << QTime(8, 59) << "outside_schedule";
        QTest::newRow("at the closing minute") << QTime(18, 0) << "outside_schedule";
    }
    void scheduleIsReadInItsTimeZone()
    {
        QFETCH(QTime, localTime);
        QFETCH(QString, expected);
        ServiceConfig service = baseService();
        service.policy.schedule = QStringList{QStringLiteral("Mon-Fri 09:00-18:00")};
        start(service);
        m_now = QDateTime(QDate(2026, 11, 25), localTime, QTimeZone("Europe/Berlin"));
        const json result = call();
        QCOMPARE(errorOf(result), expected);
        if (expected != QLatin1String("ok"))
            QVERIFY(result.dump().find("next opening") != std::string::npos);
    }

    void rateLimitCountsOnlyCallsThatPassedTheRules()
    {
        ServiceConfig service = baseService();
        service.policy.rate = RateLimit{RatePer::Minute, 2, 2};
        service.policy.rules = {Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/echo")}};
        start(service);
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "GET", "/other")), QStringLiteral("denied"));
        QCOMPARE(errorOf(call()), QStringLiteral("ok"));
        QCOMPARE(errorOf(call()), QStringLiteral("ok"));
        const json limited = call();
        QCOMPARE(errorOf(limited), QStringLiteral("rate_limited"));
        QVERIFY(limited.dump().find("retry in") != std::string::npos);
        QCOMPARE(decisions().last(), QStringLiteral("denied:rate"));
    }

    void askWithoutAProviderIsDeniedAtOnce()
    {
        ServiceConfig service = baseService();
        service.policy.rules = {Rule{RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/items")}};
        start(service);
        m_upstream.clearReceived();
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "POST", "/items")), QStringLiteral("approval_denied"));
        QVERIFY(m_upstream.received().empty());
    }

    void askWaitsForTheProvider_data()
    {
        QTest::addColumn<int>("answer");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("decision");
        QTest::newRow("approved once") << int(policy::ApprovalDecision::ApproveOnce) << "ok" << "approved";
        QTest::newRow("denied") << int(policy::ApprovalDecision::Deny) << "approval_denied" << "denied";
        QTest::newRow("timed out") << int(policy::ApprovalDecision::TimedOut) << "approval_denied" << "denied";
    }
    void askWaitsForTheProvider()
    {
        QFETCH(int, answer);
        QFETCH(QString, expected);
        QFETCH(QString, decision);
        ServiceConfig service = baseService();
        service.policy.rules = {Rule{RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/items")}};
        start(service);
        ScriptedApprovals approvals;
        approvals.answer = policy::ApprovalDecision(answer);
        m_executor->setApprovalProvider(&approvals);
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "POST", "/items", {{"reason", "make an item"}})), expected);
        QCOMPARE(approvals.asked.size(), 1);
        QCOMPARE(approvals.asked[0].path, QStringLiteral("/items"));
        QCOMPARE(approvals.asked[0].reason, QStringLiteral("make an item"));
        QVERIFY(decisions().last().startsWith(decision + u':'));
    }

    void reasonRequiredIsEnforced()
    {
        ServiceConfig service = baseService();
        service.policy.requireReason = true;
        start(service);
        QCOMPARE(errorOf(call()), QStringLiteral("reason_required"));
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "GET", "/echo", {{"reason", "checking"}})), QStringLiteral("ok"));
    }

    void missingKeychainEntryIsAKeychainError()
    {
        start(baseService());
        bool removed = false;
        m_store->remove(QStringLiteral("service/svc"), [&](Result<void>) { removed = true; });
        QTRY_VERIFY(removed);
        m_upstream.clearReceived();
        const json result = call();
        QCOMPARE(errorOf(result), QStringLiteral("keychain_error"));
        QVERIFY(result.dump().find("keyward service rotate svc") != std::string::npos);
        QVERIFY(m_upstream.received().empty());
        QCOMPARE(decisions().last(), QStringLiteral("error:keychain_error"));
    }

    void lockedKeychainIsAKeychainError()
    {
        start(baseService());
        m_store->failWith(Error{QStringLiteral("keychain_error"), QStringLiteral("the keychain is locked: unlock it and try again")});
        const json result = call();
        QCOMPARE(errorOf(result), QStringLiteral("keychain_error"));
        QVERIFY(result.dump().find("locked") != std::string::npos);
    }

    void disabledServiceAnswersDisabled()
    {
        ServiceConfig service = baseService();
        service.enabled = false;
        start(service);
        QCOMPARE(errorOf(call()), QStringLiteral("disabled"));
    }

    void changedPolicyAppliesToTheNextCall()
    {
        start(baseService());
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "POST", "/items")), QStringLiteral("denied"));
        Config edited = m_config->config();
        edited.services[QStringLiteral("svc")].policy.rules = {Rule{RuleAction::Allow, QStringLiteral("POST"), QStringLiteral("/items")}};
        QSignalSpy changed(m_config.get(), &ConfigStore::changed);
        QVERIFY(saveConfigFile(m_config->path(), edited).ok()); // as another process would
        QVERIFY(changed.wait(5000));
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "POST", "/items")), QStringLiteral("ok"));
    }

    void agentOverrideAppliesOnlyToThatAgent()
    {
        ServiceConfig service = baseService();
        service.agentPoliciesJson[QStringLiteral("writer")] =
            QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"POST\",\"path\":\"/items\"}]}");
        start(service);
        QCOMPARE(errorOf(call(QStringLiteral("writer"), "POST", "/items")), QStringLiteral("ok"));
        QCOMPARE(errorOf(call(QStringLiteral("bot"), "POST", "/items")), QStringLiteral("denied"));
        QCOMPARE(errorOf(call(QStringLiteral("writer"), "GET", "/echo")), QStringLiteral("denied")); // its rules replace the default
    }

    void everyDecisionIsAuditedAndTheChainHolds()
    {
        start(baseService());
        call();
        call(QStringLiteral("bot"), "DELETE", "/x");
        call(QStringLiteral("bot"), "GET", "/a/../../b");
        const auto report = m_audit->verify();
        QVERIFY(report.ok() && report->ok);
        QCOMPARE(decisions(), (QStringList{QStringLiteral("allowed:default:read-only"), QStringLiteral("denied:default:read-only"),
                                           QStringLiteral("denied:guard:dot-segment")}));
    }
};

QTEST_GUILESS_MAIN(TestGate)
#include "tst_gate.moc"
