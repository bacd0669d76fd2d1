// The admin core shared by `keyward service|policy` and the tray's windows (admin::ServiceAdmin):
// each change lands in config.json and the secret store, leaves one audit `change` row naming the
// actor, calls the changed hook, and refuses bad input without touching anything.

#include "admin/serviceadmin.h"

#include "support/fakesecretstore.h"
#include "support/temphome.h"

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "core/keywardhome.h"
#include "policy/effectivepolicy.h"

#include <QSignalSpy>
#include <QtTest>

#include <optional>

using namespace keyward;
using keyward::admin::AdminActor;
using keyward::admin::ServiceAdmin;
using keyward::test::TempHome;

namespace {

ServiceConfig exampleService()
{
    ServiceConfig service;
    service.baseUrl = QStringLiteral("https://api.example.com/v1");
    service.auth.type = AuthType::Bearer;
    service.testPath = QStringLiteral("/user");
    service.policy.rules = {Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/user/**")}};
    return service;
}

struct Fixture {
    TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    FakeSecretStore store;
    int changes = 0;
    ServiceAdmin admin{home, AdminActor::tray(), [this](const Config &) -> Result<SecretStore *> { return &store; },
                       ServiceAdmin::Hooks{{}, [this] { ++changes; }, {}}};

    Config config() const
    {
        auto loaded = loadConfigFile(home.configFile());
        return loaded ? loaded.value() : Config();
    }

    QList<AuditRow> changeRows() const
    {
        AuditLog audit(home.auditDatabase());
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        const auto rows = audit.query(filter);
        return rows ? rows.value() : QList<AuditRow>();
    }

    // Runs one asynchronous change to its end.
    Result<void> wait(const std::function<void(ServiceAdmin::Done)> &call)
    {
        std::optional<Result<void>> result;
        call([&result](Result<void> r) { result = r; });
        if (!QTest::qWaitFor([&result] { return result.has_value(); }, 5000))
            return Error{QStringLiteral("timeout"), QStringLiteral("no answer")};
        return *result;
    }

    Result<void> add(const QString &name, const ServiceConfig &service = exampleService())
    {
        return wait([&](ServiceAdmin::Done done) { admin.addService(name, service, QByteArray("sk-canary-123"), QStringLiteral("github"), done); });
    }
};

} // namespace

class TestServiceAdmin : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void addStoresSecretConfigAndAuditRow()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("github")));
        QCOMPARE(f.config().services.count(QStringLiteral("github")), size_t(1));
        QCOMPARE(f.config().services.at(QStringLiteral("github")), exampleService());
        QVERIFY(f.store.contains(QStringLiteral("service/github")));
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/github")), QByteArrayList{QByteArray("sk-canary-123")});
        const auto rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].method, QStringLiteral("service add"));
        QCOMPARE(rows[0].path, QStringLiteral("github"));
        QCOMPARE(rows[0].agent, QStringLiteral("tray"));
        QCOMPARE(rows[0].client, QStringLiteral("keyward-tray"));
        QCOMPARE(rows[0].service, QStringLiteral("github"));
        QVERIFY(rows[0].reason.value_or(QString()).contains(QStringLiteral("from template github")));
        QVERIFY(!rows[0].reason.value_or(QString()).contains(QStringLiteral("sk-canary")));
        QCOMPARE(f.changes, 1);
    }

    void addRefusesTakenNameAndKeepsTheStoreUntouched()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("github")));
        const auto again = f.add(QStringLiteral("github"));
        QVERIFY(!again);
        QCOMPARE(again.error().code, QStringLiteral("exists"));
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/github")).size(), 1);
        QCOMPARE(f.changeRows().size(), 1);
    }

    void addRefusesInvalidInput_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("baseUrl");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("pointer");
        QTest::newRow("uppercase name") << "GitHub" << "https://api.example.com" << "invalid_name" << "";
        QTest::newRow("plain http") << "svc" << "http://api.example.com" << "config_invalid" << "/services/svc/baseUrl";
        QTest::newRow("query in base URL") << "svc" << "https://api.example.com/?x=1" << "config_invalid" << "/services/svc/baseUrl";
    }
    void addRefusesInvalidInput()
    {
        QFETCH(QString, name);
        QFETCH(QString, baseUrl);
        QFETCH(QString, code);
        QFETCH(QString, pointer);
        Fixture f;
        ServiceConfig service = exampleService();
        service.baseUrl = baseUrl;
        const auto added = f.add(name, service);
        QVERIFY(!added);
        QCOMPARE(added.error().code, code);
        QVERIFY2(added.error().message.contains(pointer), qPrintable(added.error().message));
        QVERIFY(f.store.keys().isEmpty());
        QVERIFY(f.config().services.empty());
        QVERIFY(f.changeRows().isEmpty());
        QCOMPARE(f.changes, 0);
    }

    void addReportsAStoreFailureAndSavesNothing()
    {
        Fixture f;
        f.store.failWith(Error{QStringLiteral("keychain_error"), QStringLiteral("the keychain is locked")});
        const auto added = f.add(QStringLiteral("svc"));
        QVERIFY(!added);
        QCOMPARE(added.error().code, QStringLiteral("keychain_error"));
        QVERIFY(f.config().services.empty());
        QVERIFY(f.changeRows().isEmpty());
    }

    void removeDropsServiceAndSecret()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        QVERIFY(f.wait([&](ServiceAdmin::Done done) { f.admin.removeService(QStringLiteral("svc"), done); }));
        QVERIFY(f.config().services.empty());
        QVERIFY(!f.store.contains(QStringLiteral("service/svc")));
        const auto rows = f.changeRows();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[1].method, QStringLiteral("service remove"));
        QCOMPARE(*rows[1].reason, QStringLiteral("removed with its secret"));
        const auto missing = f.wait([&](ServiceAdmin::Done done) { f.admin.removeService(QStringLiteral("svc"), done); });
        QCOMPARE(missing.error().code, QStringLiteral("not_found"));
    }

    void rotateReplacesOnlyTheSecret()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        const Config before = f.config();
        QVERIFY(f.wait([&](ServiceAdmin::Done done) { f.admin.rotateSecret(QStringLiteral("svc"), QByteArray("sk-new-456"), done); }));
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/svc")).last(), QByteArray("sk-new-456"));
        QCOMPARE(f.config(), before);
        const auto rows = f.changeRows();
        QCOMPARE(rows.last().method, QStringLiteral("service rotate"));
        QCOMPARE(*rows.last().reason, QStringLiteral("secret replaced"));
        QVERIFY(!rows.last().reason.value_or(QString()).contains(QStringLiteral("sk-new")));
    }

    void enableAndDisableRecordOnlyRealChanges()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        auto changed = f.admin.setEnabled(QStringLiteral("svc"), false);
        QVERIFY(changed);
        QVERIFY(changed.value());
        QVERIFY(!f.config().services.at(QStringLiteral("svc")).enabled);
        QCOMPARE(f.changeRows().last().method, QStringLiteral("service disable"));
        changed = f.admin.setEnabled(QStringLiteral("svc"), false);
        QVERIFY(changed);
        QVERIFY(!changed.value());
        QCOMPARE(f.changeRows().size(), 2);
        QVERIFY(f.admin.setEnabled(QStringLiteral("svc"), true));
        QVERIFY(f.config().services.at(QStringLiteral("svc")).enabled);
        QCOMPARE(f.changeRows().last().method, QStringLiteral("service enable"));
        QCOMPARE(f.admin.setEnabled(QStringLiteral("nope"), true).error().code, QStringLiteral("not_found"));
    }

    void replacePolicyWritesTheServicePolicy()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        Policy policy = f.config().services.at(QStringLiteral("svc")).policy;
        policy.rules << Rule{RuleAction::Deny, QStringLiteral("*"), QStringLiteral("/admin/**")};
        policy.rate = RateLimit{RatePer::Minute, 10, 5};
        policy.requireReason = true;
        const auto outcome = f.admin.replacePolicy(QStringLiteral("svc"), QString(), policy);
        QVERIFY2(outcome, outcome ? "" : qPrintable(outcome.error().message));
        QCOMPARE(outcome->fields, (QStringList{QStringLiteral("rules"), QStringLiteral("rate"), QStringLiteral("requireReason")}));
        QCOMPARE(f.config().services.at(QStringLiteral("svc")).policy, policy);
        const auto row = f.changeRows().last();
        QCOMPARE(row.method, QStringLiteral("policy set"));
        QCOMPARE(row.path, QStringLiteral("svc"));
        QVERIFY2(row.reason.value_or(QString()).contains(QStringLiteral("added deny * /admin/**")), qPrintable(row.reason.value_or(QString())));
        QVERIFY2(row.reason.value_or(QString()).contains(QStringLiteral("rate 10/min, burst 5")), qPrintable(row.reason.value_or(QString())));

        // The same policy again changes nothing and records nothing.
        const int rows = f.changeRows().size();
        const auto same = f.admin.replacePolicy(QStringLiteral("svc"), QString(), policy);
        QVERIFY(same);
        QVERIFY(same->fields.isEmpty());
        QCOMPARE(f.changeRows().size(), rows);
    }

    void replacePolicyForAnAgentWritesOnlyItsOverride()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        const Policy servicePolicy = f.config().services.at(QStringLiteral("svc")).policy;
        Policy agentPolicy = servicePolicy;
        agentPolicy.timeoutMs = 5000;
        const auto outcome = f.admin.replacePolicy(QStringLiteral("svc"), QStringLiteral("claude"), agentPolicy);
        QVERIFY2(outcome, outcome ? "" : qPrintable(outcome.error().message));
        const ServiceConfig saved = f.config().services.at(QStringLiteral("svc"));
        QCOMPARE(saved.policy, servicePolicy);
        QCOMPARE(policy::overriddenFields(saved, QStringLiteral("claude")), QStringList{QStringLiteral("timeoutMs")});
        QCOMPARE(policy::effectivePolicy(saved, QStringLiteral("claude")), agentPolicy);
        QCOMPARE(f.changeRows().last().path, QStringLiteral("svc/claude"));
    }

    void replacePolicyRefusesInvalidValuesWithTheirPointer()
    {
        Fixture f;
        QVERIFY(f.add(QStringLiteral("svc")));
        const Config before = f.config();
        Policy policy = before.services.at(QStringLiteral("svc")).policy;
        policy.rules << Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("no-slash")};
        const auto outcome = f.admin.replacePolicy(QStringLiteral("svc"), QString(), policy);
        QVERIFY(!outcome);
        QCOMPARE(outcome.error().code, QStringLiteral("config_invalid"));
        QVERIFY2(outcome.error().message.contains(QStringLiteral("/services/svc/policy/rules/1")), qPrintable(outcome.error().message));
        QCOMPARE(f.config(), before);
        QCOMPARE(f.changeRows().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestServiceAdmin)
#include "tst_serviceadmin.moc"
