// The tray's way to its windows (offscreen): the "Audit log…" entry of the tray menu, and its
// button in the fallback window, ask for the window "audit"; WindowRegistry makes a window once and
// raises it again, and names what it has.

#include "tray/trayicon.h"
#include "tray/traypresenter.h"
#include "windows/windowregistry.h"

#include "support/temphome.h"

#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "state/killstate.h"

#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using keyward::AuditLog;
using keyward::KeywardHome;
using keyward::KillState;
using keyward::gui::TrayIcon;
using keyward::gui::TrayPresenter;
using keyward::gui::WindowRegistry;
using keyward::test::TempHome;

class TestWindowRegistry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(keyward); }

    void theFallbackWindowOpensTheAuditLog()
    {
        TempHome dir;
        const KeywardHome home = KeywardHome::atDirectory(dir.path());
        KillState kills(home.stateFile());
        QVERIFY(kills.load());
        AuditLog audit(home.auditDatabase());
        TrayPresenter presenter(home, kills, audit, [] { return qint64(0); }, [] { return QStringList(); });
        TrayIcon icon(presenter);
        QVERIFY(!icon.usesTrayHost()); // offscreen has no tray host
        QSignalSpy requested(&icon, &TrayIcon::windowRequested);
        auto *button = icon.fallbackWindow()->findChild<QPushButton *>(QStringLiteral("auditLog"));
        QVERIFY(button);
        QVERIFY(!button->accessibleName().isEmpty());
        QVERIFY(button->focusPolicy() & Qt::TabFocus);
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.first().first().toString(), QStringLiteral("audit"));
    }

    void theRegistryMakesAWindowOnceAndRaisesItAgain()
    {
        WindowRegistry registry;
        QVERIFY(!registry.show(QStringLiteral("audit")));
        int made = 0;
        QPointer<QWidget> last;
        registry.registerWindow(QStringLiteral("audit"), [&made, &last] {
            ++made;
            last = new QWidget;
            return last.data();
        });
        registry.registerWindow(QStringLiteral("alerts"), [] { return new QWidget; });
        QCOMPARE(registry.names(), (QStringList{QStringLiteral("alerts"), QStringLiteral("audit")}));
        QVERIFY(registry.show(QStringLiteral("audit")));
        QVERIFY(last && last->isVisible());
        last->hide(); // closed by the user
        QVERIFY(registry.show(QStringLiteral("audit")));
        QCOMPARE(made, 1);
        QVERIFY(last->isVisible());
        delete last.data(); // a window that deleted itself is made again
        QVERIFY(registry.show(QStringLiteral("audit")));
        QCOMPARE(made, 2);
        QVERIFY(!registry.show(QStringLiteral("settings")));
    }

    void theRegistryDeletesItsWindows()
    {
        QPointer<QWidget> window;
        {
            WindowRegistry registry;
            registry.registerWindow(QStringLiteral("audit"), [&window] {
                window = new QWidget;
                return window.data();
            });
            QVERIFY(registry.show(QStringLiteral("audit")));
            QVERIFY(window);
        }
        QVERIFY(!window);
    }
};

QTEST_MAIN(TestWindowRegistry)
#include "tst_windowregistry.moc"
