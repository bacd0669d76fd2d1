// The tray app's windows by name: one instance each (shown again and raised, re-created once
// destroyed), unknown names refused; the tray's Services… and Add service… ask for them, and the
// registered services window opens the wizard from its Add button.

#include "tray/trayicon.h"
#include "tray/traypresenter.h"
#include "windows/serviceswindow.h"
#include "windows/windowregistry.h"
#include "wizard/servicewizard.h"

#include "guiadminfixture.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using keyward::gui::ServicesWindow;
using keyward::gui::ServiceWizard;
using keyward::gui::TrayIcon;
using keyward::gui::TrayPresenter;
using keyward::gui::WindowRegistry;
using keyward::test::GuiAdminFixture;

class TestWindowRegistry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(keyward); }

    void showsOneInstancePerName()
    {
        WindowRegistry windows;
        int made = 0;
        windows.add(QStringLiteral("services"), [&made] {
            ++made;
            return new QWidget;
        });
        QSignalSpy created(&windows, &WindowRegistry::created);
        QVERIFY(!windows.show(QStringLiteral("nope")));
        QVERIFY(windows.window(QStringLiteral("services")) == nullptr);
        QVERIFY(windows.show(QStringLiteral("services")));
        QWidget *first = windows.window(QStringLiteral("services"));
        QVERIFY(first && first->isVisible());
        first->hide();
        QVERIFY(windows.show(QStringLiteral("services")));
        QCOMPARE(windows.window(QStringLiteral("services")), first);
        QVERIFY(first->isVisible());
        QCOMPARE(made, 1);
        QCOMPARE(created.size(), 1);

        delete first; // e.g. a wizard that finished
        QVERIFY(windows.window(QStringLiteral("services")) == nullptr);
        QVERIFY(windows.show(QStringLiteral("services")));
        QCOMPARE(made, 2);
        QCOMPARE(windows.names(), QStringList{QStringLiteral("services")});
    }

    void trayAsksForTheServicesWindowAndTheWizard()
    {
        GuiAdminFixture f;
        TrayPresenter presenter(f.home, f.kills, f.audit, [] { return qint64(0); }, [] { return QStringList(); });
        TrayIcon icon(presenter);
        QVERIFY(!icon.usesTrayHost()); // offscreen: the fallback window offers the same entries
        QSignalSpy requested(&icon, &TrayIcon::windowRequested);
        icon.fallbackWindow()->findChild<QPushButton *>(QStringLiteral("services"))->click();
        icon.fallbackWindow()->findChild<QPushButton *>(QStringLiteral("addService"))->click();
        QCOMPARE(requested.size(), 2);
        QCOMPARE(requested[0].first().toString(), QStringLiteral("services"));
        QCOMPARE(requested[1].first().toString(), QStringLiteral("wizard"));
    }

    void servicesWindowOpensTheWizard()
    {
        GuiAdminFixture f;
        const auto context = f.context();
        WindowRegistry windows;
        windows.add(QStringLiteral("services"), [&context, &windows]() -> QWidget * {
            auto *window = new ServicesWindow(context);
            QObject::connect(window, &ServicesWindow::addServiceRequested, &windows,
                             [&windows] { windows.show(QStringLiteral("wizard")); });
            return window;
        });
        windows.add(QStringLiteral("wizard"), [&context]() -> QWidget * { return new ServiceWizard(context); });
        QVERIFY(windows.show(QStringLiteral("services")));
        windows.window(QStringLiteral("services"))->findChild<QPushButton *>(QStringLiteral("add"))->click();
        auto *wizard = qobject_cast<ServiceWizard *>(windows.window(QStringLiteral("wizard")));
        QVERIFY(wizard);
        QVERIFY(wizard->isVisible());
    }
};

QTEST_MAIN(TestWindowRegistry)
#include "tst_windowregistry.moc"
