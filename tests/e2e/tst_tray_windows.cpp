// End to end: what the running tray app does for other processes of its home, under the test
// session's Xvfb display. `keyward --show NAME` opens that window in the tray app (and says clearly
// when no tray app runs); an admin command that widens access waits until the user confirms it in
// the tray's dialog; an agent's `ask` call waits for the approval dialog (approve once, always,
// deny). The dialogs are answered with real key presses through xdotool (installers/bootstrap.sh
// --test installs it); where there is no display or no xdotool those cases are skipped.

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "support/mcpstdioprocess.h"

#include "core/keywardhome.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"

#include <nlohmann/json.hpp>

#include <QDeadlineTimer>
#include <QDir>
#include <QStandardPaths>
#include <QtTest>

#include <csignal>

using json = nlohmann::json;
using keyward::daemon::OwnerLock;
using keyward::test::homeOf;
using keyward::test::HttpsUpstream;
using keyward::test::McpStdioProcess;
using keyward::test::runKeyward;
using keyward::test::TempHome;

namespace {

QByteArray startOwner(QProcess &process, const TempHome &home, const QStringList &args = {})
{
    return keyward::test::startOwnerProcess(process, home, args);
}

void stopOwner(QProcess &process) { keyward::test::stopOwnerProcess(process); }

QString xdotool() { return QStandardPaths::findExecutable(QStringLiteral("xdotool")); }

bool canDriveDialogs() { return qEnvironmentVariableIsSet("DISPLAY") && !xdotool().isEmpty(); }

// Output of a short helper program (xdotool, xwininfo), empty when it failed.
QByteArray runTool(const QString &program, const QStringList &args)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(10000) || process.exitCode() != 0)
        return {};
    return process.readAllStandardOutput();
}

// The id of the first visible window whose title contains `title`, waiting at most `timeoutMs`.
QByteArray findWindow(const QString &title, int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        const QByteArray ids = runTool(xdotool(), {QStringLiteral("search"), QStringLiteral("--onlyvisible"),
                                                   QStringLiteral("--name"), title});
        if (!ids.trimmed().isEmpty())
            return ids.trimmed().split('\n').first();
        QTest::qWait(100);
    }
    return {};
}

// Focuses the window titled `title` and types `keys` into it (e.g. "alt+a", "Escape"), as a user.
bool pressInWindow(const QString &title, const QString &keys)
{
    const QByteArray id = findWindow(title);
    if (id.isEmpty())
        return false;
    QProcess focus;
    focus.start(xdotool(), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), QString::fromLatin1(id)});
    if (!focus.waitForFinished(5000) || focus.exitCode() != 0)
        return false;
    QTest::qWait(200); // until Qt has taken the focus in
    return QProcess::execute(xdotool(), {QStringLiteral("key"), keys}) == 0;
}

// Saves a PNG of the window `id` next to the test binaries, where ImageMagick is installed; returns
// its path (empty when none was written).
QString screenshot(const QByteArray &id, const QString &name)
{
    const QString import = QStandardPaths::findExecutable(QStringLiteral("import"));
    if (import.isEmpty() || id.isEmpty())
        return {};
    const QString png = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../%1.png").arg(name));
    QFile::remove(png);
    QProcess::execute(import, {QStringLiteral("-window"), QString::fromLatin1(id), png});
    return QFileInfo(png).size() > 0 ? png : QString();
}

const QString kConfirmTitle = QStringLiteral("Keyward: confirm a change?");
const QString kApproveTitle = QStringLiteral("Keyward: approve a call?");

} // namespace

class TestTrayWindows : public QObject {
    Q_OBJECT

    HttpsUpstream m_upstream;

    // Adds the service `api` (on the test upstream, under /v1) with `rules` to `home`.
    void addService(const TempHome &home, const QStringList &rules)
    {
        const auto added = runKeyward(home, QStringList{QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("api"),
                                                        QStringLiteral("--base-url"), m_upstream.baseUrl(QStringLiteral("/v1")),
                                                        QStringLiteral("--auth"), QStringLiteral("bearer"),
                                                        QStringLiteral("--ca-file"), m_upstream.caFile()} + rules,
                                      keyward::test::randomCanary() + "\n");
        QVERIFY2(added.exitCode == 0, added.err.constData());
    }

    QByteArray policyOf(const TempHome &home)
    {
        const auto shown = runKeyward(home, {QStringLiteral("policy"), QStringLiteral("show"), QStringLiteral("api")});
        return shown.out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "this test needs the real keychain: run it through installers/test.sh");
        QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString()));
    }

    void showWithoutATrayAppSaysHowToStartIt()
    {
        TempHome home;
        const auto none = runKeyward(home, {QStringLiteral("--show"), QStringLiteral("audit")});
        QCOMPARE(none.exitCode, 1);
        QVERIFY2(none.err.contains("tray app is not running") && none.err.contains("`keyward`"), none.err.constData());

        const auto unknown = runKeyward(home, {QStringLiteral("--show"), QStringLiteral("everything")});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("services|audit|alerts|clients|settings"), unknown.err.constData());
        QCOMPARE(runKeyward(home, {QStringLiteral("--show")}).exitCode, 2);
        QCOMPARE(runKeyward(home, {QStringLiteral("--show"), QStringLiteral("audit"), QStringLiteral("extra")}).exitCode, 2);

        // A headless owner has no windows: it says so, and that the tray app takes over.
        QProcess serve;
        QVERIFY(!startOwner(serve, home, {QStringLiteral("serve")}).isEmpty());
        const auto headless = runKeyward(home, {QStringLiteral("--show=audit")});
        QCOMPARE(headless.exitCode, 1);
        QVERIFY2(headless.err.contains("tray app is not running") && headless.err.contains("keyward serve"),
                 headless.err.constData());
        stopOwner(serve);
    }

    void showOpensTheWindowInTheRunningTrayApp()
    {
        TempHome home;
        QProcess tray;
        QVERIFY(!startOwner(tray, home).isEmpty());
        const auto shown = runKeyward(home, {QStringLiteral("--show"), QStringLiteral("audit")});
        QVERIFY2(shown.exitCode == 0, shown.err.constData());
        // Twice raises the same window.
        QCOMPARE(runKeyward(home, {QStringLiteral("--show"), QStringLiteral("audit")}).exitCode, 0);
        // Every window of DESIGN.md "GUI" opens, shows on the display and is not blank; a PNG of each
        // is saved next to the test binaries (screenshots of record).
        const QList<QPair<QString, QString>> windows{{QStringLiteral("services"), QStringLiteral("Keyward: services")},
                                                     {QStringLiteral("audit"), QStringLiteral("Keyward: audit log")},
                                                     {QStringLiteral("alerts"), QStringLiteral("Keyward: alerts")},
                                                     {QStringLiteral("clients"), QStringLiteral("Keyward: clients")},
                                                     {QStringLiteral("settings"), QStringLiteral("Keyward: settings")}};
        for (const auto &[name, title] : windows) {
            const auto opened = runKeyward(home, {QStringLiteral("--show"), name});
            QVERIFY2(opened.exitCode == 0, qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(opened.err)));
            if (!qEnvironmentVariableIsSet("DISPLAY") || xdotool().isEmpty())
                continue;
            const QByteArray id = findWindow(title);
            QVERIFY2(!id.isEmpty(), qPrintable(QStringLiteral("the %1 window is not on the display").arg(name)));
            QTest::qWait(500); // painted
            const QString png = screenshot(id, name + QStringLiteral("-window"));
            const QString identify = QStandardPaths::findExecutable(QStringLiteral("identify"));
            if (!png.isEmpty() && !identify.isEmpty()) {
                // A blank window has one or two colours; a drawn one has many.
                const int colours = runTool(identify, {QStringLiteral("-format"), QStringLiteral("%k"), png}).toInt();
                qInfo("%s window: %d colours in %s", qPrintable(name), colours, qPrintable(png));
                QVERIFY2(colours > 16, qPrintable(QStringLiteral("the %1 window looks blank (%2 colours)").arg(name).arg(colours)));
            }
        }
        const auto unknown = runKeyward(home, {QStringLiteral("--show"), QStringLiteral("nowhere")});
        QCOMPARE(unknown.exitCode, 2);

        // A second `keyward` leaves the first running and exits 0.
        const auto second = runKeyward(home, {});
        QVERIFY2(second.exitCode == 0, second.err.constData());
        QVERIFY2(second.err.contains(QByteArray::number(tray.processId())), second.err.constData());
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), tray.processId());

        stopOwner(tray);
        QCOMPARE(tray.exitCode(), 0);
    }

    void wideningChangesWaitForTheUsersConfirmation()
    {
        if (!canDriveDialogs())
            QSKIP("needs the test session's display and xdotool");
        TempHome home;
        addService(home, {QStringLiteral("--allow"), QStringLiteral("GET /**")});
        QProcess tray;
        QVERIFY(!startOwner(tray, home).isEmpty());

        // Narrowing needs no confirmation.
        const auto narrowed = runKeyward(home, {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                QStringLiteral("--deny"), QStringLiteral("GET /admin/**")});
        QVERIFY2(narrowed.exitCode == 0, narrowed.err.constData());

        // While a command waits for the user, the home is not locked: the kill switch and other
        // commands work; a change made meanwhile makes the waiting one stop without writing.
        QProcess stale;
        stale.setProcessEnvironment(keyward::test::environmentFor(home));
        stale.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                     QStringLiteral("--allow"), QStringLiteral("POST /items")});
        QVERIFY(!findWindow(kConfirmTitle).isEmpty());
        const auto killed = runKeyward(home, {QStringLiteral("kill"), QStringLiteral("--agent"), QStringLiteral("rogue")});
        QVERIFY2(killed.exitCode == 0, killed.err.constData());
        const auto meanwhile = runKeyward(home, {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                 QStringLiteral("--deny"), QStringLiteral("GET /other/**")});
        QVERIFY2(meanwhile.exitCode == 0, meanwhile.err.constData());
        QVERIFY(pressInWindow(kConfirmTitle, QStringLiteral("alt+c")));
        QVERIFY(stale.waitForFinished(20000));
        QCOMPARE(stale.exitCode(), 1);
        QVERIFY(stale.readAllStandardError().contains("changed while"));
        QVERIFY(!policyOf(home).contains("allow POST /items"));

        // A command stopped while it waits takes its dialog with it.
        QProcess interrupted;
        interrupted.setProcessEnvironment(keyward::test::environmentFor(home));
        interrupted.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("policy"), QStringLiteral("set"),
                                                           QStringLiteral("api"), QStringLiteral("--allow"),
                                                           QStringLiteral("POST /items")});
        QVERIFY(!findWindow(kConfirmTitle).isEmpty());
        interrupted.kill();
        QVERIFY(interrupted.waitForFinished(5000));
        QTRY_VERIFY_WITH_TIMEOUT(runTool(xdotool(), {QStringLiteral("search"), QStringLiteral("--onlyvisible"),
                                                     QStringLiteral("--name"), kConfirmTitle})
                                     .trimmed()
                                     .isEmpty(),
                                 5000);

        // Confirmed in the dialog: applied.
        QProcess widen;
        widen.setProcessEnvironment(keyward::test::environmentFor(home));
        widen.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                     QStringLiteral("--allow"), QStringLiteral("POST /items")});
        const QByteArray dialog = findWindow(kConfirmTitle);
        QVERIFY2(!dialog.isEmpty(), "no confirmation dialog");
        screenshot(dialog, QStringLiteral("confirm-dialog"));
        QVERIFY(widen.state() == QProcess::Running); // it waits for the user
        QVERIFY(pressInWindow(kConfirmTitle, QStringLiteral("alt+c")));
        QVERIFY(widen.waitForFinished(20000));
        QVERIFY2(widen.exitCode() == 0, widen.readAllStandardError().constData());
        QVERIFY(policyOf(home).contains("allow POST /items"));

        // Denied (Escape): exit 1, "not confirmed", nothing written.
        QProcess denied;
        denied.setProcessEnvironment(keyward::test::environmentFor(home));
        denied.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                      QStringLiteral("--remove-rule"), QStringLiteral("GET /admin/**")});
        QVERIFY(pressInWindow(kConfirmTitle, QStringLiteral("Escape")));
        QVERIFY(denied.waitForFinished(20000));
        QCOMPARE(denied.exitCode(), 1);
        QVERIFY(denied.readAllStandardError().contains("not confirmed"));
        QVERIFY(policyOf(home).contains("deny GET /admin/**"));

        // Resuming after a kill is widening too.
        QCOMPARE(runKeyward(home, {QStringLiteral("kill")}).exitCode, 0);
        QProcess resume;
        resume.setProcessEnvironment(keyward::test::environmentFor(home));
        resume.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("resume")});
        QVERIFY(pressInWindow(kConfirmTitle, QStringLiteral("alt+c")));
        QVERIFY(resume.waitForFinished(20000));
        QVERIFY2(resume.exitCode() == 0, resume.readAllStandardError().constData());

        // So is enabling a disabled service (disabling is not).
        QCOMPARE(runKeyward(home, {QStringLiteral("service"), QStringLiteral("disable"), QStringLiteral("api")}).exitCode, 0);
        QProcess enable;
        enable.setProcessEnvironment(keyward::test::environmentFor(home));
        enable.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("service"), QStringLiteral("enable"), QStringLiteral("api")});
        QVERIFY(pressInWindow(kConfirmTitle, QStringLiteral("alt+c")));
        QVERIFY(enable.waitForFinished(20000));
        QVERIFY2(enable.exitCode() == 0, enable.readAllStandardError().constData());

        stopOwner(tray);
        // Without the tray (a headless owner), nothing is asked.
        QProcess serve;
        QVERIFY(!startOwner(serve, home, {QStringLiteral("serve")}).isEmpty());
        const auto headless = runKeyward(home, {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("api"),
                                                QStringLiteral("--allow"), QStringLiteral("PUT /items/*")});
        QVERIFY2(headless.exitCode == 0, headless.err.constData());
        stopOwner(serve);
    }

    void askCallsWaitForTheApprovalDialog()
    {
        if (!canDriveDialogs())
            QSKIP("needs the test session's display and xdotool");
        TempHome home;
        addService(home, {QStringLiteral("--allow"), QStringLiteral("GET /**"), QStringLiteral("--ask"),
                          QStringLiteral("POST /items"), QStringLiteral("--ask"), QStringLiteral("DELETE /items/*")});
        QProcess tray;
        QVERIFY(!startOwner(tray, home).isEmpty());
        McpStdioProcess session;
        QVERIFY(session.start(home, {QStringLiteral("--agent"), QStringLiteral("bot")}));
        QVERIFY(session.initialize());
        const auto execute = [&session](const char *method, const char *path) {
            return session.sendRequest("tools/call", {{"name", "execute"},
                                                      {"arguments", {{"service", "api"}, {"method", method}, {"path", path},
                                                                     {"reason", "e2e approval"}}}});
        };

        // Approve once: the call goes through; the next one asks again.
        int id = execute("POST", "/items");
        const QByteArray dialog = findWindow(kApproveTitle);
        QVERIFY2(!dialog.isEmpty(), "no approval dialog");
        screenshot(dialog, QStringLiteral("approval-dialog"));
        QVERIFY(pressInWindow(kApproveTitle, QStringLiteral("alt+a")));
        json response = session.waitForResponse(id, 20000);
        QVERIFY2(!response["result"].value("isError", true), response.dump().c_str());
        QCOMPARE(response["result"]["structuredContent"]["status"], 200);

        // Deny (Escape): approval_denied.
        id = execute("DELETE", "/items/7");
        QVERIFY(pressInWindow(kApproveTitle, QStringLiteral("Escape")));
        response = session.waitForResponse(id, 20000);
        QVERIFY2(response["result"].value("isError", false), response.dump().c_str());
        QVERIFY2(response.dump().find("approval_denied") != std::string::npos, response.dump().c_str());

        // Always: allowed now and from now on, recorded as a change by the tray.
        id = execute("POST", "/items");
        QVERIFY(pressInWindow(kApproveTitle, QStringLiteral("alt+l")));
        response = session.waitForResponse(id, 20000);
        QCOMPARE(response["result"]["structuredContent"]["status"], 200);
        const QByteArray policy = policyOf(home);
        QVERIFY2(policy.contains("allow POST /items") && !policy.contains("ask POST /items"), policy.constData());
        id = execute("POST", "/items");
        response = session.waitForResponse(id, 10000); // no dialog this time
        QCOMPARE(response["result"]["structuredContent"]["status"], 200);
        const auto log = runKeyward(home, {QStringLiteral("log"), QStringLiteral("--json"), QStringLiteral("--decision"),
                                           QStringLiteral("change")});
        QVERIFY2(log.out.contains("\"agent\":\"tray\"") && log.out.contains("added allow POST /items"), log.out.constData());

        QCOMPARE(session.finish(), 0);
        stopOwner(tray);
    }
};

QTEST_MAIN(TestTrayWindows)
#include "tst_tray_windows.moc"
