// `keyward doctor` as a user runs it: without any D-Bus session (fails fast with a fix, never
// hangs), in the real session of the README's test command (everything passes on a clean home),
// with a broken config.json, and against a private session bus whose Secret Service is missing,
// has no default keyring, is locked, or never answers the keychain's calls; and with an audit.db
// whose hash chain was tampered with.

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "core/keywardhome.h"
#include "support/temphome.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusVariant>
#include <QDBusVirtualObject>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <memory>

using keyward::KeywardHome;
using keyward::test::TempHome;

namespace {

struct Run {
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    qint64 elapsedMs = 0;
};

// Runs keyward with `args` while the event loop keeps running (a fake D-Bus service in this
// process must answer meanwhile). 60 s is hang detection, not a measure.
Run runKeyward(const QStringList &args, const QProcessEnvironment &env, int timeoutMs = 60000)
{
    QProcess process;
    process.setProcessEnvironment(env);
    QElapsedTimer clock;
    clock.start();
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    Run run;
    if (!process.waitForStarted(10000))
        return run;
    const QDeadlineTimer deadline(timeoutMs);
    while (process.state() != QProcess::NotRunning && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    run.finished = process.state() == QProcess::NotRunning;
    if (!run.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    run.elapsedMs = clock.elapsed();
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QByteArray describe(const Run &run)
{
    return "exit " + QByteArray::number(run.exitCode) + " after " + QByteArray::number(run.elapsedMs) + " ms\nstdout: " + run.out
        + "\nstderr: " + run.err;
}

// The caller's environment without any way to reach a session bus or a display.
QProcessEnvironment isolatedEnvironment(const QString &home, const QString &runtimeDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtimeDir);
    env.insert(QStringLiteral("KEYWARD_HOME"), home);
    return env;
}

// The test session's bus and keyring, headless (no display, so tray-host passes as not needed).
QProcessEnvironment realEnvironment(const QString &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home);
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    return env;
}

// Parses stdout as exactly one line holding one JSON object.
nlohmann::json singleJsonLine(const QByteArray &out)
{
    if (!out.endsWith('\n') || out.count('\n') != 1)
        return nullptr;
    return nlohmann::json::parse(out.constData(), nullptr, false);
}

const nlohmann::json *checkNamed(const nlohmann::json &report, const std::string &name)
{
    if (!report.is_object() || !report.contains("checks"))
        return nullptr;
    for (const auto &check : report.at("checks")) {
        if (check.value("name", "") == name)
            return &check;
    }
    return nullptr;
}

QString messageOf(const nlohmann::json *check)
{
    return check ? QString::fromStdString(check->value("message", "")) : QStringLiteral("(no such check)");
}

QString fixOf(const nlohmann::json *check)
{
    return check && check->at("fix").is_string() ? QString::fromStdString(check->at("fix").get<std::string>()) : QString();
}

const char *const kNeedsRealSession =
    "this test needs the D-Bus session with an unlocked gnome-keyring that the README's test command starts "
    "(dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; ctest ...')";

bool haveRealSession() { return !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"); }

// What the fake org.freedesktop.secrets on the private bus does.
enum class SecretService { Missing, NoDefaultKeyring, Locked, NeverAnswersTheKeychain };

// A Secret Service that answers the doctor's questions (ReadAlias, the Locked property) as told,
// and leaves every other call (libsecret's OpenSession, GetAll, CreateItem, ...) unanswered, like
// a keychain stuck on an unlock prompt that nobody sees.
class FakeSecretService : public QDBusVirtualObject {
public:
    FakeSecretService(QString defaultAlias, bool locked) : m_defaultAlias(std::move(defaultAlias)), m_locked(locked) {}

    QString introspect(const QString &) const override { return {}; }

    bool handleMessage(const QDBusMessage &message, const QDBusConnection &connection) override
    {
        if (message.member() == QLatin1String("ReadAlias")) {
            connection.send(message.createReply(QVariant::fromValue(QDBusObjectPath(m_defaultAlias))));
            return true;
        }
        if (message.interface() == QLatin1String("org.freedesktop.DBus.Properties")
            && message.member() == QLatin1String("Get") && message.arguments().value(1).toString() == QLatin1String("Locked")) {
            connection.send(message.createReply(QVariant::fromValue(QDBusVariant(m_locked))));
            return true;
        }
        ++m_unanswered;
        return true;
    }

    int unanswered() const { return m_unanswered; }

private:
    QString m_defaultAlias;
    bool m_locked;
    int m_unanswered = 0;
};

// A session bus of our own (dbus-daemon with nothing activatable) in a temporary directory.
class PrivateBus {
public:
    ~PrivateBus()
    {
        if (m_connected)
            QDBusConnection::disconnectFromBus(QStringLiteral("keyward-fake-secrets"));
        if (m_daemon.state() != QProcess::NotRunning) {
            m_daemon.terminate();
            if (!m_daemon.waitForFinished(5000)) {
                m_daemon.kill();
                m_daemon.waitForFinished(5000);
            }
        }
    }

    QString start()
    {
        if (!m_dir.isValid())
            return QStringLiteral("no temporary directory");
        const QString socket = m_dir.filePath(QStringLiteral("bus"));
        QFile config(m_dir.filePath(QStringLiteral("session.conf")));
        if (!config.open(QIODevice::WriteOnly))
            return config.errorString();
        // A session bus that lets everyone own and call anything, with nothing activatable.
        const QString text = QStringLiteral("<busconfig>\n"
                                            "  <type>session</type>\n"
                                            "  <listen>unix:path=%1</listen>\n"
                                            "  <auth>EXTERNAL</auth>\n"
                                            "  <policy context=\"default\">\n"
                                            "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                                            "    <allow eavesdrop=\"true\"/>\n"
                                            "    <allow own=\"*\"/>\n"
                                            "  </policy>\n"
                                            "</busconfig>\n")
                                 .arg(socket);
        config.write(text.toUtf8());
        config.close();
        m_daemon.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_daemon.start(QStringLiteral("dbus-daemon"),
                       {QStringLiteral("--nofork"), QStringLiteral("--print-address=1"),
                        QStringLiteral("--config-file=") + config.fileName()});
        if (!m_daemon.waitForStarted(10000))
            return QStringLiteral("dbus-daemon did not start: ") + m_daemon.errorString();
        if (!m_daemon.waitForReadyRead(10000))
            return QStringLiteral("dbus-daemon printed no address");
        m_address = QString::fromUtf8(m_daemon.readLine().trimmed());
        return m_address.isEmpty() ? QStringLiteral("dbus-daemon printed an empty address") : QString();
    }

    QString address() const { return m_address; }

    QString serve(FakeSecretService *service)
    {
        QDBusConnection bus = QDBusConnection::connectToBus(m_address, QStringLiteral("keyward-fake-secrets"));
        m_connected = true;
        if (!bus.isConnected())
            return QStringLiteral("cannot connect to the private bus: ") + bus.lastError().message();
        if (!bus.registerVirtualObject(QStringLiteral("/org/freedesktop/secrets"), service, QDBusConnection::SubPath))
            return QStringLiteral("cannot register the fake Secret Service object");
        if (!bus.registerService(QStringLiteral("org.freedesktop.secrets")))
            return QStringLiteral("cannot own org.freedesktop.secrets: ") + bus.lastError().message();
        return {};
    }

private:
    QTemporaryDir m_dir;
    QProcess m_daemon;
    QString m_address;
    bool m_connected = false;
};

} // namespace

class TestDoctorCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void withoutSessionBusDoctorFailsFastWithAFix();
    void inTheRealSessionEveryCheckPassesOnACleanHome();
    void brokenConfigIsReportedWithLineAndColumn();
    void brokenAuditChainIsReportedWithItsSeq();
    void argumentsAreAUsageError();
    void trayHostFollowsTheDisplay();
    void secretServiceProblemsAreReportedNotHungOn_data();
    void secretServiceProblemsAreReportedNotHungOn();
};

void TestDoctorCli::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(KEYWARD_BINARY)).isExecutable(), KEYWARD_BINARY " is not built");
}

void TestDoctorCli::withoutSessionBusDoctorFailsFastWithAFix()
{
    TempHome home;
    QTemporaryDir emptyRuntimeDir;
    QVERIFY(home.isValid() && emptyRuntimeDir.isValid());

    const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")},
                               isolatedEnvironment(home.path(), emptyRuntimeDir.path()));
    QVERIFY2(run.finished, describe(run).constData());
    QVERIFY2(run.exitCode == 1, describe(run).constData());

    const nlohmann::json report = singleJsonLine(run.out);
    QVERIFY2(report.is_object(), describe(run).constData());
    QCOMPARE(report.at("ok"), nlohmann::json(false));
    std::vector<std::string> names;
    for (const auto &check : report.at("checks"))
        names.push_back(check.at("name").get<std::string>());
    QCOMPARE(names, (std::vector<std::string>{"dbus-session", "secret-service", "keychain", "home", "config", "audit", "owner", "tray-host", "notifications"}));

    const nlohmann::json *bus = checkNamed(report, "dbus-session");
    QVERIFY(bus);
    QCOMPARE(bus->at("ok"), nlohmann::json(false));
    QVERIFY2(!fixOf(bus).isEmpty(), describe(run).constData());
    QVERIFY2(fixOf(bus).contains(QLatin1String("dbus-run-session")), qPrintable(fixOf(bus)));
    QCOMPARE(messageOf(checkNamed(report, "secret-service")), QStringLiteral("skipped: no D-Bus session"));
    QCOMPARE(checkNamed(report, "keychain")->at("ok"), nlohmann::json(false));
    QCOMPARE(checkNamed(report, "home")->at("ok"), nlohmann::json(true));
    QCOMPARE(checkNamed(report, "config")->at("ok"), nlohmann::json(true));
    QCOMPARE(checkNamed(report, "audit")->at("ok"), nlohmann::json(true));
}

void TestDoctorCli::inTheRealSessionEveryCheckPassesOnACleanHome()
{
    QVERIFY2(haveRealSession(), kNeedsRealSession);
    TempHome home;
    const QString service = KeywardHome::atDirectory(home.path()).keychainServiceName();

    const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")}, realEnvironment(home.path()));
    QVERIFY2(run.finished, describe(run).constData());
    const nlohmann::json report = singleJsonLine(run.out);
    QVERIFY2(report.is_object(), describe(run).constData());
    for (const char *name : {"dbus-session", "secret-service", "keychain", "home", "config", "audit", "owner", "tray-host", "notifications"}) {
        const nlohmann::json *check = checkNamed(report, name);
        QVERIFY2(check, name);
        QVERIFY2(check->at("ok").get<bool>(), qPrintable(QStringLiteral("%1: %2 / fix: %3").arg(QLatin1String(name), messageOf(check), fixOf(check))));
        QVERIFY(check->at("fix").is_null());
    }
    QVERIFY2(messageOf(checkNamed(report, "keychain")).contains(service), qPrintable(messageOf(checkNamed(report, "keychain"))));
    QCOMPARE(report.at("ok"), nlohmann::json(true));
    QVERIFY2(run.exitCode == 0, describe(run).constData());

    // The probe is gone from the keychain again.
    if (!QStandardPaths::findExecutable(QStringLiteral("secret-tool")).isEmpty()) {
        QProcess tool;
        tool.start(QStringLiteral("secret-tool"), {QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), service});
        QVERIFY(tool.waitForFinished(30000));
        QVERIFY2(!tool.readAllStandardOutput().contains("[/"), "doctor left its probe entry in the keychain");
    }
}

void TestDoctorCli::brokenConfigIsReportedWithLineAndColumn()
{
    QVERIFY2(haveRealSession(), kNeedsRealSession);
    TempHome home;
    QFile config(home.filePath(QStringLiteral("config.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("{\n  \"version\": 1,,\n  \"services\": {}\n}\n");
    config.close();
    QVERIFY(config.setPermissions(QFile::ReadOwner | QFile::WriteOwner));

    const Run run = runKeyward({QStringLiteral("doctor")}, realEnvironment(home.path()));
    QVERIFY2(run.finished, describe(run).constData());
    QVERIFY2(run.exitCode == 1, describe(run).constData());

    const QStringList lines = QString::fromUtf8(run.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const qsizetype failed = lines.indexOf(QRegularExpression(QStringLiteral("^FAIL config .*")));
    QVERIFY2(failed >= 0, describe(run).constData());
    QVERIFY2(lines.at(failed).contains(QLatin1String("line 2, column 16")), qPrintable(lines.at(failed)));
    QVERIFY2(lines.at(failed).contains(config.fileName()), qPrintable(lines.at(failed)));
    QVERIFY(failed + 1 < lines.size());
    QCOMPARE(lines.at(failed + 1), QStringLiteral("     fix: correct the file, or restore config.json.bak"));
    // Everything else passes, so the exit code is the config's doing; each on one "ok" line.
    for (const char *name : {"dbus-session", "secret-service", "keychain", "home", "audit", "owner", "tray-host"}) {
        const QRegularExpression okLine(QStringLiteral("^ok   %1 +\\S.*").arg(QLatin1String(name)));
        QVERIFY2(lines.indexOf(okLine) >= 0, describe(run).constData());
    }
    QCOMPARE(lines.size(), 10);
}

void TestDoctorCli::brokenAuditChainIsReportedWithItsSeq()
{
    QVERIFY2(haveRealSession(), kNeedsRealSession);
    TempHome home;
    const QString path = KeywardHome::atDirectory(home.path()).auditDatabase();
    {
        keyward::AuditLog audit(path);
        for (int i = 0; i < 4; ++i)
            QVERIFY(keyward::recordChange(audit, QStringLiteral("service disable"), QStringLiteral("svc"),
                                          QStringLiteral("disabled")));
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("UPDATE audit SET reason = 'enabled' WHERE seq = 3")));
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    }

    const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")}, realEnvironment(home.path()));
    QVERIFY2(run.finished, describe(run).constData());
    QVERIFY2(run.exitCode == 1, describe(run).constData());
    const nlohmann::json report = singleJsonLine(run.out);
    const nlohmann::json *audit = checkNamed(report, "audit");
    QVERIFY2(audit, describe(run).constData());
    QCOMPARE(audit->at("ok"), nlohmann::json(false));
    QVERIFY2(messageOf(audit).contains(QLatin1String("broken at seq 3")), qPrintable(messageOf(audit)));
    QVERIFY2(fixOf(audit).contains(QLatin1String("keyward log verify")), qPrintable(fixOf(audit)));
    QVERIFY2(fixOf(audit).contains(QStringLiteral("mv %1 %1.broken").arg(path)), qPrintable(fixOf(audit)));
    for (const char *name : {"dbus-session", "secret-service", "keychain", "home", "config"})
        QVERIFY2(checkNamed(report, name)->at("ok").get<bool>(), name);
}

void TestDoctorCli::argumentsAreAUsageError()
{
    TempHome home;
    QTemporaryDir emptyRuntimeDir;
    const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("now"), QStringLiteral("--json")},
                               isolatedEnvironment(home.path(), emptyRuntimeDir.path()));
    QVERIFY2(run.finished, describe(run).constData());
    QVERIFY2(run.exitCode == 2, describe(run).constData());
    const nlohmann::json error = singleJsonLine(run.out);
    QVERIFY2(error.is_object(), describe(run).constData());
    QCOMPARE(error.at("error").at("code"), nlohmann::json("usage"));
}

void TestDoctorCli::secretServiceProblemsAreReportedNotHungOn_data()
{
    QTest::addColumn<SecretService>("behaviour");
    QTest::addColumn<QString>("failingCheck");
    QTest::addColumn<QString>("expectedMessage");
    QTest::addColumn<QString>("expectedFix");

    QTest::newRow("nothing provides the Secret Service")
        << SecretService::Missing << QStringLiteral("secret-service")
        << QStringLiteral("nothing provides the Secret Service (org.freedesktop.secrets) on the session bus")
        << QStringLiteral("install gnome-keyring");
    QTest::newRow("no default keyring")
        << SecretService::NoDefaultKeyring << QStringLiteral("secret-service")
        << QStringLiteral("the Secret Service has no default keyring") << QStringLiteral("create and unlock a default keyring");
    QTest::newRow("default keyring locked")
        << SecretService::Locked << QStringLiteral("secret-service")
        << QStringLiteral("the default keyring (/org/freedesktop/secrets/collection/login) is locked")
        << QStringLiteral("unlock it");
    QTest::newRow("keychain never answers")
        << SecretService::NeverAnswersTheKeychain << QStringLiteral("keychain")
        << QStringLiteral("failed: the keychain did not answer within 10 s; it may be locked and waiting for a password")
        << QStringLiteral("unlock it (e.g. log in to the desktop, or run `gnome-keyring-daemon --unlock`) and try again");
}

void TestDoctorCli::secretServiceProblemsAreReportedNotHungOn()
{
    QFETCH(SecretService, behaviour);
    QFETCH(QString, failingCheck);
    QFETCH(QString, expectedMessage);
    QFETCH(QString, expectedFix);

    if (QStandardPaths::findExecutable(QStringLiteral("dbus-daemon")).isEmpty())
        QFAIL("dbus-daemon is missing: install the dbus package");
    PrivateBus bus;
    const QString started = bus.start();
    QVERIFY2(started.isEmpty(), qPrintable(started));

    std::unique_ptr<FakeSecretService> service;
    if (behaviour != SecretService::Missing) {
        service = std::make_unique<FakeSecretService>(
            behaviour == SecretService::NoDefaultKeyring ? QStringLiteral("/")
                                                         : QStringLiteral("/org/freedesktop/secrets/collection/login"),
            behaviour == SecretService::Locked);
        const QString served = bus.serve(service.get());
        QVERIFY2(served.isEmpty(), qPrintable(served));
    }

    TempHome home;
    QTemporaryDir emptyRuntimeDir;
    QProcessEnvironment env = isolatedEnvironment(home.path(), emptyRuntimeDir.path());
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), bus.address());

    const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")}, env);
    QVERIFY2(run.finished, describe(run).constData());
    QVERIFY2(run.exitCode == 1, describe(run).constData());
    const nlohmann::json report = singleJsonLine(run.out);
    QVERIFY2(report.is_object(), describe(run).constData());

    QCOMPARE(checkNamed(report, "dbus-session")->at("ok"), nlohmann::json(true));
    const nlohmann::json *failing = checkNamed(report, failingCheck.toStdString());
    QVERIFY(failing);
    QVERIFY2(!failing->at("ok").get<bool>(), describe(run).constData());
    QVERIFY2(messageOf(failing).contains(expectedMessage), qPrintable(messageOf(failing)));
    QVERIFY2(fixOf(failing).startsWith(expectedFix), qPrintable(fixOf(failing)));

    if (behaviour == SecretService::NeverAnswersTheKeychain) {
        QCOMPARE(checkNamed(report, "secret-service")->at("ok"), nlohmann::json(true));
        QVERIFY2(service->unanswered() > 0, "libsecret never called the fake Secret Service");
    } else {
        const nlohmann::json *keychain = checkNamed(report, "keychain");
        QCOMPARE(keychain->at("ok"), nlohmann::json(false));
        QVERIFY2(messageOf(keychain).contains(QLatin1String("the secret-service check failed")), qPrintable(messageOf(keychain)));
        QVERIFY2(run.elapsedMs < 15000, describe(run).constData());
    }
    QCOMPARE(checkNamed(report, "home")->at("ok"), nlohmann::json(true));
    QCOMPARE(checkNamed(report, "config")->at("ok"), nlohmann::json(true));
    QCOMPARE(checkNamed(report, "audit")->at("ok"), nlohmann::json(true));
}

QTEST_GUILESS_MAIN(TestDoctorCli)
#include "tst_doctor_cli.moc"

// With a display of its own (a private Xvfb, so the tray host other tests start cannot interfere):
// no tray host fails with how to get one; trayer's XEmbed tray passes.
void TestDoctorCli::trayHostFollowsTheDisplay()
{
    const QString xvfb = QStandardPaths::findExecutable(QStringLiteral("Xvfb"));
    const QString trayer = QStandardPaths::findExecutable(QStringLiteral("trayer"));
    if (xvfb.isEmpty() || trayer.isEmpty())
        QSKIP("needs Xvfb and trayer (installers/bootstrap.sh --test installs them)");
    QVERIFY2(haveRealSession(), kNeedsRealSession);
    QProcess display;
    display.start(xvfb, {QStringLiteral("-displayfd"), QStringLiteral("1"), QStringLiteral("-screen"), QStringLiteral("0"),
                         QStringLiteral("800x600x24"), QStringLiteral("-nolisten"), QStringLiteral("tcp")});
    QVERIFY(display.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(display.canReadLine(), 10000);
    const QString displayName = QLatin1Char(':') + QString::fromLatin1(display.readLine().trimmed());
    const auto stopDisplay = qScopeGuard([&display] {
        display.terminate();
        display.waitForFinished(5000);
    });

    TempHome home;
    QProcessEnvironment env = realEnvironment(home.path());
    env.insert(QStringLiteral("DISPLAY"), displayName);
    const Run bare = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")}, env);
    const nlohmann::json bareReport = singleJsonLine(bare.out);
    QVERIFY2(bareReport.is_object(), describe(bare).constData());
    const nlohmann::json *missing = checkNamed(bareReport, "tray-host");
    QVERIFY2(missing && !missing->at("ok").get<bool>(), describe(bare).constData());
    QVERIFY2(messageOf(missing).contains(displayName), qPrintable(messageOf(missing)));
    QVERIFY2(fixOf(missing).contains(QLatin1String("AppIndicator")), qPrintable(fixOf(missing)));
    QCOMPARE(bare.exitCode, 1);

    QProcess tray;
    QProcessEnvironment trayEnv = QProcessEnvironment::systemEnvironment();
    trayEnv.insert(QStringLiteral("DISPLAY"), displayName);
    tray.setProcessEnvironment(trayEnv);
    tray.start(trayer, {QStringLiteral("--edge"), QStringLiteral("top"), QStringLiteral("--align"), QStringLiteral("right")});
    QVERIFY(tray.waitForStarted());
    const auto stopTray = qScopeGuard([&tray] {
        tray.terminate();
        tray.waitForFinished(5000);
    });
    nlohmann::json hosted;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Run run = runKeyward({QStringLiteral("doctor"), QStringLiteral("--json")}, env);
            const nlohmann::json report = singleJsonLine(run.out);
            const nlohmann::json *check = report.is_object() ? checkNamed(report, "tray-host") : nullptr;
            if (check)
                hosted = *check;
            return check && check->at("ok").get<bool>();
        }(),
        15000);
    QVERIFY2(QString::fromStdString(hosted.at("message").get<std::string>()).contains(QLatin1String("XEmbed")),
             hosted.dump().c_str());
}
