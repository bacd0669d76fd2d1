// The services window: its presenter headless (policy loaded, edited, checked with errors under
// the field at fault, applied to config.json with an audit row; agent overrides; revert; delete
// and rotate through the admin core) and the window offscreen (disable, delete after a
// confirmation naming the service, rotate through a masked dialog, a policy edit applied to
// config.json, an invalid schedule shown inline).

#include "models/rulesmodel.h"
#include "models/servicesmodel.h"
#include "windows/servicespresenter.h"
#include "windows/serviceswindow.h"

#include "guiadminfixture.h"

#include "policy/effectivepolicy.h"

#include <QApplication>
#include <QCheckBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTimer>
#include <QtTest>

using namespace keyward;
using keyward::gui::PolicyForm;
using keyward::gui::RulesModel;
using keyward::gui::ServicesPresenter;
using keyward::gui::ServicesWindow;
using keyward::test::GuiAdminFixture;

namespace {

// Runs `handle` on the next modal dialog once it is open (the window's exec() blocks until then).
template <typename Dialog>
void whenModalOpens(std::function<void(Dialog *)> handle)
{
    QTimer::singleShot(0, [handle] {
        auto *dialog = qobject_cast<Dialog *>(QApplication::activeModalWidget());
        if (!dialog) {
            QTimer::singleShot(20, [handle] { whenModalOpens<Dialog>(handle); });
            return;
        }
        handle(dialog);
    });
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

} // namespace

class TestServicesWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void presenterLoadsAndAppliesAPolicy()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesPresenter presenter(f.context());
        QSignalSpy loaded(&presenter, &ServicesPresenter::policyLoaded);
        presenter.select(QStringLiteral("svc"));
        QCOMPARE(loaded.size(), 1);
        QCOMPARE(presenter.rulesModel()->rules(), GuiAdminFixture::exampleService().policy.rules);
        QVERIFY(!presenter.dirty());

        presenter.rulesModel()->addRule(Rule{RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/user/repos")});
        QVERIFY(presenter.dirty());
        PolicyForm form = presenter.form();
        form.rateEnabled = true;
        form.rateN = 30;
        form.rateBurst = 10;
        form.schedule = QStringLiteral("Mon-Fri 09:00-18:00; Sat 10:00-12:00");
        form.allAgents = false;
        form.agents = QStringLiteral("claude, cursor");
        form.requireReason = true;
        form.timeoutMs = 5000;
        presenter.setForm(form);
        QVERIFY2(presenter.apply(), qPrintable(presenter.errors().values().join(u'\n')));
        QVERIFY(!presenter.dirty());

        const Policy saved = f.onDisk().services.at(QStringLiteral("svc")).policy;
        QCOMPARE(saved.rules.size(), 2);
        QCOMPARE(saved.rules.last(), (Rule{RuleAction::Ask, QStringLiteral("POST"), QStringLiteral("/user/repos")}));
        QCOMPARE(saved.rate, (std::optional<RateLimit>(RateLimit{RatePer::Minute, 30, 10})));
        QCOMPARE(saved.schedule, (QStringList{QStringLiteral("Mon-Fri 09:00-18:00"), QStringLiteral("Sat 10:00-12:00")}));
        QCOMPARE(saved.agents, (std::optional<QStringList>(QStringList{QStringLiteral("claude"), QStringLiteral("cursor")})));
        QVERIFY(saved.requireReason);
        QCOMPARE(saved.timeoutMs, 5000);
        const auto row = f.changeRows().last();
        QCOMPARE(row.method, QStringLiteral("policy set"));
        QCOMPARE(row.path, QStringLiteral("svc"));
        QCOMPARE(row.agent, QStringLiteral("tray"));
        QCOMPARE(row.client, QStringLiteral("keyward-tray"));
    }

    void presenterShowsEachErrorUnderItsField_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("agents");
        QTest::addColumn<QString>("key");
        QTest::newRow("rule path without slash") << "no-slash" << "" << "" << "rules";
        QTest::newRow("rule path with a dot segment") << "/a/../b" << "" << "" << "rules";
        QTest::newRow("schedule without hours") << "/ok" << "Mon-Fri" << "" << "schedule";
        QTest::newRow("agent name with a space") << "/ok" << "" << "Bad Agent" << "agents";
    }
    void presenterShowsEachErrorUnderItsField()
    {
        QFETCH(QString, path);
        QFETCH(QString, schedule);
        QFETCH(QString, agents);
        QFETCH(QString, key);
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        const Config before = f.onDisk();
        ServicesPresenter presenter(f.context());
        presenter.select(QStringLiteral("svc"));
        presenter.rulesModel()->addRule(Rule{RuleAction::Allow, QStringLiteral("GET"), path});
        PolicyForm form = presenter.form();
        form.schedule = schedule;
        form.allAgents = agents.isEmpty();
        form.agents = agents;
        presenter.setForm(form);
        QVERIFY(!presenter.apply());
        QVERIFY2(!presenter.error(key).isEmpty(), qPrintable(presenter.errors().keys().join(u',')));
        QCOMPARE(presenter.errors().size(), 1);
        QCOMPARE(f.onDisk(), before);
        QVERIFY(presenter.dirty()); // the edits stay for the user to fix
    }

    void agentOverrideKeepsTheServicePolicy()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesPresenter presenter(f.context());
        presenter.select(QStringLiteral("svc"));
        presenter.selectAgent(QStringLiteral("claude"));
        QVERIFY(presenter.overriddenFields().isEmpty());
        PolicyForm form = presenter.form();
        form.timeoutMs = 2000;
        presenter.setForm(form);
        QVERIFY(presenter.apply());
        const ServiceConfig saved = f.onDisk().services.at(QStringLiteral("svc"));
        QCOMPARE(saved.policy, GuiAdminFixture::exampleService().policy);
        QCOMPARE(policy::effectivePolicy(saved, QStringLiteral("claude")).timeoutMs, 2000);
        QCOMPARE(presenter.overriddenFields(), QStringList{QStringLiteral("timeoutMs")});
        QVERIFY(presenter.agentChoices().contains(QStringLiteral("claude")));
        QCOMPARE(f.changeRows().last().path, QStringLiteral("svc/claude"));
    }

    void revertDiscardsAndOutsideChangesAreFollowed()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesPresenter presenter(f.context());
        presenter.select(QStringLiteral("svc"));
        presenter.rulesModel()->removeRule(0);
        QVERIFY(presenter.dirty());
        presenter.revert();
        QVERIFY(!presenter.dirty());
        QCOMPARE(presenter.rulesModel()->rowCount(), 1);

        ServiceConfig changed = GuiAdminFixture::exampleService();
        changed.policy.requireReason = true;
        f.writeService(QStringLiteral("svc"), changed); // e.g. `keyward policy set` from a terminal
        QVERIFY(presenter.form().requireReason);

        Config gone = f.onDisk();
        gone.services.clear();
        QVERIFY(saveConfigFile(f.home.configFile(), gone));
        f.config.reload();
        QVERIFY(presenter.selected().isEmpty());
    }

    void windowDisablesAndEnablesTheSelectedService()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesWindow window(f.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.selectService(QStringLiteral("svc"));
        QCOMPARE(window.presenter().selected(), QStringLiteral("svc"));
        auto *toggle = window.findChild<QPushButton *>(QStringLiteral("enable"));
        QVERIFY(toggle->isEnabled());
        toggle->click();
        QVERIFY(!f.onDisk().services.at(QStringLiteral("svc")).enabled);
        QCOMPARE(window.presenter().servicesModel()->stateOf(QStringLiteral("svc")), QStringLiteral("disabled"));
        QCOMPARE(window.presenter().selected(), QStringLiteral("svc")); // the selection survived the reload
        QVERIFY(toggle->text().contains(QStringLiteral("Enable")));
        QCOMPARE(f.changeRows().last().method, QStringLiteral("service disable"));
        toggle->click();
        QVERIFY(f.onDisk().services.at(QStringLiteral("svc")).enabled);
    }

    void windowDeletesOnlyAfterConfirmation()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("keep"), GuiAdminFixture::exampleService());
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        QVERIFY(f.store.contains(QStringLiteral("service/svc")) == false);
        ServicesWindow window(f.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.selectService(QStringLiteral("svc"));
        auto *remove = window.findChild<QPushButton *>(QStringLiteral("delete"));

        QString asked;
        whenModalOpens<QMessageBox>([&asked](QMessageBox *box) {
            asked = box->text();
            box->button(QMessageBox::Cancel)->click();
        });
        remove->click();
        QVERIFY(asked.contains(QStringLiteral("svc")));
        QVERIFY(f.onDisk().services.count(QStringLiteral("svc")));

        QSignalSpy finished(&window.presenter(), &ServicesPresenter::removeFinished);
        whenModalOpens<QMessageBox>([](QMessageBox *box) {
            box->findChild<QPushButton *>(QStringLiteral("confirm"))->click();
        });
        remove->click();
        QVERIFY(finished.wait());
        QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().at(1).toString()));
        QVERIFY(!f.onDisk().services.count(QStringLiteral("svc")));
        QVERIFY(f.onDisk().services.count(QStringLiteral("keep")));
        QVERIFY(f.store.calls().contains(QStringLiteral("remove service/svc")));
        QCOMPARE(f.changeRows().last().method, QStringLiteral("service remove"));
        QCOMPARE(window.presenter().servicesModel()->rowCount(), 1);
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("status"))->text().contains(QStringLiteral("svc")));
    }

    void windowRotatesTheKeyThroughAMaskedDialog()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesWindow window(f.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.selectService(QStringLiteral("svc"));
        QSignalSpy finished(&window.presenter(), &ServicesPresenter::rotateFinished);
        QLineEdit::EchoMode echo = QLineEdit::Normal;
        whenModalOpens<QInputDialog>([&echo](QInputDialog *dialog) {
            echo = dialog->textEchoMode();
            dialog->setTextValue(QStringLiteral("sk-rotated-canary"));
            dialog->accept();
        });
        window.findChild<QPushButton *>(QStringLiteral("rotate"))->click();
        QVERIFY(finished.wait());
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(echo, QLineEdit::Password);
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/svc")), QByteArrayList{QByteArray("sk-rotated-canary")});
        QCOMPARE(f.changeRows().last().method, QStringLiteral("service rotate"));
        QVERIFY(!window.findChild<QLabel *>(QStringLiteral("status"))->text().contains(QStringLiteral("canary")));
    }

    void windowAppliesAPolicyEditToConfigJson()
    {
        GuiAdminFixture f;
        f.writeService(QStringLiteral("svc"), GuiAdminFixture::exampleService());
        ServicesWindow window(f.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.selectService(QStringLiteral("svc"));
        auto *apply = window.findChild<QPushButton *>(QStringLiteral("apply"));
        QVERIFY(!apply->isEnabled());

        // A new rule, its path typed into the table.
        window.findChild<QPushButton *>(QStringLiteral("addRule"))->click();
        QTableView *rules = window.rulesView();
        const QModelIndex path = rules->model()->index(1, RulesModel::Path);
        QCOMPARE(rules->currentIndex(), path); // Add rule puts the cursor on the new rule's path
        rules->edit(path);
        auto *editor = qobject_cast<QLineEdit *>(rules->indexWidget(path));
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("/user/keys"));
        QTest::keyClick(editor, Qt::Key_Return);
        // The delegate commits Return from the event loop.
        QTRY_COMPARE(rules->model()->index(1, RulesModel::Path).data().toString(), QStringLiteral("/user/keys"));
        window.findChild<QCheckBox *>(QStringLiteral("requireReason"))->click();

        // An invalid schedule is refused, under the schedule field.
        auto *schedule = window.findChild<QLineEdit *>(QStringLiteral("schedule"));
        typeInto(schedule, QStringLiteral("someday"));
        QVERIFY(apply->isEnabled());
        apply->click();
        QLabel *scheduleError = window.errorLabel(QStringLiteral("schedule"));
        QVERIFY(scheduleError->isVisible());
        QCOMPARE(schedule->accessibleDescription(), scheduleError->text());
        QCOMPARE(f.onDisk().services.at(QStringLiteral("svc")).policy, GuiAdminFixture::exampleService().policy);

        typeInto(schedule, QStringLiteral("Mon-Fri 08:00-20:00"));
        apply->click();
        QVERIFY(!scheduleError->isVisible());
        const Policy saved = f.onDisk().services.at(QStringLiteral("svc")).policy;
        QCOMPARE(saved.rules.size(), 2);
        QCOMPARE(saved.rules.last(), (Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/user/keys")}));
        QVERIFY(saved.requireReason);
        QCOMPARE(saved.schedule, QStringList{QStringLiteral("Mon-Fri 08:00-20:00")});
        QVERIFY(!apply->isEnabled());
        QCOMPARE(f.changeRows().last().method, QStringLiteral("policy set"));
    }
};

QTEST_MAIN(TestServicesWindow)
#include "tst_serviceswindow.moc"
