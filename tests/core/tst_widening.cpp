// wideningChanges(): which config and kill-switch changes widen what agents may do, so that a
// command outside the tray waits for the user's confirmation (DESIGN.md "Threat model"); and
// alwaysAllowing(), the policy an "Always" approval leaves behind.

#include "support/temphome.h"

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "policy/alwaysallow.h"
#include "policy/effectivepolicy.h"
#include "policy/rulematcher.h"
#include "policy/widening.h"

#include <QtTest>

#include <functional>

using keyward::Config;
using keyward::KillSwitches;
using keyward::KillTarget;
using keyward::Policy;
using keyward::RateLimit;
using keyward::RatePer;
using keyward::Rule;
using keyward::RuleAction;
using keyward::ServiceConfig;
namespace policy = keyward::policy;

using ConfigEdit = std::function<void(Config &)>;
Q_DECLARE_METATYPE(ConfigEdit)
using KillEdit = std::function<void(KillSwitches &)>;
Q_DECLARE_METATYPE(KillEdit)

namespace {

Rule rule(RuleAction action, const char *method, const char *path)
{
    return Rule{action, QString::fromLatin1(method), QString::fromLatin1(path)};
}

// One service "gh" with rules, a rate, a schedule, a reason, two agents and an override for "bot".
Config baseConfig()
{
    Config config;
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.github.com");
    service.policy.rules = {rule(RuleAction::Allow, "GET", "/repos/**"), rule(RuleAction::Deny, "DELETE", "/**"),
                            rule(RuleAction::Ask, "POST", "/repos/*/issues")};
    service.policy.rate = RateLimit{RatePer::Minute, 60, 60};
    service.policy.schedule = {QStringLiteral("Mon-Fri 09:00-18:00")};
    service.policy.requireReason = true;
    service.policy.agents = QStringList{QStringLiteral("bot"), QStringLiteral("ci")};
    service.agentPoliciesJson[QStringLiteral("bot")] =
        QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/user\"}]}");
    config.services[QStringLiteral("gh")] = service;
    return config;
}

Policy &ghPolicy(Config &config) { return config.services[QStringLiteral("gh")].policy; }

} // namespace

class TestWidening : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void configChanges_data()
    {
        QTest::addColumn<ConfigEdit>("edit");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("nothing changes") << ConfigEdit([](Config &) {}) << QStringList();
        QTest::newRow("new allow rule widens") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules << rule(RuleAction::Allow, "POST", "/gists");
        }) << QStringList{QStringLiteral("gh: new allow rule POST /gists")};
        QTest::newRow("new ask rule widens") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules << rule(RuleAction::Ask, "PUT", "/x");
        }) << QStringList{QStringLiteral("gh: new ask rule PUT /x")};
        QTest::newRow("new deny rule narrows") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules << rule(RuleAction::Deny, "GET", "/secret");
        }) << QStringList();
        QTest::newRow("removed deny rule widens") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules.removeAt(1);
        }) << QStringList{QStringLiteral("gh: deny rule DELETE /** removed")};
        QTest::newRow("removed allow rule narrows") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules.removeAt(0);
        }) << QStringList();
        QTest::newRow("ask turned allow widens") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules[2].action = RuleAction::Allow;
        }) << QStringList{QStringLiteral("gh: new allow rule POST /repos/*/issues")};
        QTest::newRow("cleared rules become read-only") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules.clear();
        }) << QStringList{QStringLiteral("gh: new allow rule GET /**"), QStringLiteral("gh: new allow rule HEAD /**"),
                          QStringLiteral("gh: deny rule DELETE /** removed")};
        QTest::newRow("rate removed") << ConfigEdit([](Config &c) { ghPolicy(c).rate.reset(); })
                                      << QStringList{QStringLiteral("gh: rate limit removed")};
        QTest::newRow("rate raised") << ConfigEdit([](Config &c) { ghPolicy(c).rate = RateLimit{RatePer::Second, 2, 2}; })
                                     << QStringList{QStringLiteral("gh: rate limit raised")};
        QTest::newRow("burst raised") << ConfigEdit([](Config &c) { ghPolicy(c).rate->burst = 100; })
                                      << QStringList{QStringLiteral("gh: rate limit raised")};
        QTest::newRow("rate lowered") << ConfigEdit([](Config &c) { ghPolicy(c).rate = RateLimit{RatePer::Hour, 60, 60}; })
                                      << QStringList();
        QTest::newRow("schedule removed") << ConfigEdit([](Config &c) { ghPolicy(c).schedule.clear(); })
                                          << QStringList{QStringLiteral("gh: schedule removed")};
        QTest::newRow("schedule replaced") << ConfigEdit([](Config &c) {
            ghPolicy(c).schedule = {QStringLiteral("Mon-Sun 00:00-23:59")};
        }) << QStringList{QStringLiteral("gh: schedule changed to Mon-Sun 00:00-23:59")};
        QTest::newRow("reason no longer required") << ConfigEdit([](Config &c) { ghPolicy(c).requireReason = false; })
                                                   << QStringList{QStringLiteral("gh: a reason is no longer required")};
        QTest::newRow("every agent") << ConfigEdit([](Config &c) { ghPolicy(c).agents.reset(); })
                                     << QStringList{QStringLiteral("gh: every agent may call it")};
        QTest::newRow("agent added") << ConfigEdit([](Config &c) { ghPolicy(c).agents->append(QStringLiteral("eve")); })
                                     << QStringList{QStringLiteral("gh: agents added: eve")};
        QTest::newRow("agent removed narrows") << ConfigEdit([](Config &c) { ghPolicy(c).agents->removeLast(); })
                                               << QStringList();
        QTest::newRow("header allowed") << ConfigEdit([](Config &c) { ghPolicy(c).allowHeaders << QStringLiteral("X-Trace"); })
                                        << QStringList{QStringLiteral("gh: agents may send the header X-Trace")};
        QTest::newRow("timeout and sizes do not count") << ConfigEdit([](Config &c) {
            ghPolicy(c).timeoutMs = 600000;
            ghPolicy(c).maxResponseBytes *= 10;
        }) << QStringList();
        QTest::newRow("service disabled narrows") << ConfigEdit([](Config &c) {
            c.services[QStringLiteral("gh")].enabled = false;
        }) << QStringList();
        QTest::newRow("new service does not count") << ConfigEdit([](Config &c) {
            c.services[QStringLiteral("new")] = ServiceConfig{};
        }) << QStringList();
        QTest::newRow("agent override gains an allow rule") << ConfigEdit([](Config &c) {
            c.services[QStringLiteral("gh")].agentPoliciesJson[QStringLiteral("bot")] = QStringLiteral(
                "{\"rules\":[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/user\"},"
                "{\"action\":\"allow\",\"method\":\"POST\",\"path\":\"/user\"}]}");
        }) << QStringList{QStringLiteral("gh for agent bot: new allow rule POST /user")};
        QTest::newRow("new agent override without the deny rule") << ConfigEdit([](Config &c) {
            c.services[QStringLiteral("gh")].agentPoliciesJson[QStringLiteral("ci")] =
                QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/repos/**\"}]}");
        }) << QStringList{QStringLiteral("gh for agent ci: deny rule DELETE /** removed")};
        QTest::newRow("service rule is reported once, not per inheriting agent") << ConfigEdit([](Config &c) {
            ghPolicy(c).rules << rule(RuleAction::Allow, "GET", "/user");
            c.services[QStringLiteral("gh")].agentPoliciesJson[QStringLiteral("ci")] = QStringLiteral("{\"timeoutMs\":1000}");
        }) << QStringList{QStringLiteral("gh: new allow rule GET /user")};
    }

    void configChanges()
    {
        QFETCH(ConfigEdit, edit);
        QFETCH(QStringList, expected);
        const Config before = baseConfig();
        Config after = before;
        edit(after);
        QCOMPARE(policy::wideningChanges(before, after), expected);
    }

    void enablingADisabledServiceWidens()
    {
        Config before = baseConfig();
        before.services[QStringLiteral("gh")].enabled = false;
        Config after = before;
        after.services[QStringLiteral("gh")].enabled = true;
        QCOMPARE(policy::wideningChanges(before, after), QStringList{QStringLiteral("gh: enabled")});
    }

    void addingARateLimitNarrows()
    {
        Config before = baseConfig();
        before.services[QStringLiteral("gh")].policy.rate.reset();
        Config after = baseConfig();
        QCOMPARE(policy::wideningChanges(before, after), QStringList());
    }

    void killChanges_data()
    {
        QTest::addColumn<KillEdit>("edit");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("kill narrows") << KillEdit([](KillSwitches &k) { k.kill(KillTarget::service(QStringLiteral("b"))); })
                                      << QStringList();
        QTest::newRow("global resume widens") << KillEdit([](KillSwitches &k) { k.resume(KillTarget::all()); })
                                              << QStringList{QStringLiteral("resume ") + KillTarget::all().describe()};
        QTest::newRow("service resume widens")
            << KillEdit([](KillSwitches &k) { k.resume(KillTarget::service(QStringLiteral("gh"))); })
            << QStringList{QStringLiteral("resume ") + KillTarget::service(QStringLiteral("gh")).describe()};
        QTest::newRow("resume everything lists each switch") << KillEdit([](KillSwitches &k) { k.resumeEverything(); })
            << QStringList{QStringLiteral("resume ") + KillTarget::all().describe(),
                           QStringLiteral("resume ") + KillTarget::service(QStringLiteral("gh")).describe(),
                           QStringLiteral("resume ") + KillTarget::agent(QStringLiteral("bot")).describe()};
        QTest::newRow("resume of what is not killed") << KillEdit([](KillSwitches &k) {
            k.resume(KillTarget::agent(QStringLiteral("nobody")));
        }) << QStringList();
    }

    void killChanges()
    {
        QFETCH(KillEdit, edit);
        QFETCH(QStringList, expected);
        KillSwitches before;
        before.kill(KillTarget::all());
        before.kill(KillTarget::service(QStringLiteral("gh")));
        before.kill(KillTarget::agent(QStringLiteral("bot")));
        KillSwitches after = before;
        edit(after);
        QCOMPARE(policy::wideningChanges(before, after), expected);
    }

    void alwaysReplacesAnExactAskRule()
    {
        Policy p;
        p.rules = {rule(RuleAction::Allow, "GET", "/**"), rule(RuleAction::Ask, "POST", "/v3/mail/send")};
        const auto changed = policy::alwaysAllowing(p, QStringLiteral("POST"), QStringLiteral("/v3/mail/send"));
        QVERIFY2(changed, changed ? "" : qPrintable(changed.error().message));
        QCOMPARE(changed->rules, (QList<Rule>{rule(RuleAction::Allow, "GET", "/**"), rule(RuleAction::Allow, "POST", "/v3/mail/send")}));
        QCOMPARE(policy::decide(*changed, QStringLiteral("POST"), QStringLiteral("/v3/mail/send")).action, RuleAction::Allow);
    }

    void alwaysUnderABroaderAskRuleIsRefused()
    {
        Policy p;
        p.rules = {rule(RuleAction::Ask, "POST", "/repos/**")};
        const auto changed = policy::alwaysAllowing(p, QStringLiteral("POST"), QStringLiteral("/repos/a/issues"));
        QVERIFY(!changed);
        QCOMPARE(changed.error().code, QStringLiteral("always_not_possible"));
        QVERIFY2(changed.error().message.contains(QStringLiteral("POST /repos/**")), qPrintable(changed.error().message));
    }

    void persistAlwaysAllowWritesTheRuleWhereTheAskCameFrom_data()
    {
        QTest::addColumn<QString>("agent");
        QTest::addColumn<bool>("throughOverride");
        QTest::newRow("service policy") << QStringLiteral("ci") << false;
        QTest::newRow("agent override") << QStringLiteral("bot") << true;
    }

    void persistAlwaysAllowWritesTheRuleWhereTheAskCameFrom()
    {
        QFETCH(QString, agent);
        QFETCH(bool, throughOverride);
        keyward::test::TempHome temp;
        const keyward::KeywardHome home = keyward::KeywardHome::atDirectory(temp.path());
        Config config;
        ServiceConfig service;
        service.baseUrl = QStringLiteral("https://api.example.com");
        service.policy.rules = {rule(RuleAction::Allow, "GET", "/**"), rule(RuleAction::Ask, "POST", "/send")};
        service.agentPoliciesJson[QStringLiteral("bot")] = QStringLiteral(
            "{\"rules\":[{\"action\":\"ask\",\"method\":\"POST\",\"path\":\"/send\"}]}");
        config.services[QStringLiteral("mail")] = service;
        QVERIFY(keyward::saveConfigFile(home.configFile(), config));

        const policy::ApprovalRequest request{agent, QStringLiteral("client"), QStringLiteral("mail"), QStringLiteral("POST"),
                                              QStringLiteral("/send"), QStringLiteral("POST /send"), QString()};
        const auto done = policy::persistAlwaysAllow(home, request, QStringLiteral("tray"));
        QVERIFY2(done, done ? "" : qPrintable(done.error().message));
        QCOMPARE(*done, QStringLiteral("added allow POST /send"));

        const auto saved = keyward::loadConfigFile(home.configFile());
        QVERIFY(saved);
        const ServiceConfig &after = saved->services.at(QStringLiteral("mail"));
        const Policy forAgent = policy::effectivePolicy(after, agent);
        QCOMPARE(policy::decide(forAgent, QStringLiteral("POST"), QStringLiteral("/send")).action, RuleAction::Allow);
        // Only the policy the ask came from changed.
        const QString other = throughOverride ? QStringLiteral("ci") : QStringLiteral("bot");
        QCOMPARE(policy::decide(policy::effectivePolicy(after, other), QStringLiteral("POST"), QStringLiteral("/send")).action,
                 RuleAction::Ask);

        keyward::AuditLog audit(home.auditDatabase());
        const auto rows = audit.query({});
        QVERIFY(rows);
        QCOMPARE(rows->size(), 1);
        const keyward::AuditRow &change = rows->first();
        QCOMPARE(change.decision, QStringLiteral("change"));
        QCOMPARE(change.agent, QStringLiteral("tray"));
        QCOMPARE(change.method, QStringLiteral("policy set"));
        QCOMPARE(change.path, throughOverride ? QStringLiteral("mail/bot") : QStringLiteral("mail"));
        QCOMPARE(change.service, QStringLiteral("mail"));
        QCOMPARE(change.reason, std::optional<QString>(QStringLiteral("added allow POST /send")));
    }

    void persistAlwaysAllowOfAServiceThatIsGoneFails()
    {
        keyward::test::TempHome temp;
        const keyward::KeywardHome home = keyward::KeywardHome::atDirectory(temp.path());
        QVERIFY(keyward::saveConfigFile(home.configFile(), Config{}));
        const policy::ApprovalRequest request{QStringLiteral("a"), QStringLiteral("c"), QStringLiteral("gone"),
                                              QStringLiteral("POST"), QStringLiteral("/x"), QStringLiteral("POST /x"), QString()};
        const auto done = policy::persistAlwaysAllow(home, request, QStringLiteral("tray"));
        QVERIFY(!done);
        QCOMPARE(done.error().code, QStringLiteral("not_found"));
    }

    void alwaysOnAPathWithAStarIsRefused()
    {
        Policy p;
        p.rules = {rule(RuleAction::Ask, "GET", "/a/*")};
        const auto changed = policy::alwaysAllowing(p, QStringLiteral("GET"), QStringLiteral("/a/*"));
        QVERIFY(!changed);
        QCOMPARE(changed.error().code, QStringLiteral("always_not_possible"));
    }
};

QTEST_GUILESS_MAIN(TestWidening)
#include "tst_widening.moc"
