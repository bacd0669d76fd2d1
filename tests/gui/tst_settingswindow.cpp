// The Settings window and its presenter, offscreen: settings applied to config.json with one audited
// change row (agent "tray"), nothing written when nothing changed, agents added (token returned
// once, only its hash stored) and removed, the agents table following the config under
// QAbstractItemModelTester, start at login through the functions given (a failure shown inline and
// the box set back), and a config changed by another process shown at once.

#include "models/agentsmodel.h"
#include "settings/settingspresenter.h"
#include "windows/settingswindow.h"

#include "support/temphome.h"

#include "admin/settingsadmin.h"
#include "agents/agenttokens.h"
#include "audit/auditlog.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "core/keywardhome.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest>

#include <memory>

using keyward::AuditFilter;
using keyward::AuditLog;
using keyward::AuditRow;
using keyward::Config;
using keyward::ConfigStore;
using keyward::KeywardHome;
using keyward::Result;
using keyward::gui::AgentsModel;
using keyward::gui::SettingsPresenter;
using keyward::gui::SettingsWindow;
using keyward::test::TempHome;

namespace {

struct Fixture {
    TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    ConfigStore config{home.configFile()};
    AuditLog audit{home.auditDatabase()};
    bool autostart = false;
    bool autostartFails = false;
    std::unique_ptr<SettingsPresenter> presenter;
    std::unique_ptr<AgentsModel> agents;

    Fixture()
    {
        if (!config.load())
            qFatal("cannot load config.json");
        SettingsPresenter::Autostart login;
        login.isEnabled = [this]() -> Result<bool> { return autostart; };
        login.setEnabled = [this](bool enabled) -> Result<void> {
            if (autostartFails)
                return keyward::Error{QStringLiteral("autostart"), QStringLiteral("cannot write the autostart entry")};
            autostart = enabled;
            return {};
        };
        presenter = std::make_unique<SettingsPresenter>(home, config, audit, login, [] { return QString(); });
        agents = std::make_unique<AgentsModel>(config);
    }

    Config onDisk() const
    {
        auto loaded = keyward::loadConfigFile(home.configFile());
        if (!loaded)
            qFatal("config.json does not load");
        return loaded.value();
    }

    QList<AuditRow> changeRows()
    {
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        const auto rows = audit.query(filter);
        return rows ? rows.value() : QList<AuditRow>();
    }
};

} // namespace

class TestSettingsWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void applyWritesTheEditedSettingsAndAuditsThem()
    {
        Fixture f;
        SettingsWindow window(*f.presenter, *f.agents);
        window.show();
        auto *http = window.findChild<QCheckBox *>(QStringLiteral("httpEnabled"));
        auto *port = window.findChild<QSpinBox *>(QStringLiteral("httpPort"));
        auto *bodies = window.findChild<QCheckBox *>(QStringLiteral("auditBodies"));
        auto *retention = window.findChild<QSpinBox *>(QStringLiteral("retentionDays"));
        QVERIFY(http && port && bodies && retention);
        QCOMPARE(http->isChecked(), false);
        QCOMPARE(port->isEnabled(), false);
        QCOMPARE(retention->value(), 90);

        http->setChecked(true);
        QVERIFY(port->isEnabled());
        port->setValue(48000);
        bodies->setChecked(false);
        retention->setValue(30);
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("apply")), Qt::LeftButton);
        QVERIFY2(window.errorText().isEmpty(), qPrintable(window.errorText()));

        const Config saved = f.onDisk();
        QCOMPARE(saved.settings.httpEnabled, true);
        QCOMPARE(saved.settings.httpPort, 48000);
        QCOMPARE(saved.settings.auditBodies, false);
        QCOMPARE(saved.settings.retentionDays, 30);
        QCOMPARE(f.config.config().settings.httpPort, 48000); // the owner's config follows at once
        const QList<AuditRow> rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().agent, QStringLiteral("tray"));
        QCOMPARE(rows.first().method, QStringLiteral("settings set"));
        QCOMPARE(rows.first().reason.value_or(QString()), QStringLiteral("http.enabled false -> true; http.port 47817 -> 48000; "
                                                     "retentionDays 90 -> 30; auditBodies true -> false"));

        // Applying again changes nothing and records nothing.
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("apply")), Qt::LeftButton);
        QCOMPARE(f.changeRows().size(), 1);
    }

    void revertShowsTheConfigAgain()
    {
        Fixture f;
        SettingsWindow window(*f.presenter, *f.agents);
        auto *retention = window.findChild<QSpinBox *>(QStringLiteral("retentionDays"));
        retention->setValue(7);
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("revert")), Qt::LeftButton);
        QCOMPARE(retention->value(), 90);
        QVERIFY(!QFileInfo::exists(f.home.configFile()));
    }

    void outOfRangeSettingsAreRefusedWithTheirRange()
    {
        Fixture f;
        keyward::admin::SettingsEdit edit;
        edit.httpPort = 0;
        const auto port = f.presenter->apply(edit);
        QVERIFY(!port);
        QCOMPARE(port.error().code, QStringLiteral("invalid_setting"));
        QVERIFY2(port.error().message.contains(QLatin1String("1 to 65535")), qPrintable(port.error().message));
        edit = {};
        edit.retentionDays = 0;
        QVERIFY(!f.presenter->apply(edit));
        QVERIFY(f.changeRows().isEmpty());
    }

    void agentsAreAddedWithATokenShownOnceAndRemoved()
    {
        Fixture f;
        QAbstractItemModelTester tester(f.agents.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(f.agents->rowCount(), 0);

        const auto token = f.presenter->addAgent(QStringLiteral("builder"), 30);
        QVERIFY2(token, token ? "" : qPrintable(token.error().message));
        QVERIFY(keyward::isWellFormedAgentToken(token.value()));
        const Config saved = f.onDisk();
        QCOMPARE(saved.agents.count(QStringLiteral("builder")), size_t(1));
        QCOMPARE(saved.agents.at(QStringLiteral("builder")).tokenHash, keyward::agentTokenHash(token.value()));
        QVERIFY(!saved.agents.at(QStringLiteral("builder")).expires.isEmpty());
        QFile file(f.home.configFile());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains(token.value()));
        QCOMPARE(f.agents->rowCount(), 1);
        QCOMPARE(f.agents->nameAt(0), QStringLiteral("builder"));
        QCOMPARE(f.agents->data(f.agents->index(0, AgentsModel::State)).toString(), QStringLiteral("active"));

        const auto twice = f.presenter->addAgent(QStringLiteral("builder"), 0);
        QVERIFY(!twice);
        QCOMPARE(twice.error().code, QStringLiteral("exists"));
        const auto badName = f.presenter->addAgent(QStringLiteral("Not A Name"), 0);
        QVERIFY(!badName);
        QCOMPARE(badName.error().code, QStringLiteral("invalid_name"));

        QVERIFY(f.presenter->removeAgent(QStringLiteral("builder")));
        QCOMPARE(f.agents->rowCount(), 0);
        QCOMPARE(f.onDisk().agents.size(), size_t(0));
        const auto missing = f.presenter->removeAgent(QStringLiteral("builder"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, QStringLiteral("not_found"));

        QStringList methods;
        for (const AuditRow &row : f.changeRows()) {
            methods << row.method;
            QVERIFY(!row.reason.value_or(QString()).contains(QString::fromLatin1(token.value())));
        }
        methods.sort();
        QCOMPARE(methods, QStringList({QStringLiteral("agent add"), QStringLiteral("agent remove")}));
    }

    void autostartFollowsTheCheckboxAndShowsFailuresInline()
    {
        Fixture f;
        SettingsWindow window(*f.presenter, *f.agents);
        window.show();
        auto *box = window.findChild<QCheckBox *>(QStringLiteral("autostart"));
        QVERIFY(box && box->isEnabled() && !box->isChecked());
        QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(4, box->height() / 2));
        QVERIFY(f.autostart);
        QVERIFY(box->isChecked());

        f.autostartFails = true;
        QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(4, box->height() / 2));
        QVERIFY(f.autostart);      // unchanged
        QVERIFY(box->isChecked()); // set back
        QCOMPARE(window.errorText(), QStringLiteral("cannot write the autostart entry"));
    }

    void aConfigChangedElsewhereIsShownAtOnce()
    {
        Fixture f;
        SettingsWindow window(*f.presenter, *f.agents);
        auto *retention = window.findChild<QSpinBox *>(QStringLiteral("retentionDays"));
        AuditLog otherAudit(f.home.auditDatabase());
        keyward::admin::SettingsEdit edit;
        edit.retentionDays = 14;
        QVERIFY(keyward::admin::changeSettings(f.home, otherAudit, edit, QStringLiteral("cli")));
        QTRY_COMPARE_WITH_TIMEOUT(retention->value(), 14, 5000); // the ConfigStore's watcher
    }

    void theSecretStoreIsNamed()
    {
        Fixture f;
        SettingsWindow window(*f.presenter, *f.agents);
        auto *label = window.findChild<QLabel *>(QStringLiteral("secretStore"));
        QVERIFY(label);
        QVERIFY2(label->text().contains(f.home.keychainServiceName()), qPrintable(label->text()));
    }
};

QTEST_MAIN(TestSettingsWindow)
#include "tst_settingswindow.moc"
