// The service wizard: its presenter headless (templates, live checks with errors under the field
// at fault, save through the admin core) and the QWizard offscreen, driven by keyboard and clicks
// to a stored service (config.json, the secret in the store, the audit row), with inline errors
// for a bad name and base URL, and a Test call against a real HTTPS upstream on 127.0.0.1 that
// stores nothing.

#include "wizard/servicewizard.h"
#include "wizard/servicewizardpresenter.h"

#include "guiadminfixture.h"

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using namespace keyward;
using keyward::gui::ServiceWizard;
using keyward::gui::ServiceWizardPresenter;
using keyward::test::GuiAdminFixture;

namespace {

void pickTemplate(ServiceWizard &wizard, const QString &id)
{
    auto *list = wizard.findChild<QListWidget *>(QStringLiteral("templates"));
    QVERIFY(list);
    for (int row = 0; row < list->count(); ++row) {
        if (list->item(row)->data(Qt::UserRole).toString() == id) {
            list->setCurrentRow(row);
            return;
        }
    }
    QFAIL("no such template in the list");
}

QLineEdit *lineEdit(ServiceWizard &wizard, const QString &name)
{
    return wizard.currentPage()->findChild<QLineEdit *>(name);
}

// Replaces the text of `edit` as a user would, by keyboard.
void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

} // namespace

class TestServiceWizard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void offersTheTemplatesWithCustomLast()
    {
        const auto &templates = ServiceWizardPresenter::templates();
        QVERIFY(templates.size() >= 13);
        QVERIFY(templates.last().isCustom());
        GuiAdminFixture f;
        ServiceWizard wizard(f.context());
        auto *list = wizard.findChild<QListWidget *>(QStringLiteral("templates"));
        QCOMPARE(list->count(), templates.size());
        QCOMPARE(list->item(0)->text(), templates.first().displayName);
    }

    void nameIsPrefilledAndCheckedLive()
    {
        GuiAdminFixture f;
        ServiceWizardPresenter presenter(f.context());
        presenter.setTemplateId(QStringLiteral("stripe"));
        QCOMPARE(presenter.name(), QStringLiteral("stripe"));
        QVERIFY(presenter.error(QStringLiteral("name")).isEmpty());
        QSignalSpy errors(&presenter, &ServiceWizardPresenter::errorsChanged);
        presenter.setName(QStringLiteral("Stripe Live"));
        QCOMPARE(errors.size(), 1);
        QVERIFY(presenter.error(QStringLiteral("name")).contains(QStringLiteral("lowercase")));
        presenter.setName(QStringLiteral("stripe-live"));
        QVERIFY(presenter.error(QStringLiteral("name")).isEmpty());
        // A name the user typed stays when another template is picked.
        presenter.setTemplateId(QStringLiteral("github"));
        QCOMPARE(presenter.name(), QStringLiteral("stripe-live"));
    }

    void templateFieldsAreRequiredAndChecked()
    {
        GuiAdminFixture f;
        ServiceWizardPresenter presenter(f.context());
        presenter.setTemplateId(QStringLiteral("twilio"));
        const ServiceTemplate *tmpl = presenter.currentTemplate();
        QVERIFY(tmpl && !tmpl->fields.isEmpty());
        const TemplateField field = tmpl->fields.first();
        const QString key = QStringLiteral("field:") + field.id;
        QVERIFY(!presenter.validateService());
        QVERIFY(presenter.error(key).contains(field.label));
        presenter.setFieldValue(field.id, QStringLiteral("not valid!"));
        QVERIFY(presenter.error(key).contains(field.example));
        presenter.setFieldValue(field.id, field.example);
        QVERIFY(presenter.error(key).isEmpty());
        QVERIFY(presenter.validateService());
        QVERIFY(presenter.policySummary().contains(QStringLiteral("Rules")));
    }

    void customServiceChecksBaseUrlAndAuth()
    {
        GuiAdminFixture f;
        ServiceWizardPresenter presenter(f.context());
        presenter.setTemplateId(QStringLiteral("custom"));
        presenter.setName(QStringLiteral("mine"));
        presenter.setBaseUrl(QStringLiteral("http://api.example.com"));
        QVERIFY(presenter.error(QStringLiteral("baseUrl")).contains(QStringLiteral("https")));
        presenter.setBaseUrl(QStringLiteral("https://api.example.com/v1/"));
        QVERIFY(presenter.error(QStringLiteral("baseUrl")).isEmpty());
        AuthConfig auth;
        auth.type = AuthType::Header;
        presenter.setCustomAuth(auth);
        QVERIFY(!presenter.error(QStringLiteral("header")).isEmpty());
        auth.header = QStringLiteral("X-Api-Key");
        presenter.setCustomAuth(auth);
        QVERIFY(presenter.validateService());
        QCOMPARE(presenter.draftService()->baseUrl, QStringLiteral("https://api.example.com/v1"));
        presenter.setCaFile(f.dir.filePath(QStringLiteral("missing.pem")));
        QVERIFY(!presenter.error(QStringLiteral("caFile")).isEmpty());
    }

    void saveAddsTheServiceThroughTheCore()
    {
        GuiAdminFixture f;
        ServiceWizardPresenter presenter(f.context());
        presenter.setTemplateId(QStringLiteral("github"));
        QSignalSpy saved(&presenter, &ServiceWizardPresenter::saveFinished);
        presenter.save(QString());
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.first().first().toBool(), false);
        QVERIFY(!presenter.error(QStringLiteral("secret")).isEmpty());

        presenter.save(QStringLiteral("ghp_canary"));
        QVERIFY(saved.wait());
        QCOMPARE(saved.last().first().toBool(), true);
        QVERIFY(f.onDisk().services.count(QStringLiteral("github")));
        QVERIFY(f.config.config().services.count(QStringLiteral("github"))); // the owner's store followed
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/github")), QByteArrayList{QByteArray("ghp_canary")});
        QCOMPARE(f.reloads, 1);

        // A second wizard sees the name taken, under the name field.
        ServiceWizardPresenter again(f.context());
        again.setTemplateId(QStringLiteral("github"));
        QVERIFY(again.error(QStringLiteral("name")).contains(QStringLiteral("already exists")));
    }

    void aNameTakenMeanwhileIsReportedUnderTheName()
    {
        GuiAdminFixture f;
        ServiceWizardPresenter presenter(f.context());
        presenter.setTemplateId(QStringLiteral("github"));
        QVERIFY(presenter.validateService());
        // Another process adds "github" before the owner's config has followed.
        Config other;
        other.services[QStringLiteral("github")] = GuiAdminFixture::exampleService();
        QVERIFY(saveConfigFile(f.home.configFile(), other));
        QSignalSpy saved(&presenter, &ServiceWizardPresenter::saveFinished);
        presenter.save(QStringLiteral("ghp_canary"));
        QVERIFY(saved.size() == 1 || saved.wait());
        QCOMPARE(saved.first().first().toBool(), false);
        QVERIFY(presenter.error(QStringLiteral("name")).contains(QStringLiteral("already exists")));
        QVERIFY(presenter.error(QStringLiteral("save")).contains(QStringLiteral("Back")));
        QVERIFY(f.store.keys().isEmpty());
        QCOMPARE(f.onDisk().services.at(QStringLiteral("github")), GuiAdminFixture::exampleService());
    }

    void closingTheWizardWhileTheKeychainIsSlowIsSafe()
    {
        GuiAdminFixture f;
        f.store.hangOn(FakeSecretStore::Write);
        auto presenter = std::make_unique<ServiceWizardPresenter>(f.context());
        presenter->setTemplateId(QStringLiteral("github"));
        presenter->save(QStringLiteral("ghp_canary"));
        QVERIFY(presenter->busy());
        presenter.reset(); // the user closed the wizard
        f.store.releaseHungCalls();
        // The add completes without anyone to tell.
        QTRY_VERIFY(f.onDisk().services.count(QStringLiteral("github")));
        QCOMPARE(f.changeRows().size(), 1);
    }

    void wizardDrivenToAStoredService()
    {
        GuiAdminFixture f;
        ServiceWizard wizard(f.context());
        QSignalSpy added(&wizard, &ServiceWizard::serviceAdded);
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        pickTemplate(wizard, QStringLiteral("github"));
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::ServicePage));
        QCOMPARE(lineEdit(wizard, QStringLiteral("name"))->text(), QStringLiteral("github"));
        typeInto(lineEdit(wizard, QStringLiteral("name")), QStringLiteral("gh-work"));
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::SecretPage));
        QLineEdit *secret = lineEdit(wizard, QStringLiteral("secret"));
        QCOMPARE(secret->echoMode(), QLineEdit::Password);
        wizard.currentPage()->findChild<QCheckBox *>(QStringLiteral("showSecret"))->click();
        QCOMPARE(secret->echoMode(), QLineEdit::Normal);
        QVERIFY(wizard.currentPage()->findChild<QLabel *>(QStringLiteral("keyPage"))->text().contains(QStringLiteral("https://")));
        typeInto(secret, QStringLiteral("ghp_wizard_canary"));
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::PolicyPage));
        QVERIFY(wizard.currentPage()->findChild<QLabel *>(QStringLiteral("policySummary"))->text().contains(QStringLiteral("GET")));
        wizard.button(QWizard::FinishButton)->click();
        QVERIFY(added.wait());
        QCOMPARE(added.first().first().toString(), QStringLiteral("gh-work"));
        QCOMPARE(wizard.result(), int(QDialog::Accepted));

        QVERIFY(f.onDisk().services.count(QStringLiteral("gh-work")));
        QCOMPARE(f.onDisk().services.at(QStringLiteral("gh-work")).baseUrl, QStringLiteral("https://api.github.com"));
        QCOMPARE(f.store.writtenValues(QStringLiteral("service/gh-work")), QByteArrayList{QByteArray("ghp_wizard_canary")});
        const auto rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].method, QStringLiteral("service add"));
        QCOMPARE(rows[0].path, QStringLiteral("gh-work"));
        QCOMPARE(rows[0].agent, QStringLiteral("tray"));
        QCOMPARE(rows[0].client, QStringLiteral("keyward-tray"));
        QVERIFY(!rows[0].reason.value_or(QString()).contains(QStringLiteral("canary")));
        QVERIFY(secret->text().isEmpty()); // the wizard forgot the key
    }

    void badNameAndBaseUrlAreShownUnderTheirFields()
    {
        GuiAdminFixture f;
        ServiceWizard wizard(f.context());
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        pickTemplate(wizard, QStringLiteral("custom"));
        wizard.next();
        QLineEdit *name = lineEdit(wizard, QStringLiteral("name"));
        typeInto(name, QStringLiteral("Bad Name"));
        QLabel *nameError = wizard.errorLabel(QStringLiteral("name"));
        QVERIFY(nameError->isVisible());
        QVERIFY(nameError->text().contains(QStringLiteral("lowercase")));
        QCOMPARE(name->accessibleDescription(), nameError->text());
        typeInto(lineEdit(wizard, QStringLiteral("baseUrl")), QStringLiteral("ftp://example.com"));
        QLabel *urlError = wizard.errorLabel(QStringLiteral("baseUrl"));
        QVERIFY(urlError->isVisible());
        QVERIFY(!urlError->text().isEmpty());
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::ServicePage)); // refused: errors first

        typeInto(name, QStringLiteral("good-name"));
        QVERIFY(!nameError->isVisible());
        typeInto(lineEdit(wizard, QStringLiteral("baseUrl")), QStringLiteral("https://api.example.com"));
        QVERIFY(!urlError->isVisible());
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::SecretPage));
        wizard.next(); // no key yet
        QCOMPARE(wizard.currentId(), int(ServiceWizard::SecretPage));
        QVERIFY(wizard.errorLabel(QStringLiteral("secret"))->isVisible());
        QVERIFY(f.onDisk().services.empty());
    }

    void testCallAgainstARealUpstreamShowsTheStatusAndStoresNothing()
    {
        test::HttpsUpstream upstream;
        QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
        GuiAdminFixture f;
        ServiceWizard wizard(f.context());
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        pickTemplate(wizard, QStringLiteral("custom"));
        wizard.next();
        typeInto(lineEdit(wizard, QStringLiteral("name")), QStringLiteral("local"));
        typeInto(lineEdit(wizard, QStringLiteral("baseUrl")), upstream.baseUrl());
        typeInto(lineEdit(wizard, QStringLiteral("caFile")), upstream.caFile());
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ServiceWizard::SecretPage));
        const QByteArray canary = test::randomCanary();
        typeInto(lineEdit(wizard, QStringLiteral("secret")), QString::fromLatin1(canary));
        QSignalSpy finished(&wizard.presenter(), &ServiceWizardPresenter::testFinished);
        wizard.currentPage()->findChild<QPushButton *>(QStringLiteral("test"))->click();
        QVERIFY(finished.wait(15000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().at(1).toString()));
        auto *result = wizard.currentPage()->findChild<QLabel *>(QStringLiteral("testResult"));
        QVERIFY2(result->text().contains(QStringLiteral("HTTP 200")), qPrintable(result->text()));
        QVERIFY(!result->text().contains(QString::fromLatin1(canary)));

        const auto received = upstream.received();
        QCOMPARE(received.size(), size_t(1));
        QCOMPARE(received[0]["method"].get<std::string>(), std::string("HEAD"));
        QCOMPARE(QByteArray::fromStdString(received[0]["headers"]["authorization"].get<std::string>()), "Bearer " + canary);
        // Nothing stored: no service, no secret; the call itself is audited as the tray's.
        QVERIFY(f.onDisk().services.empty());
        QVERIFY(f.store.keys().isEmpty());
        AuditFilter filter;
        filter.service = QStringLiteral("local");
        const auto rows = f.audit.query(filter);
        QVERIFY(rows);
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().agent, QStringLiteral("tray"));
        QCOMPARE(rows->first().status, std::optional<int>(200));

        // A refused key is reported with its status, in the label under the Test button.
        typeInto(lineEdit(wizard, QStringLiteral("secret")), QStringLiteral("x"));
        f.kills.kill(KillTarget::all());
        wizard.currentPage()->findChild<QPushButton *>(QStringLiteral("test"))->click();
        QVERIFY(finished.wait(15000));
        QCOMPARE(finished.last().first().toBool(), false);
        QVERIFY(wizard.errorLabel(QStringLiteral("test"))->isVisible());
        QVERIFY(wizard.errorLabel(QStringLiteral("test"))->text().contains(QStringLiteral("killed")));
    }
};

QTEST_MAIN(TestServiceWizard)
#include "tst_servicewizard.moc"
