// End to end: the owner process and its bridges (DESIGN.md "Processes"). `keyward serve` prints
// its ready line and refuses a second owner naming the first one's pid; `keyward mcp` starts a
// background owner when none runs and several bridges share it; a bridge whose owner is killed
// answers at most one request with an error and then serves on from a new owner; admin commands
// reach the running owner at once; `reset` stops it; it stops when its home disappears; the
// socket speaks only its own protocol version.

#include "support/e2eprocess.h"
#include "support/mcpstdioprocess.h"

#include "core/keywardhome.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"

#include <nlohmann/json.hpp>

#include <QLocalSocket>
#include <QTemporaryDir>
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

json listServices(McpStdioProcess &session)
{
    const json response = session.callTool("list_services", json::object());
    return response.value("result", json()).value("structuredContent", json());
}

// The one line an admin hello gets back on the owner socket.
json askRaw(const TempHome &home, const QByteArray &hello)
{
    QLocalSocket socket;
    socket.connectToServer(keyward::daemon::ownerSocketPath(homeOf(home)));
    if (!socket.waitForConnected(3000))
        return json();
    socket.write(hello);
    QByteArray received;
    while (!received.contains('\n') && socket.waitForReadyRead(3000))
        received.append(socket.readAll());
    return json::parse(received.left(received.indexOf('\n')).toStdString(), nullptr, false);
}

} // namespace

class TestOwner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void serveReportsReadyAndRefusesASecondOwner()
    {
        TempHome home;
        QProcess serve;
        serve.setProcessEnvironment(keyward::test::environmentFor(home));
        serve.start(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("serve")});
        QVERIFY(serve.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(serve.canReadLine(), 15000);
        QCOMPARE(serve.readLine().trimmed(), QByteArray("{\"http\":null,\"ready\":true}"));
        const qint64 pid = serve.processId();
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), pid);
        QVERIFY(QFileInfo(keyward::daemon::ownerSocketPath(homeOf(home))).permissions() ==
                (QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser));

        const auto second = runKeyward(home, {QStringLiteral("serve")});
        QCOMPARE(second.exitCode, 1);
        QVERIFY2(second.err.contains(QByteArray::number(pid)), second.err.constData());

        const auto doctor = runKeyward(home, {QStringLiteral("doctor"), QStringLiteral("--json")});
        const json report = json::parse(doctor.out.toStdString(), nullptr, false);
        QVERIFY2(report.is_object(), doctor.out.constData());
        bool found = false;
        for (const json &check : report["checks"]) {
            if (check["name"] == "owner") {
                found = true;
                QVERIFY(check["ok"].get<bool>());
                const QString message = QString::fromStdString(check["message"].get<std::string>());
                QVERIFY2(message.contains(QString::number(pid)) && message.contains(QLatin1String("owner.sock")) &&
                             message.contains(QLatin1String("HTTP off")),
                         qPrintable(message));
            }
        }
        QVERIFY(found);

        ::kill(pid_t(pid), SIGTERM);
        QVERIFY(serve.waitForFinished(10000));
        QCOMPARE(serve.exitCode(), 0);
        QVERIFY(!QFileInfo::exists(keyward::daemon::ownerSocketPath(homeOf(home))));
    }

    void bridgeStartsAnOwnerThatBridgesShare()
    {
        TempHome home;
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), 0);
        McpStdioProcess first;
        McpStdioProcess second;
        QVERIFY(first.start(home, {QStringLiteral("--agent"), QStringLiteral("first")}));
        QVERIFY(first.initialize());
        const qint64 owner = OwnerLock::ownerPid(homeOf(home));
        QVERIFY(processAlive(owner));
        QVERIFY(owner != first.process().processId()); // a separate, detached process

        QVERIFY(second.start(home));
        QVERIFY(second.initialize());
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), owner);
        const json status = askRaw(home, keyward::daemon::helloLine({{"kind", "admin"}, {"op", "status"}}));
        QCOMPARE(status.value("sessions", -1), 2);
        QCOMPARE(status.value("pid", qint64(0)), owner);
        QVERIFY(listServices(first).contains("services"));
        QVERIFY(listServices(second).contains("services"));

        QCOMPARE(first.finish(), 0);
        QCOMPARE(second.finish(), 0);
        // The owner outlives its bridges, as ssh-agent outlives ssh.
        QVERIFY(processAlive(owner));
        QTRY_COMPARE_WITH_TIMEOUT(askRaw(home, keyward::daemon::helloLine({{"kind", "admin"}, {"op", "status"}}))
                                      .value("sessions", -1),
                                  0, 5000);
    }

    void bridgeSurvivesTheOwnerBeingKilled()
    {
        TempHome home;
        McpStdioProcess session;
        QVERIFY(session.start(home));
        QVERIFY(session.initialize());
        const qint64 firstOwner = OwnerLock::ownerPid(homeOf(home));
        QVERIFY(processAlive(firstOwner));

        // SIGKILL: no clean shutdown, the socket file stays behind (stale).
        ::kill(pid_t(firstOwner), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(firstOwner), 5000);
        QVERIFY(QFileInfo::exists(keyward::daemon::ownerSocketPath(homeOf(home))));

        int failures = 0;
        for (int i = 0; i < 3; ++i) {
            const json response = session.callTool("list_services", json::object());
            QVERIFY2(response.is_object(), "no answer after the owner died");
            if (response.contains("error"))
                ++failures;
            else
                QVERIFY(response["result"]["structuredContent"].contains("services"));
        }
        QVERIFY2(failures <= 1, "the client saw more than one failed call");
        const qint64 secondOwner = OwnerLock::ownerPid(homeOf(home));
        QVERIFY(processAlive(secondOwner));
        QVERIFY(secondOwner != firstOwner);
        QCOMPARE(session.finish(), 0);
    }

    void adminChangesReachTheRunningOwnerAtOnce()
    {
        TempHome home;
        const auto added = runKeyward(home,
                                      {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("svc"),
                                       QStringLiteral("--base-url"), QStringLiteral("https://127.0.0.1:9/v1"),
                                       QStringLiteral("--auth"), QStringLiteral("bearer")},
                                      keyward::test::randomCanary() + "\n");
        QVERIFY2(added.exitCode == 0, added.err.constData());
        McpStdioProcess session;
        QVERIFY(session.start(home));
        QVERIFY(session.initialize());
        QCOMPARE(listServices(session)["services"][0]["state"], "active");

        const auto disabled = runKeyward(home, {QStringLiteral("service"), QStringLiteral("disable"), QStringLiteral("svc")});
        QVERIFY2(disabled.exitCode == 0, disabled.err.constData());
        QVERIFY2(!disabled.err.contains("warning"), disabled.err.constData());
        // No waiting: the command told the owner before it returned.
        QCOMPARE(listServices(session)["services"][0]["state"], "disabled");
        QCOMPARE(session.finish(), 0);
    }

    void resetStopsTheOwner()
    {
        TempHome home;
        McpStdioProcess session;
        QVERIFY(session.start(home));
        QVERIFY(session.initialize());
        QCOMPARE(session.finish(), 0);
        const qint64 owner = OwnerLock::ownerPid(homeOf(home));
        QVERIFY(processAlive(owner));
        const auto reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")});
        QVERIFY2(reset.exitCode == 0, reset.err.constData());
        QCOMPARE(OwnerLock::ownerPid(homeOf(home)), 0); // released before reset removed anything
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(owner), 5000);
    }

    void ownerStopsWhenItsHomeIsRemoved()
    {
        qint64 owner = 0;
        {
            TempHome home;
            McpStdioProcess session;
            QVERIFY(session.start(home));
            QVERIFY(session.initialize());
            QCOMPARE(session.finish(), 0);
            owner = OwnerLock::ownerPid(homeOf(home));
            QVERIFY(processAlive(owner));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(owner), 5000);
    }

    void socketSpeaksOnlyItsProtocol()
    {
        TempHome home;
        McpStdioProcess session;
        QVERIFY(session.start(home));
        QVERIFY(session.initialize());

        const json garbage = askRaw(home, "hello there\n");
        QCOMPARE(garbage.value("ok", true), false);
        QCOMPARE(garbage["error"]["code"], "bad_hello");

        json future = json::parse(keyward::daemon::helloLine({{"kind", "admin"}, {"op", "status"}}).toStdString());
        future["version"] = 2;
        const json refused = askRaw(home, QByteArray::fromStdString(future.dump()) + '\n');
        QCOMPARE(refused.value("ok", true), false);
        QCOMPARE(refused["error"]["code"], "protocol_version");

        const json unknownOp = askRaw(home, keyward::daemon::helloLine({{"kind", "admin"}, {"op", "explode"}}));
        QCOMPARE(unknownOp.value("ok", true), false);

        const json badAgent = askRaw(home, keyward::daemon::helloLine({{"kind", "mcp"}, {"agent", "Not A Name"}}));
        QCOMPARE(badAgent.value("ok", true), false);

        // The session is unaffected.
        QVERIFY(listServices(session).contains("services"));
        QCOMPARE(session.finish(), 0);
    }
};

QTEST_GUILESS_MAIN(TestOwner)
#include "tst_owner.moc"
