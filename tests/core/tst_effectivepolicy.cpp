// effectivePolicy(): the service's policy with an agent's override fields replacing the service's,
// field by field; an invalid override fails closed (every call denied).

#include "policy/effectivepolicy.h"
#include "policy/rulematcher.h"

#include <QElapsedTimer>
#include <QtTest>

#include <functional>

using keyward::Policy;
using keyward::RateLimit;
using keyward::RatePer;
using keyward::Rule;
using keyward::RuleAction;
using keyward::ServiceConfig;
namespace policy = keyward::policy;

Q_DECLARE_METATYPE(keyward::Policy)

namespace {

// A service policy with every field away from its default, so inheriting is visible.
Policy servicePolicy()
{
    Policy p;
    p.rules = {Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/repos/**")},
               Rule{RuleAction::Deny, QStringLiteral("DELETE"), QStringLiteral("/**")}};
    p.rate = RateLimit{RatePer::Minute, 60, 60};
    p.schedule = {QStringLiteral("Mon-Fri 09:00-18:00")};
    p.requireReason = true;
    p.agents = QStringList{QStringLiteral("bot"), QStringLiteral("ci")};
    p.timeoutMs = 20000;
    p.maxRequestBytes = 2048;
    p.maxResponseBytes = 4096;
    p.allowHeaders = {QStringLiteral("X-Trace")};
    return p;
}

ServiceConfig serviceWith(const QString &agent, const QString &overrideJson)
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com");
    service.policy = servicePolicy();
    if (!agent.isEmpty())
        service.agentPoliciesJson[agent] = overrideJson;
    return service;
}

Policy failedClosed()
{
    Policy p = servicePolicy();
    p.rules = {policy::invalidOverrideRule()};
    return p;
}

} // namespace

class TestEffectivePolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void effectivePolicy_data()
    {
        QTest::addColumn<QString>("overrideJson"); // the override of agent "bot"; empty = none
        QTest::addColumn<QString>("agent");        // who calls
        QTest::addColumn<Policy>("expected");
        QTest::addColumn<QStringList>("overridden");

        const Policy base = servicePolicy();
        const QString bot = QStringLiteral("bot");
        auto with = [&base](const std::function<void(Policy &)> &change) {
            Policy p = base;
            change(p);
            return p;
        };

        QTest::newRow("no override at all") << QString() << bot << base << QStringList();
        QTest::newRow("override of another agent") << QStringLiteral("{\"timeoutMs\":1000}") << QStringLiteral("ci") << base
                                                   << QStringList();
        QTest::newRow("empty agent name") << QStringLiteral("{\"timeoutMs\":1000}") << QString() << base << QStringList();
        QTest::newRow("empty override inherits all") << QStringLiteral("{}") << bot << base << QStringList();
        QTest::newRow("rules replace rules")
            << QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"POST\",\"path\":\"/issues\"}]}") << bot
            << with([](Policy &p) { p.rules = {Rule{RuleAction::Allow, QStringLiteral("POST"), QStringLiteral("/issues")}}; })
            << QStringList{QStringLiteral("rules")};
        QTest::newRow("empty rules: read-only for this agent")
            << QStringLiteral("{\"rules\":[]}") << bot << with([](Policy &p) { p.rules.clear(); })
            << QStringList{QStringLiteral("rules")};
        QTest::newRow("rate replaced, burst defaults to n")
            << QStringLiteral("{\"rate\":{\"per\":\"h\",\"n\":5}}") << bot
            << with([](Policy &p) { p.rate = RateLimit{RatePer::Hour, 5, 5}; }) << QStringList{QStringLiteral("rate")};
        QTest::newRow("rate null lifts the limit")
            << QStringLiteral("{\"rate\":null}") << bot << with([](Policy &p) { p.rate.reset(); })
            << QStringList{QStringLiteral("rate")};
        QTest::newRow("schedule emptied") << QStringLiteral("{\"schedule\":[]}") << bot
                                          << with([](Policy &p) { p.schedule.clear(); }) << QStringList{QStringLiteral("schedule")};
        QTest::newRow("requireReason false") << QStringLiteral("{\"requireReason\":false}") << bot
                                             << with([](Policy &p) { p.requireReason = false; })
                                             << QStringList{QStringLiteral("requireReason")};
        QTest::newRow("agents null: every agent") << QStringLiteral("{\"agents\":null}") << bot
                                                  << with([](Policy &p) { p.agents.reset(); })
                                                  << QStringList{QStringLiteral("agents")};
        QTest::newRow("agents list") << QStringLiteral("{\"agents\":[\"bot\"]}") << bot
                                     << with([](Policy &p) { p.agents = QStringList{QStringLiteral("bot")}; })
                                     << QStringList{QStringLiteral("agents")};
        QTest::newRow("timeoutMs") << QStringLiteral("{\"timeoutMs\":1000}") << bot
                                   << with([](Policy &p) { p.timeoutMs = 1000; }) << QStringList{QStringLiteral("timeoutMs")};
        QTest::newRow("maxRequestBytes") << QStringLiteral("{\"maxRequestBytes\":0}") << bot
                                         << with([](Policy &p) { p.maxRequestBytes = 0; })
                                         << QStringList{QStringLiteral("maxRequestBytes")};
        QTest::newRow("maxResponseBytes") << QStringLiteral("{\"maxResponseBytes\":1}") << bot
                                          << with([](Policy &p) { p.maxResponseBytes = 1; })
                                          << QStringList{QStringLiteral("maxResponseBytes")};
        QTest::newRow("allowHeaders") << QStringLiteral("{\"allowHeaders\":[\"X-A\",\"X-B\"]}") << bot
                                      << with([](Policy &p) { p.allowHeaders = {QStringLiteral("X-A"), QStringLiteral("X-B")}; })
                                      << QStringList{QStringLiteral("allowHeaders")};
        QTest::newRow("several fields, config.json order")
            << QStringLiteral("{\"timeoutMs\":1000,\"rate\":null,\"rules\":[]}") << bot
            << with([](Policy &p) {
                   p.rules.clear();
                   p.rate.reset();
                   p.timeoutMs = 1000;
               })
            << QStringList{QStringLiteral("rules"), QStringLiteral("rate"), QStringLiteral("timeoutMs")};

        // Fail closed: every invalid override gives the marker rule and nothing is overridden.
        QTest::newRow("invalid: not JSON") << QStringLiteral("{rules") << bot << failedClosed() << QStringList();
        QTest::newRow("invalid: not an object") << QStringLiteral("[]") << bot << failedClosed() << QStringList();
        QTest::newRow("invalid: unknown key") << QStringLiteral("{\"timeout\":1}") << bot << failedClosed() << QStringList();
        QTest::newRow("invalid: wrong type") << QStringLiteral("{\"requireReason\":\"yes\"}") << bot << failedClosed()
                                             << QStringList();
        QTest::newRow("invalid: lowercase method")
            << QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"get\",\"path\":\"/x\"}]}") << bot << failedClosed()
            << QStringList();
        QTest::newRow("invalid: timeout out of range") << QStringLiteral("{\"timeoutMs\":5}") << bot << failedClosed()
                                                       << QStringList();
        QTest::newRow("invalid: security header")
            << QStringLiteral("{\"allowHeaders\":[\"Authorization\"]}") << bot << failedClosed() << QStringList();
    }

    void effectivePolicy()
    {
        QFETCH(QString, overrideJson);
        QFETCH(QString, agent);
        QFETCH(Policy, expected);
        QFETCH(QStringList, overridden);

        const ServiceConfig service = serviceWith(overrideJson.isEmpty() ? QString() : QStringLiteral("bot"), overrideJson);
        const Policy effective = policy::effectivePolicy(service, agent);
        QCOMPARE(effective, expected);
        QCOMPARE(policy::overriddenFields(service, agent), overridden);
        // A second call (served from the cache) gives the same policy.
        QCOMPARE(policy::effectivePolicy(service, agent), expected);
    }

    void invalidOverrideDeniesEverything()
    {
        const ServiceConfig service = serviceWith(QStringLiteral("bot"), QStringLiteral("{\"rules\":\"all\"}"));
        const Policy effective = policy::effectivePolicy(service, QStringLiteral("bot"));
        QVERIFY(policy::isInvalidOverride(effective));
        QVERIFY(!policy::isInvalidOverride(service.policy));
        for (const char *method : {"GET", "HEAD", "POST", "DELETE"}) {
            const auto decision = policy::decide(effective, QString::fromLatin1(method), QStringLiteral("/repos/x"));
            QCOMPARE(decision.action, RuleAction::Deny);
            QCOMPARE(decision.rule, QString(policy::kDefaultInvalidRule));
        }
        // Other agents keep the service's policy.
        QCOMPARE(policy::effectivePolicy(service, QStringLiteral("ci")), service.policy);
    }

    void applyPolicyOverrideNamesThePointer()
    {
        const auto applied = policy::applyPolicyOverride(servicePolicy(), QStringLiteral("{\"rate\":{\"per\":\"week\",\"n\":1}}"));
        QVERIFY(!applied);
        QCOMPARE(applied.error().code, QStringLiteral("config_invalid"));
        QVERIFY2(applied.error().message.contains(QStringLiteral("/rate/per")), qPrintable(applied.error().message));
        const auto ok = policy::applyPolicyOverride(servicePolicy(), QStringLiteral("{\"requireReason\":false}"));
        QVERIFY(ok);
        QCOMPARE(ok->requireReason, false);
        QCOMPARE(ok->rules, servicePolicy().rules);
    }

    // It runs on every call: a cached override costs microseconds, not a parse.
    void repeatedCallsAreCheap()
    {
        const ServiceConfig service = serviceWith(
            QStringLiteral("bot"), QStringLiteral("{\"rules\":[{\"action\":\"allow\",\"method\":\"GET\",\"path\":\"/a/**\"}],\"timeoutMs\":1000}"));
        constexpr int kCalls = 20000;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < kCalls; ++i)
            QCOMPARE(policy::effectivePolicy(service, QStringLiteral("bot")).timeoutMs, 1000);
        // 100 µs a call would be far too slow; expect a few µs (generous for slow CI machines).
        QVERIFY2(timer.elapsed() < kCalls / 10, qPrintable(QStringLiteral("%1 ms").arg(timer.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestEffectivePolicy)
#include "tst_effectivepolicy.moc"
