// The Alerts window, its presenter and model, offscreen, over a real AlertCenter (audit.db,
// config.json, state.json of a temporary home) fed with denied calls: the model (under
// QAbstractItemModelTester) lists the stored alerts, unseen ones bold; the window shows the selected
// alert with its audit rows; "Mark all seen" clears the unseen count (showing the window does not);
// toggling a category's Notify or Record writes settings.notifications of config.json with one
// audited change row (agent "tray") and the running settings follow through the reload callback;
// a config.json that does not load, or an unknown category, leaves everything as it was and shows
// why inline.

#include "models/alertsmodel.h"
#include "windows/alertspresenter.h"
#include "windows/alertswindow.h"

#include "support/temphome.h"

#include "alerts/alertcenter.h"
#include "alerts/alertsettings.h"
#include "alerts/alertsettingsadmin.h"
#include "audit/auditlog.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "core/keywardhome.h"
#include "state/killstate.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QFile>
#include <QFont>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QtTest>

#include <memory>

using namespace keyward;
using keyward::gui::AlertsModel;
using keyward::gui::AlertsPresenter;
using keyward::gui::AlertsWindow;
using keyward::gui::createAlertsWindow;
using keyward::test::TempHome;

namespace {

struct Fixture {
    TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    std::unique_ptr<ConfigStore> config;
    std::unique_ptr<KillState> kills;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<AlertCenter> center;
    int reloads = 0;

    explicit Fixture(const QString &notificationsJson = QStringLiteral("{}"))
    {
        Config initial;
        initial.settings.notificationsJson = notificationsJson;
        initial.services[QStringLiteral("api")].baseUrl = QStringLiteral("https://127.0.0.1:9/v1");
        if (!saveConfigFile(home.configFile(), initial))
            qFatal("cannot write config.json");
        config = std::make_unique<ConfigStore>(home.configFile());
        if (!config->load())
            qFatal("cannot load config.json");
        kills = std::make_unique<KillState>(home.stateFile());
        if (!kills->load())
            qFatal("cannot load state.json");
        audit = std::make_unique<AuditLog>(home.auditDatabase());
        if (!audit->open())
            qFatal("cannot open audit.db");
        center = std::make_unique<AlertCenter>(home, *audit, *config, *kills);
        if (!center->start())
            qFatal("cannot start the alert center");
    }

    ~Fixture()
    {
        center.reset();
        audit.reset();
    }

    std::function<void()> reload()
    {
        return [this] {
            ++reloads;
            config->reload();
        };
    }

    // Twelve denied calls of agent "bot": one denial_burst alert (count 12, seqs 1..12) and one new_agent alert.
    void denyTwelveCalls()
    {
        for (int i = 0; i < 12; ++i) {
            AuditRow row;
            row.agent = QStringLiteral("bot");
            row.client = QStringLiteral("test");
            row.service = QStringLiteral("api");
            row.method = QStringLiteral("GET");
            row.path = QStringLiteral("/admin");
            row.decision = QStringLiteral("denied");
            row.rule = QStringLiteral("deny GET /admin");
            if (!audit->append(row))
                qFatal("cannot append an audit row");
        }
        // Reading writes the burst's growth at once (else within AlertCenter::kFlushIntervalMs):
        // alertsChanged follows, as it does when the flush timer fires.
        if (!center->alerts())
            qFatal("cannot read the alerts");
    }

    QList<AuditRow> changeRows()
    {
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        const auto rows = audit->query(filter);
        return rows ? rows.value() : QList<AuditRow>();
    }

    AlertSettings onDisk() const
    {
        const auto loaded = loadConfigFile(home.configFile());
        if (!loaded)
            qFatal("config.json does not load");
        const auto settings = alertSettingsFromText(loaded.value().settings.notificationsJson);
        if (!settings)
            qFatal("settings.notifications does not load");
        return settings.value();
    }
};

int rowOfCategory(const AlertsModel &model, const QString &category)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, AlertsModel::Category).data().toString() == category)
            return row;
    }
    return -1;
}

} // namespace

class TestAlertsWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theModelListsTheStoredAlertsUnseenBold()
    {
        Fixture f;
        AlertsModel model(*f.center);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(AlertsModel::ColumnCount));

        f.denyTwelveCalls();
        QVERIFY(model.errorText().isEmpty());
        QCOMPARE(model.rowCount(), 2);
        const int burst = rowOfCategory(model, QStringLiteral("denial_burst"));
        QVERIFY(burst >= 0);
        QVERIFY(rowOfCategory(model, QStringLiteral("new_agent")) >= 0);
        QCOMPARE(model.index(burst, AlertsModel::Agent).data().toString(), QStringLiteral("bot"));
        QCOMPARE(model.index(burst, AlertsModel::Service).data().toString(), QStringLiteral("api"));
        QCOMPARE(model.index(burst, AlertsModel::Count).data().toInt(), 12);
        QCOMPARE(model.index(burst, AlertsModel::Severity).data().toString(), severityName(model.alertAt(burst)->severity));
        QVERIFY(model.index(burst, AlertsModel::Message).data().toString().contains(QStringLiteral("calls denied")));
        QCOMPARE(model.index(burst, AlertsModel::Seen).data().toString(), QStringLiteral("no"));
        QVERIFY(model.index(burst, AlertsModel::Time).data().toString().startsWith(
            QString::number(QDate::currentDate().year())));
        QVERIFY(model.index(burst, AlertsModel::Message).data(Qt::FontRole).value<QFont>().bold());
        QCOMPARE(model.headerData(AlertsModel::ActionTaken, Qt::Horizontal).toString(), QStringLiteral("Action taken"));

        QVERIFY(f.center->markSeen().ok());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(burst, AlertsModel::Seen).data().toString(), QStringLiteral("yes"));
        QVERIFY(!model.index(burst, AlertsModel::Message).data(Qt::FontRole).isValid());
    }

    void theWindowShowsTheSelectedAlertAndMarksSeenOnlyOnRequest()
    {
        Fixture f;
        f.denyTwelveCalls();
        std::unique_ptr<QWidget> widget(createAlertsWindow(*f.center, f.home, *f.audit, f.reload()));
        auto *window = qobject_cast<AlertsWindow *>(widget.get());
        QVERIFY(window);
        QCOMPARE(window->objectName(), QStringLiteral("alertsWindow"));
        QCOMPARE(window->windowTitle(), QStringLiteral("Keyward: alerts"));
        window->show();
        QCOMPARE(f.center->unseenCount(), qint64(2)); // showing the window marks nothing seen

        auto *table = window->findChild<QTableView *>(QStringLiteral("alertsTable"));
        QVERIFY(table);
        auto *model = qobject_cast<AlertsModel *>(table->model());
        QVERIFY(model);
        QCOMPARE(model->rowCount(), 2);
        const int burst = rowOfCategory(*model, QStringLiteral("denial_burst"));
        table->selectRow(burst);
        QVERIFY2(window->detailText().contains(QStringLiteral("calls denied")), qPrintable(window->detailText()));
        QVERIFY2(window->detailText().contains(QStringLiteral("Audit rows 1..12 (see `keyward log`)")),
                 qPrintable(window->detailText()));

        // Every control is named for assistive technology.
        const QList<QWidget *> controls = window->findChildren<QWidget *>();
        for (QWidget *control : controls) {
            if (qobject_cast<QCheckBox *>(control) || qobject_cast<QPushButton *>(control) || control == table)
                QVERIFY2(!control->accessibleName().isEmpty(), qPrintable(control->objectName()));
        }

        QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("markAllSeen")), Qt::LeftButton);
        QVERIFY2(window->errorText().isEmpty(), qPrintable(window->errorText()));
        QCOMPARE(f.center->unseenCount(), qint64(0));
        QCOMPARE(model->index(burst, AlertsModel::Seen).data().toString(), QStringLiteral("yes"));
        QCOMPARE(f.center->alerts(0, true).value().size(), 0);
    }

    void togglingNotifyWritesTheConfigAndOneAuditedChange()
    {
        Fixture f;
        std::unique_ptr<QWidget> widget(createAlertsWindow(*f.center, f.home, *f.audit, f.reload()));
        auto *window = qobject_cast<AlertsWindow *>(widget.get());
        QVERIFY(window);
        window->show();
        auto *notify = window->findChild<QCheckBox *>(QStringLiteral("notify_denial_burst"));
        auto *record = window->findChild<QCheckBox *>(QStringLiteral("record_denial_burst"));
        auto *newAgentNotify = window->findChild<QCheckBox *>(QStringLiteral("notify_new_agent"));
        QVERIFY(notify && record && newAgentNotify);
        QVERIFY(notify->isChecked());
        QVERIFY(record->isChecked());
        QVERIFY(!newAgentNotify->isChecked()); // a new agent is stored, not notified, by default
        QVERIFY(window->findChild<QLabel *>(QStringLiteral("quietHours"))->text().contains(QStringLiteral("none")));

        notify->click(); // as a person (or the keyboard) does; the box may be scrolled out of view
        QVERIFY2(window->errorText().isEmpty(), qPrintable(window->errorText()));
        QVERIFY(!notify->isChecked());
        QCOMPARE(f.reloads, 1);
        QCOMPARE(f.onDisk().rule(QStringLiteral("denial_burst")).notify, false);
        QCOMPARE(f.onDisk().rule(QStringLiteral("denial_burst")).enabled, true);
        QCOMPARE(f.center->settings().rule(QStringLiteral("denial_burst")).notify, false); // followed the reload
        const QList<AuditRow> rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().agent, QStringLiteral("tray"));
        QCOMPARE(rows.first().client, QStringLiteral("keyward-tray"));
        QCOMPARE(rows.first().method, QStringLiteral("alerts set"));
        QCOMPARE(rows.first().path, QStringLiteral("notifications"));
        QCOMPARE(rows.first().reason.value_or(QString()), QStringLiteral("denial_burst notify off"));

        // Record off for the same category: a second row; the other categories keep their settings.
        record->click();
        QVERIFY(!record->isChecked());
        QCOMPARE(f.onDisk().rule(QStringLiteral("denial_burst")).enabled, false);
        QCOMPARE(f.onDisk().rule(QStringLiteral("new_agent")), AlertSettings::defaults().rule(QStringLiteral("new_agent")));
        QCOMPARE(f.changeRows().size(), 2);
        QCOMPARE(f.changeRows().last().reason.value_or(QString()), QStringLiteral("denial_burst record off"));
    }

    void anEditThatChangesNothingRecordsNothing()
    {
        Fixture f;
        admin::AlertRuleEdit edit;
        edit.notify = true; // already on
        const auto changed = admin::changeAlertRule(f.home, *f.audit, QStringLiteral("denial_burst"), edit,
                                                    QStringLiteral("tray"), QStringLiteral("keyward-tray"));
        QVERIFY(changed.ok());
        QVERIFY(changed.value().isEmpty());
        QVERIFY(f.changeRows().isEmpty());
    }

    void aConfigThatDoesNotLoadShowsInlineAndChangesNothing()
    {
        Fixture f;
        std::unique_ptr<QWidget> widget(createAlertsWindow(*f.center, f.home, *f.audit, f.reload()));
        auto *window = qobject_cast<AlertsWindow *>(widget.get());
        QVERIFY(window);
        window->show();
        QFile file(f.home.configFile());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"version\": 1, \"settings\": {\"notifications\": {\"rules\": {\"denial_burst\": {\"count\": 0}}}}}");
        file.close();

        auto *notify = window->findChild<QCheckBox *>(QStringLiteral("notify_denial_burst"));
        notify->click(); // as a person (or the keyboard) does; the box may be scrolled out of view
        const QString error = window->errorText();
        QVERIFY2(error.startsWith(QStringLiteral("The alert settings were not changed: ")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("/settings/notifications/rules/denial_burst/count")), qPrintable(error));
        QVERIFY(notify->isChecked()); // shows the setting in force again
        QCOMPARE(f.reloads, 0);
        QVERIFY(f.changeRows().isEmpty());
    }

    void theQuietHoursInForceAreShown()
    {
        Fixture f(QStringLiteral("{\"quietHours\": \"22:00-07:00\", \"enabled\": false}"));
        std::unique_ptr<QWidget> widget(createAlertsWindow(*f.center, f.home, *f.audit, f.reload()));
        widget->show();
        auto *quiet = widget->findChild<QLabel *>(QStringLiteral("quietHours"));
        QVERIFY(quiet);
        QCOMPARE(quiet->text(), QStringLiteral("Quiet hours: 22:00-07:00 (only critical alerts notify then) "
                                               "(desktop notifications are off)"));
    }

    void anUnknownCategoryIsRefused()
    {
        Fixture f;
        AlertsPresenter presenter(*f.center, f.home, *f.audit, f.reload());
        QVERIFY(!presenter.setNotify(QStringLiteral("no_such_rule"), false));
        QVERIFY2(presenter.errorText().contains(QStringLiteral("'no_such_rule' is not an alert category; use one of: denial_burst")),
                 qPrintable(presenter.errorText()));
        QVERIFY(f.changeRows().isEmpty());
        QCOMPARE(f.reloads, 0);
        // The next action that works clears the message.
        QVERIFY(presenter.markAllSeen());
        QVERIFY(presenter.errorText().isEmpty());
    }
};

QTEST_MAIN(TestAlertsWindow)
#include "tst_alertswindow.moc"
