// Doctor: the home, config, audit and keychain checks against temporary homes and the in-memory
// FakeSecretStore (failures, hangs and tampering injected), the skip logic without a D-Bus
// session, the time limits, and the JSON shape of the report.

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "core/keywardhome.h"
#include "doctor/checks.h"
#include "doctor/doctor.h"
#include "secrets/filestore.h"
#include "support/fakesecretstore.h"
#include "support/temphome.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <optional>
#include <sys/stat.h>

using keyward::Doctor;
using keyward::DoctorCheck;
using keyward::DoctorReport;
using keyward::Error;
using keyward::FakeSecretStore;
using keyward::KeywardHome;
using keyward::test::TempHome;

using namespace std::chrono_literals;

namespace {

const QString kServiceName = QStringLiteral("keyward-test0001");

Doctor::Options onlyChecks(const QStringList &checks)
{
    Doctor::Options options;
    options.checks = checks;
    options.keychainServiceName = kServiceName;
    return options;
}

// Runs a Doctor to the end; nullopt when it did not finish within `limit`.
std::optional<DoctorReport> runDoctor(const KeywardHome &home, keyward::SecretStore &store, const Doctor::Options &options,
                                      std::chrono::milliseconds limit = 10s)
{
    Doctor doctor(home, store, options);
    QSignalSpy finished(&doctor, &Doctor::finished);
    doctor.start();
    if (!finished.wait(int(limit.count())))
        return std::nullopt;
    return doctor.report();
}

bool writeFile(const QString &path, const QByteArray &content, QFile::Permissions permissions)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return false;
    file.close();
    return file.setPermissions(permissions);
}

bool setMode(const QString &path, int mode) { return ::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0; }

const QFile::Permissions kPrivateFile = QFile::ReadOwner | QFile::WriteOwner;

// Sets (or, with an empty value, unsets) an environment variable for one scope.
class EnvironmentOverride {
public:
    EnvironmentOverride(const char *name, const QByteArray &value)
        : m_name(name), m_hadValue(qEnvironmentVariableIsSet(name)), m_oldValue(qgetenv(name))
    {
        if (value.isNull())
            qunsetenv(name);
        else
            qputenv(name, value);
    }
    ~EnvironmentOverride()
    {
        if (m_hadValue)
            qputenv(m_name, m_oldValue);
        else
            qunsetenv(m_name);
    }

private:
    const char *m_name;
    bool m_hadValue;
    QByteArray m_oldValue;
};

} // namespace

class TestDoctor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // These checks run headless: the tray-host check is covered with a real display in tst_doctor_cli.
    void initTestCase()
    {
        qunsetenv("DISPLAY");
        qunsetenv("WAYLAND_DISPLAY");
    }
    void trayHostIsNotNeededWithoutADisplay()
    {
        const DoctorCheck check = keyward::doctor_checks::trayHost(std::chrono::milliseconds(1000));
        QCOMPARE(check.name, QStringLiteral("tray-host"));
        QVERIFY(check.ok);
        QVERIFY2(check.message.startsWith(QLatin1String("not needed: no display")), qPrintable(check.message));
    }
    void wrongModesAreReportedWithTheExactChmod_data();
    void wrongModesAreReportedWithTheExactChmod();
    void missingHomeIsFineAndCreatedOnFirstUse();
    void everyProblemOfTheHomeIsReportedWithItsFix();
    void configIsCheckedForSyntaxAndOutline_data();
    void configIsCheckedForSyntaxAndOutline();
    void configSyntaxErrorNeverQuotesTheFile();
    void configSchemaErrorNamesThePointerNeverTheValue();
    void auditIsVerified_data();
    void auditIsVerified();
    void auditCheckNeverWritesTheFile();
    void keychainRoundTripPassesAndLeavesNoEntry();
    void keychainFailureIsReportedWithTheStoresMessage_data();
    void keychainFailureIsReportedWithTheStoresMessage();
    void hangingKeychainIsReportedAsTimeoutNotAHang_data();
    void hangingKeychainIsReportedAsTimeoutNotAHang();
    void tamperedReadIsReportedWithLengthsOnly();
    void withoutSessionBusTheKeychainIsSkippedWithoutTouchingIt();
    void overallTimeoutFailsTheRunningCheckAndStillRunsInstantOnes();
    void finishedIsEmittedOnceAndNeverInsideStart();
    void reportJsonHasExactlyTheDocumentedShape();
    void fileStoreReplacesTheKeychainAndNeedsNoDbus();
    void fileStoreSettingIsReadFromTheConfig();
    void secretFileCheck_data();
    void secretFileCheck();
};

void TestDoctor::wrongModesAreReportedWithTheExactChmod_data()
{
    QTest::addColumn<QString>("entry"); // relative to the home; "" is the home itself
    QTest::addColumn<bool>("directory");
    QTest::addColumn<int>("mode");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expectedProblem"); // %1 = the entry's path
    QTest::addColumn<QString>("expectedFix");

    QTest::newRow("private home passes") << QString() << true << 0700 << true << QString() << QString();
    QTest::newRow("group-readable home fails with chmod 700")
        << QString() << true << 0750 << false << QStringLiteral("%1 has mode 0750, not 0700") << QStringLiteral("chmod 700 %1");
    QTest::newRow("world-open home fails with chmod 700")
        << QString() << true << 0777 << false << QStringLiteral("%1 has mode 0777, not 0700") << QStringLiteral("chmod 700 %1");
    QTest::newRow("open run dir fails with chmod 700")
        << QStringLiteral("run") << true << 0755 << false << QStringLiteral("%1 has mode 0755, not 0700")
        << QStringLiteral("chmod 700 %1");
    QTest::newRow("private config.json passes") << QStringLiteral("config.json") << false << 0600 << true << QString() << QString();
    QTest::newRow("world-readable config.json fails with chmod 600")
        << QStringLiteral("config.json") << false << 0644 << false << QStringLiteral("%1 has mode 0644, not 0600")
        << QStringLiteral("chmod 600 %1");
    QTest::newRow("group-readable keyward.log fails with chmod 600")
        << QStringLiteral("keyward.log") << false << 0640 << false << QStringLiteral("%1 has mode 0640, not 0600")
        << QStringLiteral("chmod 600 %1");
    QTest::newRow("executable state.json fails with chmod 600")
        << QStringLiteral("state.json") << false << 0700 << false << QStringLiteral("%1 has mode 0700, not 0600")
        << QStringLiteral("chmod 600 %1");
    QTest::newRow("private audit.db passes") << QStringLiteral("audit.db") << false << 0600 << true << QString() << QString();
    QTest::newRow("readable audit.db fails with chmod 600")
        << QStringLiteral("audit.db") << false << 0604 << false << QStringLiteral("%1 has mode 0604, not 0600")
        << QStringLiteral("chmod 600 %1");
}

void TestDoctor::wrongModesAreReportedWithTheExactChmod()
{
    QFETCH(QString, entry);
    QFETCH(bool, directory);
    QFETCH(int, mode);
    QFETCH(bool, ok);
    QFETCH(QString, expectedProblem);
    QFETCH(QString, expectedFix);

    TempHome temp;
    QVERIFY(temp.isValid());
    const QString path = entry.isEmpty() ? temp.path() : temp.filePath(entry);
    if (!entry.isEmpty()) {
        if (directory)
            QVERIFY(QDir(temp.path()).mkdir(entry));
        else
            QVERIFY(writeFile(path, "{}", kPrivateFile));
    }
    QVERIFY(setMode(path, mode));

    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("home")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 1);
    const DoctorCheck &check = report->checks.first();
    QCOMPARE(check.name, QStringLiteral("home"));
    QVERIFY2(check.ok == ok, qPrintable(check.message));
    if (ok) {
        QVERIFY(check.fix.isEmpty());
        QVERIFY2(check.message.contains(QLatin1String("yours alone")), qPrintable(check.message));
    } else {
        QVERIFY2(check.message.contains(expectedProblem.arg(path)), qPrintable(check.message));
        QCOMPARE(check.fix, expectedFix.arg(path));
    }
    QVERIFY(setMode(temp.path(), 0700)); // so QTemporaryDir can clean up
}

void TestDoctor::missingHomeIsFineAndCreatedOnFirstUse()
{
    TempHome temp;
    const QString home = temp.filePath(QStringLiteral("not-created-yet"));
    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(home), store,
                                  onlyChecks({QStringLiteral("home"), QStringLiteral("config")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 2);
    QVERIFY(report->ok());
    QVERIFY2(report->checks.at(0).message.contains(QLatin1String("will be created on first use")),
             qPrintable(report->checks.at(0).message));
    QVERIFY2(report->checks.at(0).message.contains(home), qPrintable(report->checks.at(0).message));
    QVERIFY2(report->checks.at(1).message.startsWith(QLatin1String("no config yet")), qPrintable(report->checks.at(1).message));
    QVERIFY(!QFileInfo::exists(home)); // the doctor only looks
}

void TestDoctor::everyProblemOfTheHomeIsReportedWithItsFix()
{
    TempHome temp;
    const QString config = temp.filePath(QStringLiteral("config.json"));
    const QString log = temp.filePath(QStringLiteral("keyward.log"));
    QVERIFY(writeFile(config, R"({"version": 1})", kPrivateFile));
    QVERIFY(writeFile(log, "", kPrivateFile));
    QVERIFY(setMode(config, 0644));
    QVERIFY(setMode(log, 0666));
    QVERIFY(setMode(temp.path(), 0755));

    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("home")}));
    QVERIFY(setMode(temp.path(), 0700));
    QVERIFY(report);
    const DoctorCheck &check = report->checks.first();
    QVERIFY(!check.ok);
    QCOMPARE(check.fix, QStringLiteral("chmod 700 %1 && chmod 600 %2 && chmod 600 %3").arg(temp.path(), config, log));
    for (const QString &path : {temp.path(), config, log})
        QVERIFY2(check.message.contains(path + QStringLiteral(" has mode")), qPrintable(check.message));
}

void TestDoctor::configIsCheckedForSyntaxAndOutline_data()
{
    QTest::addColumn<QByteArray>("text"); // a null array: no config.json at all
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expected"); // in the message
    QTest::addColumn<QString>("expectedFix");

    const QString restore = QStringLiteral("correct the file, or restore config.json.bak");
    const QString edit = QStringLiteral("edit the file to match the documented format, or restore config.json.bak");

    QTest::newRow("missing config is fine") << QByteArray() << true << QStringLiteral("no config yet") << QString();
    QTest::newRow("version 1 alone passes") << QByteArray(R"({"version": 1})") << true << QStringLiteral("is valid (version 1)")
                                            << QString();
    QTest::newRow("every top-level key passes")
        << QByteArray(R"({"version":1,"services":{},"agents":{},"runRefs":{},"settings":{}})") << true
        << QStringLiteral("is valid") << QString();
    QTest::newRow("stray comma reports line and column")
        << QByteArray("{\n  \"version\": 1,\n  \"services\": {,}\n}\n") << false
        << QStringLiteral("is not valid JSON: line 3, column 16: syntax error") << restore;
    QTest::newRow("trailing comma reports line and column")
        << QByteArray(R"({"version": 1,})") << false << QStringLiteral("line 1, column 15") << restore;
    QTest::newRow("truncated file reports the end")
        << QByteArray("{\n\"version\": 1") << false << QStringLiteral("line 2, column 13: syntax error while parsing object - unexpected end of input")
        << restore;
    QTest::newRow("empty file reports line 1 column 1") << QByteArray("") << false << QStringLiteral("line 1, column 1")
                                                        << restore;
    QTest::newRow("unknown top-level key reports its pointer")
        << QByteArray(R"({"version": 1, "servers": {}})") << false << QStringLiteral("unknown key at /servers") << edit;
    QTest::newRow("pointer of an unknown key is escaped")
        << QByteArray(R"({"version": 1, "a/b~c": 0})") << false << QStringLiteral("unknown key at /a~1b~0c") << edit;
    QTest::newRow("newer version is refused")
        << QByteArray(R"({"version": 2})") << false << QStringLiteral("/version is 2, but this Keyward reads version 1")
        << QStringLiteral("upgrade Keyward to the version that wrote the file, or restore config.json.bak");
    QTest::newRow("missing version is refused")
        << QByteArray(R"({"services": {}})") << false << QStringLiteral("missing /version") << edit;
    QTest::newRow("version as a string is refused")
        << QByteArray(R"({"version": "1"})") << false << QStringLiteral("/version must be a whole number") << edit;
    QTest::newRow("an array is not a config")
        << QByteArray(R"([{"version": 1}])") << false << QStringLiteral("must be a JSON object") << edit;
    QTest::newRow("a full service passes")
        << QByteArray(R"({"version": 1, "services": {"github": {"baseUrl": "https://api.github.com",
                         "auth": {"type": "bearer"}}}})")
        << true << QStringLiteral("is valid (version 1): 1 service, 0 agents") << QString();
    QTest::newRow("schema error inside a service reports its pointer")
        << QByteArray(R"({"version": 1, "services": {"x": {"baseUrl": "https://x.io", "auth": {"type": "token"}}}})")
        << false << QStringLiteral("/services/x/auth/type: expected one of bearer, basic, header, query") << edit;
    QTest::newRow("unknown key inside a service reports its pointer")
        << QByteArray(R"({"version": 1, "services": {"x": {"baseUrl": "https://x.io", "auth": {"type": "bearer"},
                         "secret": "x"}}})")
        << false << QStringLiteral("/services/x/secret") << edit;
    QTest::newRow("plain http base URL is refused")
        << QByteArray(R"({"version": 1, "services": {"x": {"baseUrl": "http://x.io", "auth": {"type": "bearer"}}}})")
        << false << QStringLiteral("/services/x/baseUrl") << edit;
    QTest::newRow("wrong settings type reports its pointer")
        << QByteArray(R"({"version": 1, "settings": {"retentionDays": "ninety"}})") << false
        << QStringLiteral("/settings/retentionDays") << edit;
}

void TestDoctor::configIsCheckedForSyntaxAndOutline()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, ok);
    QFETCH(QString, expected);
    QFETCH(QString, expectedFix);

    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    if (!text.isNull())
        QVERIFY(writeFile(home.configFile(), text, kPrivateFile));

    FakeSecretStore store;
    const auto report = runDoctor(home, store, onlyChecks({QStringLiteral("config")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 1);
    const DoctorCheck &check = report->checks.first();
    QCOMPARE(check.name, QStringLiteral("config"));
    QVERIFY2(check.ok == ok, qPrintable(check.message));
    QVERIFY2(check.message.contains(expected), qPrintable(check.message));
    if (!ok)
        QVERIFY2(check.message.startsWith(home.configFile()), qPrintable(check.message));
    QCOMPARE(check.fix, expectedFix);
}

void TestDoctor::configSyntaxErrorNeverQuotesTheFile()
{
    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    // A key pasted into the wrong place, with a raw newline that makes the JSON invalid.
    QVERIFY(writeFile(home.configFile(), "{\"version\": 1, \"x\": \"sk-live-9f8e7d6c\n\"}", kPrivateFile));
    FakeSecretStore store;
    const auto report = runDoctor(home, store, onlyChecks({QStringLiteral("config")}));
    QVERIFY(report);
    const DoctorCheck &check = report->checks.first();
    QVERIFY(!check.ok);
    QVERIFY2(check.message.contains(QLatin1String("line 1, column 38")), qPrintable(check.message));
    QVERIFY2(check.message.contains(QLatin1String("control character")), qPrintable(check.message));
    QVERIFY2(!check.message.contains(QLatin1String("sk-live")), "the message quotes the file");
}

void TestDoctor::configSchemaErrorNamesThePointerNeverTheValue()
{
    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    // A key pasted into a field that expects something else, with a backup to restore.
    QVERIFY(writeFile(home.configFile(), R"({"version": 1, "settings": {"secretStore": "sk-live-9f8e7d6c"}})", kPrivateFile));
    QVERIFY(writeFile(home.configFile() + QStringLiteral(".bak"), R"({"version": 1})", kPrivateFile));
    FakeSecretStore store;
    const auto report = runDoctor(home, store, onlyChecks({QStringLiteral("config")}));
    QVERIFY(report);
    const DoctorCheck &check = report->checks.first();
    QVERIFY(!check.ok);
    QVERIFY2(check.message.contains(QLatin1String("/settings/secretStore")), qPrintable(check.message));
    QVERIFY2(!check.message.contains(QLatin1String("sk-live")), "the message quotes the file");
    QCOMPARE(check.fix, QStringLiteral("edit the file to match the documented format, or restore config.json.bak (cp %1 %2)")
                            .arg(home.configFile() + QStringLiteral(".bak"), home.configFile()));
}

void TestDoctor::auditIsVerified_data()
{
    QTest::addColumn<QString>("setup"); // what is done to audit.db after three rows were written
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expected");    // in the message
    QTest::addColumn<QString>("expectedFix"); // in the fix

    QTest::newRow("missing audit is fine") << QStringLiteral("none") << true << QStringLiteral("no audit yet") << QString();
    QTest::newRow("empty file is fine") << QStringLiteral("empty") << true << QStringLiteral("no audit yet") << QString();
    QTest::newRow("intact chain passes") << QStringLiteral("rows") << true
                                         << QStringLiteral("the hash chain of 3 rows verifies (seq 1 to 3)") << QString();
    QTest::newRow("altered row fails naming its seq")
        << QStringLiteral("UPDATE audit SET path = '/admin' WHERE seq = 2") << false
        << QStringLiteral("the hash chain is broken at seq 2: its hash does not match") << QStringLiteral("keyward log verify");
    QTest::newRow("deleted row fails naming the next seq")
        << QStringLiteral("DELETE FROM audit WHERE seq = 2") << false << QStringLiteral("broken at seq 3")
        << QStringLiteral(".broken");
    QTest::newRow("not a database fails with how to move it aside")
        << QStringLiteral("garbage") << false << QStringLiteral("damaged or not a SQLite database")
        << QStringLiteral("stop every Keyward process, then move the file aside");
    QTest::newRow("newer schema asks for an upgrade")
        << QStringLiteral("PRAGMA user_version = 99") << false << QStringLiteral("newer than this Keyward")
        << QStringLiteral("upgrade Keyward");
}

void TestDoctor::auditIsVerified()
{
    QFETCH(QString, setup);
    QFETCH(bool, ok);
    QFETCH(QString, expected);
    QFETCH(QString, expectedFix);

    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    const QString path = home.auditDatabase();
    if (setup == QLatin1String("empty")) {
        QVERIFY(writeFile(path, QByteArray(), kPrivateFile));
    } else if (setup == QLatin1String("garbage")) {
        QVERIFY(writeFile(path, QByteArray("not a database\n").repeated(100), kPrivateFile));
    } else if (setup != QLatin1String("none")) {
        {
            keyward::AuditLog audit(path);
            for (int i = 0; i < 3; ++i)
                QVERIFY(keyward::recordChange(audit, QStringLiteral("service enable"), QStringLiteral("s%1").arg(i),
                                              QStringLiteral("enabled")));
        }
        if (setup != QLatin1String("rows")) {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(setup));
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        }
    }

    FakeSecretStore store;
    const auto report = runDoctor(home, store, onlyChecks({QStringLiteral("audit")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 1);
    const DoctorCheck &check = report->checks.first();
    QCOMPARE(check.name, QStringLiteral("audit"));
    QVERIFY2(check.ok == ok, qPrintable(check.message));
    QVERIFY2(check.message.contains(expected), qPrintable(check.message));
    if (ok)
        QVERIFY(check.fix.isEmpty());
    else
        QVERIFY2(check.fix.contains(expectedFix), qPrintable(check.fix));
    QCOMPARE(QFileInfo::exists(path), setup != QLatin1String("none"));
}

void TestDoctor::auditCheckNeverWritesTheFile()
{
    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    const QString path = home.auditDatabase();
    {
        keyward::AuditLog audit(path);
        QVERIFY(keyward::recordChange(audit, QStringLiteral("service add"), QStringLiteral("x"), QStringLiteral("added")));
    }
    // Make it a schema-1 file, as an older Keyward left it: the doctor must not migrate it.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("downgrade"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("DROP TABLE meta")));
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version = 1")));
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("downgrade"));
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray before = file.readAll();
    file.close();

    FakeSecretStore store;
    const auto report = runDoctor(home, store, onlyChecks({QStringLiteral("audit")}));
    QVERIFY(report);
    QVERIFY2(report->checks.first().ok, qPrintable(report->checks.first().message));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll() == before);
}

void TestDoctor::keychainRoundTripPassesAndLeavesNoEntry()
{
    TempHome temp;
    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("keychain")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 1);
    const DoctorCheck &check = report->checks.first();
    QCOMPARE(check.name, QStringLiteral("keychain"));
    QVERIFY2(check.ok, qPrintable(check.message));
    QVERIFY2(check.message.contains(kServiceName), qPrintable(check.message));
    QCOMPARE(store.calls(), QStringList({QStringLiteral("write doctor/probe"), QStringLiteral("read doctor/probe"),
                                         QStringLiteral("remove doctor/probe")}));
    QVERIFY(store.keys().isEmpty());

    const QByteArrayList written = store.writtenValues(QStringLiteral("doctor/probe"));
    QCOMPARE(written.size(), 1);
    QVERIFY2(written.first().size() >= 32, "the probe value should be random and long");
    QVERIFY(!QByteArray::fromStdString(report->toJson().dump()).contains(written.first()));
}

void TestDoctor::keychainFailureIsReportedWithTheStoresMessage_data()
{
    QTest::addColumn<int>("failOn");
    QTest::addColumn<QString>("expectedStep");
    QTest::addColumn<QStringList>("expectedCalls");

    const QString write = QStringLiteral("write doctor/probe");
    const QString read = QStringLiteral("read doctor/probe");
    const QString remove = QStringLiteral("remove doctor/probe");
    QTest::newRow("failed write stops the round trip")
        << int(FakeSecretStore::Write) << QStringLiteral("writing a probe entry to") << QStringList{write};
    QTest::newRow("failed read still removes the probe")
        << int(FakeSecretStore::Read) << QStringLiteral("reading the probe entry back from") << QStringList{write, read, remove};
    QTest::newRow("failed remove is reported")
        << int(FakeSecretStore::Remove) << QStringLiteral("removing the probe entry from") << QStringList{write, read, remove};
}

void TestDoctor::keychainFailureIsReportedWithTheStoresMessage()
{
    QFETCH(int, failOn);
    QFETCH(QString, expectedStep);
    QFETCH(QStringList, expectedCalls);

    TempHome temp;
    FakeSecretStore store;
    const Error injected{QStringLiteral("keychain_error"),
                         QStringLiteral("the keychain is locked or refused access: unlock it and try again")};
    store.failWith(injected, FakeSecretStore::Operations(failOn));

    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("keychain")}));
    QVERIFY(report);
    const DoctorCheck &check = report->checks.first();
    QVERIFY(!check.ok);
    QCOMPARE(check.message, QStringLiteral("%1 the keychain (service name %2) failed: %3")
                                .arg(expectedStep, kServiceName, injected.message));
    QCOMPARE(check.fix, QStringLiteral("unlock it and try again"));
    QCOMPARE(store.calls(), expectedCalls);
}

void TestDoctor::hangingKeychainIsReportedAsTimeoutNotAHang_data()
{
    QTest::addColumn<int>("hangOn");
    QTest::newRow("write hangs") << int(FakeSecretStore::Write);
    QTest::newRow("read hangs") << int(FakeSecretStore::Read);
    QTest::newRow("remove hangs") << int(FakeSecretStore::Remove);
}

void TestDoctor::hangingKeychainIsReportedAsTimeoutNotAHang()
{
    QFETCH(int, hangOn);

    TempHome temp;
    FakeSecretStore store;
    store.hangOn(FakeSecretStore::Operations(hangOn));
    Doctor::Options options = onlyChecks({QStringLiteral("keychain"), QStringLiteral("config")});
    options.keychainTimeout = 200ms;

    Doctor doctor(KeywardHome::atDirectory(temp.path()), store, options);
    QSignalSpy finished(&doctor, &Doctor::finished);
    QElapsedTimer clock;
    clock.start();
    doctor.start();
    QVERIFY(finished.wait(5000));
    QVERIFY2(clock.elapsed() < 3000, "the keychain timeout should end the check");
    QCOMPARE(store.hungCallCount(), 1);

    const DoctorCheck *check = doctor.report().find(QStringLiteral("keychain"));
    QVERIFY(check);
    QVERIFY(!check->ok);
    QCOMPARE(check->message, QStringLiteral("the keychain round trip (service name %1) did not finish within 0.2 s").arg(kServiceName));
    QVERIFY2(check->fix.startsWith(QLatin1String("unlock it")), qPrintable(check->fix));
    QVERIFY(doctor.report().find(QStringLiteral("config"))); // the checks after it still ran

    // The late answer changes nothing.
    store.releaseHungCalls();
    QTest::qWait(100);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(doctor.report().checks.size(), 2);
    QVERIFY(!doctor.report().find(QStringLiteral("keychain"))->ok);
}

void TestDoctor::tamperedReadIsReportedWithLengthsOnly()
{
    TempHome temp;
    FakeSecretStore store;
    store.tamperReads("not-what-was-written");
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("keychain")}));
    QVERIFY(report);
    const DoctorCheck &check = report->checks.first();
    QVERIFY(!check.ok);
    const QByteArray probe = store.writtenValues(QStringLiteral("doctor/probe")).value(0);
    QVERIFY2(check.message.contains(QStringLiteral("(%1 bytes written, 20 bytes read)").arg(probe.size())),
             qPrintable(check.message));
    QVERIFY(!check.message.contains(QLatin1String("not-what-was-written")));
    QVERIFY(!check.message.toUtf8().contains(probe));
    QVERIFY(store.keys().isEmpty()); // cleaned up all the same
}

void TestDoctor::withoutSessionBusTheKeychainIsSkippedWithoutTouchingIt()
{
    QTemporaryDir emptyRuntimeDir;
    QVERIFY(emptyRuntimeDir.isValid());
    const EnvironmentOverride noBus("DBUS_SESSION_BUS_ADDRESS", QByteArray());
    const EnvironmentOverride noRuntimeBus("XDG_RUNTIME_DIR", QFile::encodeName(emptyRuntimeDir.path()));

    TempHome temp;
    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({}));
    QVERIFY(report);
    QStringList names;
    for (const DoctorCheck &check : report->checks)
        names.append(check.name);
    QCOMPARE(names, Doctor::allCheckNames());
    QCOMPARE(names, QStringList({QStringLiteral("dbus-session"), QStringLiteral("secret-service"), QStringLiteral("keychain"),
                                 QStringLiteral("home"), QStringLiteral("config"), QStringLiteral("audit"), QStringLiteral("owner"),
                                 QStringLiteral("tray-host"),
                                 QStringLiteral("notifications")}));

#if defined(Q_OS_LINUX)
    QVERIFY(!report->ok());
    const DoctorCheck &bus = report->checks.at(0);
    QVERIFY(!bus.ok);
    QVERIFY2(bus.message.contains(QLatin1String("DBUS_SESSION_BUS_ADDRESS is not set")), qPrintable(bus.message));
    QVERIFY2(bus.fix.contains(QLatin1String("dbus-run-session")), qPrintable(bus.fix));
    QVERIFY2(bus.fix.contains(QLatin1String("\"settings\": {\"secretStore\": \"file\"}")), qPrintable(bus.fix));
    QVERIFY2(bus.fix.contains(QLatin1String("KEYWARD_PASSPHRASE_FILE")), qPrintable(bus.fix));
    const DoctorCheck &secretService = report->checks.at(1);
    QVERIFY(!secretService.ok);
    QCOMPARE(secretService.message, QStringLiteral("skipped: no D-Bus session"));
    const DoctorCheck &keychain = report->checks.at(2);
    QVERIFY(!keychain.ok);
    QCOMPARE(keychain.message, QStringLiteral("skipped (service name %1): the dbus-session check failed").arg(kServiceName));
    QCOMPARE(keychain.fix, QStringLiteral("fix the dbus-session check first"));
    QVERIFY(store.calls().isEmpty());
#else
    QVERIFY(report->checks.at(0).ok);
    QVERIFY(report->checks.at(0).message.startsWith(QLatin1String("not applicable")));
#endif
    QVERIFY(report->checks.at(3).ok);
    QVERIFY(report->checks.at(4).ok);
    QVERIFY(report->checks.at(5).ok);
}

void TestDoctor::overallTimeoutFailsTheRunningCheckAndStillRunsInstantOnes()
{
    TempHome temp;
    FakeSecretStore store;
    store.hangOn();
    Doctor::Options options = onlyChecks({QStringLiteral("keychain"), QStringLiteral("home"), QStringLiteral("config")});
    options.keychainTimeout = 60s;
    options.overallTimeout = 300ms;

    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, options, 5s);
    QVERIFY2(report, "the overall time limit should end the run");
    QCOMPARE(report->checks.size(), 3);
    QCOMPARE(report->checks.at(0).name, QStringLiteral("keychain"));
    QVERIFY(!report->checks.at(0).ok);
    QCOMPARE(report->checks.at(0).message, QStringLiteral("did not finish within the doctor's time limit (0.3 s)"));
    QVERIFY(!report->checks.at(0).fix.isEmpty());
    QVERIFY(report->checks.at(1).ok);
    QVERIFY(report->checks.at(2).ok);
}

void TestDoctor::finishedIsEmittedOnceAndNeverInsideStart()
{
    TempHome temp;
    FakeSecretStore store;
    Doctor doctor(KeywardHome::atDirectory(temp.path()), store, onlyChecks({QStringLiteral("home"), QStringLiteral("config")}));
    QSignalSpy finished(&doctor, &Doctor::finished);
    doctor.start();
    QCOMPARE(finished.count(), 0);
    QVERIFY(!doctor.isFinished());
    QVERIFY(finished.wait(5000));
    QVERIFY(doctor.isFinished());
    doctor.start(); // a second start does nothing
    QTest::qWait(50);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(doctor.report().checks.size(), 2);
}

void TestDoctor::reportJsonHasExactlyTheDocumentedShape()
{
    DoctorReport report;
    report.checks = {DoctorCheck::pass(QStringLiteral("home"), QStringLiteral("fine")),
                     DoctorCheck::fail(QStringLiteral("config"), QStringLiteral("broken"), QStringLiteral("repair it"))};
    const nlohmann::json json = report.toJson();

    const nlohmann::json expected = nlohmann::json::parse(R"({"ok": false, "checks": [
        {"name": "home", "ok": true, "message": "fine", "fix": null},
        {"name": "config", "ok": false, "message": "broken", "fix": "repair it"}]})");
    QCOMPARE(QString::fromStdString(json.dump()), QString::fromStdString(expected.dump()));
    QVERIFY(!report.ok());

    report.checks.removeLast();
    QVERIFY(report.ok());
    QCOMPARE(report.toJson().at("ok"), nlohmann::json(true));

    // A real run gives the same shape.
    TempHome temp;
    FakeSecretStore store;
    const auto run = runDoctor(KeywardHome::atDirectory(temp.path()), store,
                               onlyChecks({QStringLiteral("keychain"), QStringLiteral("home"), QStringLiteral("config")}));
    QVERIFY(run);
    const nlohmann::json runJson = run->toJson();
    QCOMPARE(runJson.size(), std::size_t(2));
    QVERIFY(runJson.at("ok").is_boolean());
    QCOMPARE(runJson.at("checks").size(), std::size_t(3));
    for (const auto &check : runJson.at("checks")) {
        QCOMPARE(check.size(), std::size_t(4));
        QVERIFY(check.at("name").is_string());
        QVERIFY(check.at("ok").get<bool>());
        QVERIFY(check.at("message").is_string());
        QVERIFY(check.at("fix").is_null());
    }
}

void TestDoctor::fileStoreReplacesTheKeychainAndNeedsNoDbus()
{
    QTemporaryDir emptyRuntimeDir;
    QVERIFY(emptyRuntimeDir.isValid());
    const EnvironmentOverride noBus("DBUS_SESSION_BUS_ADDRESS", QByteArray());
    const EnvironmentOverride noRuntimeBus("XDG_RUNTIME_DIR", QFile::encodeName(emptyRuntimeDir.path()));
    const EnvironmentOverride noPassphrase("KEYWARD_PASSPHRASE_FILE", QByteArray());

    TempHome temp;
    FakeSecretStore store;
    Doctor::Options options = onlyChecks({});
    options.secretStore = keyward::SecretStoreKind::File;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store, options);
    QVERIFY(report);
    QStringList names;
    for (const DoctorCheck &check : report->checks)
        names.append(check.name);
    QCOMPARE(names, QStringList({QStringLiteral("dbus-session"), QStringLiteral("secret-service"), QStringLiteral("secret-file"),
                                 QStringLiteral("home"), QStringLiteral("config"), QStringLiteral("audit"), QStringLiteral("owner"),
                                 QStringLiteral("tray-host"),
                                 QStringLiteral("notifications")}));
    QVERIFY(report->ok());
    QVERIFY2(report->checks.at(0).message.startsWith(QLatin1String("not needed")), qPrintable(report->checks.at(0).message));
    QVERIFY(report->checks.at(1).message.startsWith(QLatin1String("not needed")));
    QVERIFY2(report->checks.at(2).message.contains(QLatin1String("no secrets.kwv yet")), qPrintable(report->checks.at(2).message));
    QVERIFY(store.calls().isEmpty());

    // Asking for the keychain check selects the store check in its place.
    options.checks = {QStringLiteral("keychain")};
    const auto only = runDoctor(KeywardHome::atDirectory(temp.path()), store, options);
    QVERIFY(only);
    QCOMPARE(only->checks.size(), 1);
    QCOMPARE(only->checks.first().name, QStringLiteral("secret-file"));
}

void TestDoctor::fileStoreSettingIsReadFromTheConfig()
{
    TempHome temp;
    QVERIFY(writeFile(temp.filePath(QStringLiteral("config.json")),
                      "{\"version\": 1, \"settings\": {\"secretStore\": \"file\"}}", kPrivateFile));
    const EnvironmentOverride noPassphrase("KEYWARD_PASSPHRASE_FILE", QByteArray());
    FakeSecretStore store;
    const auto report = runDoctor(KeywardHome::atDirectory(temp.path()), store,
                                  onlyChecks({QStringLiteral("keychain"), QStringLiteral("config")}));
    QVERIFY(report);
    QCOMPARE(report->checks.size(), 2);
    QCOMPARE(report->checks.at(0).name, QStringLiteral("secret-file"));
    QVERIFY(report->checks.at(0).ok);
    QVERIFY(store.calls().isEmpty());
}

void TestDoctor::secretFileCheck_data()
{
    QTest::addColumn<QString>("store");      // "none", "good" (written with the passphrase), "damaged"
    QTest::addColumn<int>("storeMode");
    QTest::addColumn<QString>("passphrase"); // the passphrase file's content; empty = variable unset
    QTest::addColumn<int>("passphraseMode");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expectedMessage");
    QTest::addColumn<QString>("expectedFix");

    const QString right = QStringLiteral("the right passphrase");
    QTest::newRow("no store, no passphrase file") << "none" << 0 << QString() << 0 << true
                                                  << "a passphrase asked on the terminal" << QString();
    QTest::newRow("no store, usable passphrase file") << "none" << 0 << right << 0600 << true
                                                      << "created with the passphrase from KEYWARD_PASSPHRASE_FILE" << QString();
    QTest::newRow("no store, short passphrase") << "none" << 0 << "Zq9!" << 0600 << false << "shorter than 8 bytes"
                                                << "write a longer passphrase";
    QTest::newRow("passphrase file readable by others") << "none" << 0 << right << 0644 << false
                                                        << "accessible by group or others" << "chmod 600";
    QTest::newRow("store opens") << "good" << 0600 << right << 0600 << true << "opens with the passphrase" << QString();
    QTest::newRow("wrong passphrase") << "good" << 0600 << "a wrong passphrase" << 0600 << false << "wrong passphrase for secrets.kwv"
                                      << "put the passphrase secrets.kwv was created with";
    QTest::newRow("store readable by others") << "good" << 0644 << right << 0600 << false << "has mode 0644, not 0600" << "chmod 600 ";
    QTest::newRow("store without passphrase file") << "good" << 0600 << QString() << 0 << true
                                                   << "is an encrypted store this Keyward reads" << QString();
    QTest::newRow("damaged store without passphrase file") << "damaged" << 0600 << QString() << 0 << false
                                                           << "is not a Keyward secrets file" << "restore it from a backup";
}

void TestDoctor::secretFileCheck()
{
    QFETCH(QString, store);
    QFETCH(int, storeMode);
    QFETCH(QString, passphrase);
    QFETCH(int, passphraseMode);
    QFETCH(bool, ok);
    QFETCH(QString, expectedMessage);
    QFETCH(QString, expectedFix);

    TempHome temp;
    const KeywardHome home = KeywardHome::atDirectory(temp.path());
    const QString path = keyward::FileStore::pathIn(home);
    if (store == QLatin1String("good")) {
        keyward::FileStore file(path, keyward::FileStore::KdfParams::minimum());
        QVERIFY(file.unlock("the right passphrase"));
        QVERIFY(file.writeNow(QStringLiteral("service/x"), "secret"));
        QVERIFY(setMode(path, storeMode));
    } else if (store == QLatin1String("damaged")) {
        QVERIFY(writeFile(path, "not an encrypted store at all, just text", kPrivateFile));
    }
    QTemporaryDir outside;
    const QString passphrasePath = outside.filePath(QStringLiteral("passphrase"));
    if (!passphrase.isEmpty()) {
        QVERIFY(writeFile(passphrasePath, passphrase.toUtf8() + '\n', kPrivateFile));
        QVERIFY(setMode(passphrasePath, passphraseMode));
    }
    const EnvironmentOverride variable("KEYWARD_PASSPHRASE_FILE",
                                       passphrase.isEmpty() ? QByteArray() : QFile::encodeName(passphrasePath));

    const DoctorCheck check = keyward::doctor_checks::secretFile(home);
    QCOMPARE(check.name, QStringLiteral("secret-file"));
    QVERIFY2(check.ok == ok, qPrintable(check.message + QStringLiteral(" / ") + check.fix));
    QVERIFY2(check.message.contains(expectedMessage), qPrintable(check.message));
    if (ok)
        QVERIFY(check.fix.isEmpty());
    else
        QVERIFY2(check.fix.contains(expectedFix), qPrintable(check.fix));
    if (!passphrase.isEmpty()) {
        QVERIFY(!check.message.contains(passphrase));
        QVERIFY(!check.fix.contains(passphrase));
    }
}

QTEST_GUILESS_MAIN(TestDoctor)
#include "tst_doctor.moc"
