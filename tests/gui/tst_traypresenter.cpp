// The tray's presenter and its widget binding, offscreen: states, tooltip and status line; the
// global and per-service kill switches engaged through state.json with their audit change rows; a
// change made by another process (another KillState on the same file, as `keyward kill` is) is
// followed; without a tray host (offscreen has none) the fallback window offers the same switch.

#include "tray/trayicon.h"
#include "tray/traypresenter.h"

#include "support/temphome.h"

#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "state/killstate.h"

#include <QCheckBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QtTest>

#include <memory>

using keyward::AuditFilter;
using keyward::AuditLog;
using keyward::AuditRow;
using keyward::KeywardHome;
using keyward::KillState;
using keyward::KillTarget;
using keyward::gui::TrayPresenter;
using keyward::gui::TrayState;
using keyward::test::TempHome;

namespace {

// One home with the owner's KillState and AuditLog and a presenter over them.
struct Fixture {
    TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    KillState kills{home.stateFile()};
    AuditLog audit{home.auditDatabase()};
    qint64 calls = 0;
    QStringList serviceNames;
    std::unique_ptr<TrayPresenter> presenter;

    Fixture()
    {
        if (!kills.load())
            qFatal("cannot load state.json");
        presenter = std::make_unique<TrayPresenter>(
            home, kills, audit, [this] { return calls; }, [this] { return serviceNames; });
    }

    QList<AuditRow> changeRows()
    {
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        const auto rows = audit.query(filter);
        return rows ? rows.value() : QList<AuditRow>();
    }

    // The switches on disk, as any other process reads them.
    keyward::KillSwitches onDisk() const
    {
        KillState other(home.stateFile());
        (void)other.load();
        return other.switches();
    }
};

} // namespace

class TestTrayPresenter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(keyward); }

    void activeShowsTheCallsOfToday()
    {
        Fixture f;
        QCOMPARE(f.presenter->state(), TrayState::Active);
        QVERIFY(!f.presenter->killed());
        QCOMPARE(f.presenter->toolTip(), QStringLiteral("Keyward — active · 0 calls today"));
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("Active · 0 calls today"));

        QSignalSpy changed(f.presenter.get(), &TrayPresenter::stateChanged);
        f.calls = 1;
        f.presenter->refresh();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(f.presenter->toolTip(), QStringLiteral("Keyward — active · 1 call today"));
        f.calls = 12;
        f.presenter->refresh();
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("Active · 12 calls today"));
        f.presenter->refresh(); // the same count: nothing to tell
        QCOMPARE(changed.count(), 2);
    }

    void unseenAlertsShowUntilSeenAndKilledWins()
    {
        Fixture f;
        QSignalSpy changed(f.presenter.get(), &TrayPresenter::stateChanged);
        f.presenter->setUnseenAlerts(2);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(f.presenter->state(), TrayState::Alert);
        QCOMPARE(f.presenter->toolTip(), QStringLiteral("Keyward — active · 0 calls today · 2 new alerts"));
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("Active · 0 calls today · 2 new alerts"));
        f.presenter->setUnseenAlerts(2); // the same count: nothing to tell
        QCOMPARE(changed.count(), 1);
        QVERIFY(f.presenter->setKilled(true));
        QCOMPARE(f.presenter->state(), TrayState::Killed);
        QVERIFY(f.presenter->setKilled(false));
        f.presenter->setUnseenAlerts(0);
        QCOMPARE(f.presenter->state(), TrayState::Active);
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("Active · 0 calls today"));
    }

    void setKilledEngagesAndLiftsTheGlobalKillWithAChangeRow()
    {
        Fixture f;
        QSignalSpy changed(f.presenter.get(), &TrayPresenter::stateChanged);
        const auto killed = f.presenter->setKilled(true);
        QVERIFY2(killed, killed ? "" : qPrintable(killed.error().message));
        QVERIFY(f.presenter->killed());
        QCOMPARE(f.presenter->state(), TrayState::Killed);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(f.presenter->toolTip(), QStringLiteral("Keyward — all agents stopped"));
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("All agents stopped"));
        QVERIFY(f.onDisk().all);

        QList<AuditRow> rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].method, QStringLiteral("kill"));
        QCOMPARE(rows[0].path, QStringLiteral("all"));
        QCOMPARE(rows[0].agent, QStringLiteral("tray"));
        QVERIFY2(rows[0].reason.value_or(QString()).contains(QLatin1String("global kill switch")),
                 qPrintable(rows[0].reason.value_or(QString())));

        const auto resumed = f.presenter->setKilled(false);
        QVERIFY(resumed);
        QVERIFY(!f.presenter->killed());
        QCOMPARE(f.presenter->state(), TrayState::Active);
        QVERIFY(!f.onDisk().all);
        rows = f.changeRows();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[1].method, QStringLiteral("resume"));
        QCOMPARE(rows[1].agent, QStringLiteral("tray"));
        const auto verified = f.audit.verify();
        QVERIFY(verified && verified->ok);
    }

    void followsAKillMadeElsewhere()
    {
        Fixture f;
        QSignalSpy changed(f.presenter.get(), &TrayPresenter::stateChanged);
        KillState cli(f.home.stateFile()); // another process's view, as `keyward kill` has
        QVERIFY(cli.load());
        QVERIFY(cli.kill(KillTarget::all()));
        QTRY_VERIFY_WITH_TIMEOUT(f.presenter->killed(), 1000);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(f.presenter->toolTip(), QStringLiteral("Keyward — all agents stopped"));
        QVERIFY(cli.resume(KillTarget::all()));
        QTRY_VERIFY_WITH_TIMEOUT(!f.presenter->killed(), 1000);
        QCOMPARE(f.presenter->state(), TrayState::Active);
    }

    void killsOneService()
    {
        Fixture f;
        f.serviceNames = {QStringLiteral("stripe"), QStringLiteral("github")};
        QCOMPARE(f.presenter->services(), (QStringList{QStringLiteral("github"), QStringLiteral("stripe")}));
        QVERIFY(f.presenter->setServiceKilled(QStringLiteral("stripe"), true));
        QVERIFY(f.presenter->serviceKilled(QStringLiteral("stripe")));
        QVERIFY(!f.presenter->serviceKilled(QStringLiteral("github")));
        QVERIFY(!f.presenter->killed());
        QCOMPARE(f.presenter->state(), TrayState::Active);
        QCOMPARE(f.presenter->statusLine(), QStringLiteral("Active · 1 service stopped · 0 calls today"));
        QCOMPARE(f.onDisk().services, QStringList{QStringLiteral("stripe")});
        QList<AuditRow> rows = f.changeRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].path, QStringLiteral("service:stripe"));
        QCOMPARE(rows[0].service, QStringLiteral("stripe"));

        QVERIFY(f.presenter->setServiceKilled(QStringLiteral("stripe"), false));
        QVERIFY(!f.presenter->serviceKilled(QStringLiteral("stripe")));
        QVERIFY(f.onDisk().services.isEmpty());
        rows = f.changeRows();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[1].method, QStringLiteral("resume"));
    }

    void fallbackWindowWithoutATrayHost()
    {
        QVERIFY2(!QSystemTrayIcon::isSystemTrayAvailable(), "the offscreen platform has no tray host");
        Fixture f;
        keyward::gui::TrayIcon icon(*f.presenter);
        QVERIFY(!icon.usesTrayHost());
        QWidget *window = icon.fallbackWindow();
        QVERIFY(window);
        icon.show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        auto *status = window->findChild<QLabel *>(QStringLiteral("status"));
        auto *kill = window->findChild<QCheckBox *>(QStringLiteral("killAll"));
        QVERIFY(status && kill);
        QCOMPARE(status->text(), f.presenter->statusLine());
        QVERIFY(!kill->isChecked());

        kill->click();
        QVERIFY(f.presenter->killed());
        QVERIFY(f.onDisk().all);
        QVERIFY(kill->isChecked());
        QCOMPARE(status->text(), QStringLiteral("All agents stopped"));

        // A kill lifted elsewhere unticks the box.
        KillState cli(f.home.stateFile());
        QVERIFY(cli.load());
        QVERIFY(cli.resume(KillTarget::all()));
        QTRY_VERIFY_WITH_TIMEOUT(!kill->isChecked(), 1000);

        QSignalSpy quit(&icon, &keyward::gui::TrayIcon::quitRequested);
        window->close();
        QCOMPARE(quit.count(), 1);
    }
};

QTEST_MAIN(TestTrayPresenter)
#include "tst_traypresenter.moc"
