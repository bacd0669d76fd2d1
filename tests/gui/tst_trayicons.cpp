#include "tray/trayicons.h"

#include <QApplication>
#include <QImage>
#include <QtTest>

using keyward::gui::TrayState;

class TestTrayIcons : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(keyward); }

    void everyStateRendersFromResources_data()
    {
        QTest::addColumn<TrayState>("state");
        QTest::newRow("active") << TrayState::Active;
        QTest::newRow("killed") << TrayState::Killed;
        QTest::newRow("alert") << TrayState::Alert;
    }
    void everyStateRendersFromResources()
    {
        QFETCH(TrayState, state);
        const QIcon icon = keyward::gui::trayIcon(state);
        QVERIFY(!icon.isNull());
        const QImage image = icon.pixmap(32, 32).toImage();
        QCOMPARE(image.size(), QSize(32, 32));
        QVERIFY2(image.pixelColor(16, 4).alpha() > 0, "the SVG did not render (is the Qt SVG plugin installed?)");
    }

    void statesLookDifferent()
    {
        const QImage active = keyward::gui::trayIcon(TrayState::Active).pixmap(32, 32).toImage();
        const QImage killed = keyward::gui::trayIcon(TrayState::Killed).pixmap(32, 32).toImage();
        const QImage alert = keyward::gui::trayIcon(TrayState::Alert).pixmap(32, 32).toImage();
        QVERIFY(active != killed);
        QVERIFY(active != alert);
        QVERIFY(killed != alert);
    }

    void applicationIconRenders()
    {
        QVERIFY(!keyward::gui::applicationIcon().pixmap(64, 64).isNull());
    }
};

QTEST_MAIN(TestTrayIcons)
#include "tst_trayicons.moc"
