// The services window's models under QAbstractItemModelTester: ServicesModel follows config.json
// and the kill switches live (state active, disabled, killed; rules count), RulesModel edits rules
// in place.

#include "models/rulesmodel.h"
#include "models/servicesmodel.h"

#include "guiadminfixture.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace keyward;
using keyward::gui::RulesModel;
using keyward::gui::ServicesModel;
using keyward::test::GuiAdminFixture;

class TestServicesModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void servicesModelShowsEachServiceAndFollowsChanges()
    {
        GuiAdminFixture f;
        ServicesModel model(f.config, f.kills);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(ServicesModel::ColumnCount));

        f.writeService(QStringLiteral("zeta"), GuiAdminFixture::exampleService());
        ServiceConfig disabled = GuiAdminFixture::exampleService();
        disabled.enabled = false;
        disabled.auth.type = AuthType::Query;
        disabled.auth.param = QStringLiteral("key");
        disabled.policy.rules.clear();
        f.writeService(QStringLiteral("alpha"), disabled);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, ServicesModel::Name).data().toString(), QStringLiteral("alpha"));
        QCOMPARE(model.index(0, ServicesModel::Auth).data().toString(), QStringLiteral("query"));
        QCOMPARE(model.index(0, ServicesModel::State).data().toString(), QStringLiteral("disabled"));
        QCOMPARE(model.index(0, ServicesModel::Rules).data().toInt(), 0);
        QCOMPARE(model.index(1, ServicesModel::BaseUrl).data().toString(), QStringLiteral("https://api.example.com/v1"));
        QCOMPARE(model.index(1, ServicesModel::State).data().toString(), QStringLiteral("active"));
        QCOMPARE(model.index(1, ServicesModel::Rules).data().toInt(), 1);
        QCOMPARE(model.index(1, 0).data(ServicesModel::NameRole).toString(), QStringLiteral("zeta"));
        QCOMPARE(model.headerData(ServicesModel::State, Qt::Horizontal).toString(), QStringLiteral("State"));

        QVERIFY(f.kills.kill(KillTarget::service(QStringLiteral("zeta"))));
        QCOMPARE(model.stateOf(QStringLiteral("zeta")), QStringLiteral("killed"));
        QCOMPARE(model.index(1, ServicesModel::State).data().toString(), QStringLiteral("killed"));
    }

    void servicesModelFollowsAHandEditOnDisk()
    {
        GuiAdminFixture f;
        ServicesModel model(f.config, f.kills);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        Config next;
        next.services[QStringLiteral("hand")] = GuiAdminFixture::exampleService();
        QVERIFY(saveConfigFile(f.home.configFile(), next));
        QVERIFY(reset.wait(5000)); // the ConfigStore's watcher, no reload asked
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.nameAt(0), QStringLiteral("hand"));
    }

    void rulesModelEditsRulesInPlace()
    {
        RulesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy edited(&model, &RulesModel::edited);
        model.setRules({Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/a/**")}});
        QCOMPARE(edited.size(), 0);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, RulesModel::Action).data().toString(), QStringLiteral("allow"));
        QVERIFY(model.flags(model.index(0, RulesModel::Path)) & Qt::ItemIsEditable);

        QVERIFY(model.setData(model.index(0, RulesModel::Action), QStringLiteral("deny")));
        QVERIFY(model.setData(model.index(0, RulesModel::Method), QStringLiteral("post")));
        QVERIFY(model.setData(model.index(0, RulesModel::Path), QStringLiteral(" /b/* ")));
        QVERIFY(!model.setData(model.index(0, RulesModel::Action), QStringLiteral("maybe")));
        QCOMPARE(model.rules().first(), (Rule{RuleAction::Deny, QStringLiteral("POST"), QStringLiteral("/b/*")}));

        QCOMPARE(model.addRule(), 1);
        QCOMPARE(model.rules().last(), (Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/**")}));
        QVERIFY(model.removeRule(0));
        QVERIFY(!model.removeRule(5));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(edited.size(), 5);
    }
};

QTEST_MAIN(TestServicesModels)
#include "tst_servicesmodels.moc"
