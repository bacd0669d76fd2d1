// End to end: `keyward` with no arguments, the tray app and owner of its home (DESIGN.md
// "Processes", "GUI"), under the test session's Xvfb display. With `trayer` installed it runs as a
// tray host and the icon is used; otherwise the tray app shows its no-tray-host window. The tray
// prints the owner's ready line, answers on the owner socket with its pid, takes over from the
// background owner a `keyward mcp` started (whose session keeps working), refuses to start a
// second time on the same home, and ends cleanly on SIGTERM.

#include "support/e2eprocess.h"
#include "support/mcpstdioprocess.h"

#include "core/keywardhome.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QStandardPaths>
#include <QtTest>

#include <csignal>

using json = nlohmann::json;
using keyward::KeywardHome;
using keyward::daemon::OwnerLock;
using keyward::test::McpStdioProcess;
using keyward::test::runKeyward;
using keyward::test::TempHome;
using keyward::test::homeOf;
using keyward::test::processAlive;

namespace {

QByteArray startTray(QProcess &tray, const TempHome &home) { return keyward::test::startOwnerProcess(tray, home); }

void stopTray(QProcess &tray) { keyward::test::stopOwnerProcess(tray); }

// `xwininfo -root -tree`: every window of the display with its name and class.
QByteArray windowTree(const QString &xwininfo)
{
    QProcess tree;
    tree.start(xwininfo, {QStringLiteral("-root"), QStringLiteral("-tree")});
    tree.waitForFinished(5000);
    return tree.readAllStandardOutput();
}

json listServices(McpStdioProcess &session)
{
    const json response = session.callTool("list_services", json::object());
    return response.value("result", json()).value("structuredContent", json());
}

} // namespace

class TestTrayApp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // A tray host on the test display when one is installed (installers/bootstrap.sh --test).
        const QString trayer = QStandardPaths::findExecutable(QStringLiteral("trayer"));
        if (qEnvironmentVariableIsSet("DISPLAY") && !trayer.isEmpty()) {
            m_trayer.start(trayer, {QStringLiteral("--edge"), QStringLiteral("top"), QStringLiteral("--align"),
                                    QStringLiteral("right"), QStringLiteral("--height"), QStringLiteral("24")});
            QVERIFY(m_trayer.waitForStarted());
            QTest::qWait(500); // until it has claimed the tray selection
        }
        qInfo("display: %s; tray host: %s", qgetenv("DISPLAY").constData(),
              m_trayer.state() == QProcess::Running ? "trayer" : "none (the tray app shows its window)");
    }

    void cleanupTestCase()
    {
        if (m_trayer.state() == QProcess::Running) {
            m_trayer.terminate();
            m_trayer.waitForFinished(5000);
        }
    }

    void helpNamesTheTrayApp()
    {
        TempHome home;
        const auto help = runKeyward(home, {QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        // installers/run.sh starts the tray when it finds this line.
        QVERIFY2(help.out.contains("\n  (no command)  the tray app"), help.out.constData());
    }

    void withoutADisplayItSaysSoAndExits1()
    {
        TempHome home;
        QProcessEnvironment env = keyward::test::environmentFor(home);
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        QProcess tray;
        tray.setProcessEnvironment(env);
        tray.start(QStringLiteral(KEYWARD_BINARY), {});
        QVERIFY(tray.waitForFinished(20000));
        QCOMPARE(tray.exitCode(), 1);
        const QByteArray err = tray.readAllStandardError();
        QVERIFY2(err.contains("keyward serve"), err.constData());
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), 0);
    }

    void trayOwnsTheHomeAndStopsOnSigterm()
    {
        TempHome home;
        QProcess tray;
        const QByteArray ready = startTray(tray, home);
        QVERIFY2(!ready.isEmpty(), tray.readAllStandardError().constData());
        QCOMPARE(ready, QByteArray("{\"http\":null,\"ready\":true}"));
        const qint64 pid = tray.processId();
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), pid);
        const auto status = keyward::daemon::askOwner(homeOf(home), "status");
        QVERIFY2(status, status ? "" : qPrintable(status.error().message));
        QCOMPARE(status->value("pid", qint64(0)), pid);
        QCOMPARE(status->value("kind", std::string()), std::string("tray"));

        // A second tray on the same home is a second start of the same app: it leaves the first one
        // running, names it, and exits 0 (single instance).
        const auto second = runKeyward(home, {});
        QCOMPARE(second.exitCode, 0);
        QVERIFY2(second.err.contains(QByteArray::number(pid)), second.err.constData());
        QVERIFY(processAlive(pid));

        // On the display: the icon embedded in trayer's panel (a window named "keyward"), or without a
        // tray host the fallback window (titled "Keyward"). Checked where xwininfo is installed.
        const QString xwininfo = QStandardPaths::findExecutable(QStringLiteral("xwininfo"));
        if (qEnvironmentVariableIsSet("DISPLAY") && !xwininfo.isEmpty()) {
            const bool hosted = m_trayer.state() == QProcess::Running;
            const QByteArray expected = hosted ? QByteArray("\"keyward\": (\"keyward\" \"keyward\")")
                                               : QByteArray("\"Keyward\": (\"keyward\" \"keyward\")");
            QTRY_VERIFY2_WITH_TIMEOUT(windowTree(xwininfo).contains(expected), expected.constData(), 5000);
        }

        // A screenshot of the display for the record, where ImageMagick is installed.
        const QString import = QStandardPaths::findExecutable(QStringLiteral("import"));
        if (qEnvironmentVariableIsSet("DISPLAY") && !import.isEmpty()) {
            const QString png = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../tray.png"));
            QProcess::execute(import, {QStringLiteral("-window"), QStringLiteral("root"), png});
        }

        ::kill(pid_t(pid), SIGTERM);
        QVERIFY(tray.waitForFinished(10000));
        QCOMPARE(tray.exitStatus(), QProcess::NormalExit);
        QCOMPARE(tray.exitCode(), 0);
        QVERIFY(!QFileInfo::exists(keyward::daemon::ownerSocketPath(homeOf(home))));
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), 0);
    }

    void trayTakesOverFromABackgroundOwner()
    {
        TempHome home;
        McpStdioProcess session;
        QVERIFY(session.start(home, {QStringLiteral("--agent"), QStringLiteral("bridge")}));
        QVERIFY(session.initialize());
        const qint64 background = OwnerLock::ownerPid(homeOf(home));
        QVERIFY(processAlive(background));
        QVERIFY(listServices(session).contains("services"));

        QProcess tray;
        const QByteArray ready = startTray(tray, home);
        QVERIFY2(!ready.isEmpty(), tray.readAllStandardError().constData());
        const qint64 pid = tray.processId();
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(background), 10000);
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), pid);

        // The open session carries on through the tray (at most one failed call while it moved).
        int failures = 0;
        for (int i = 0; i < 3; ++i) {
            const json response = session.callTool("list_services", json::object());
            QVERIFY2(response.is_object(), "no answer after the takeover");
            if (response.contains("error"))
                ++failures;
            else
                QVERIFY(response["result"]["structuredContent"].contains("services"));
        }
        QVERIFY2(failures <= 1, "the client saw more than one failed call");
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), pid);
        const auto status = keyward::daemon::askOwner(homeOf(home), "status");
        QVERIFY(status);
        QCOMPARE(status->value("pid", qint64(0)), pid);
        QCOMPARE(status->value("sessions", -1), 1);

        QCOMPARE(session.finish(), 0);
        stopTray(tray);
        QCOMPARE(tray.exitCode(), 0);
    }

private:
    QProcess m_trayer;
};

QTEST_MAIN(TestTrayApp)
#include "tst_tray_app.moc"
