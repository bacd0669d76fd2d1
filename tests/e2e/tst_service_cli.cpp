// End to end: the built `keyward service ...` against a throwaway KEYWARD_HOME and the real
// keychain of the session (ctest runs this inside dbus-run-session with an unlocked
// gnome-keyring). The secret goes in on stdin and must never come out: not on stdout or stderr,
// not in any file under KEYWARD_HOME. Every change shows in `keyward log` as a `change` row.

#include "core/keywardhome.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QDirIterator>
#include <QLockFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QtTest>

using json = nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QByteArray canary()
{
    return QByteArray("kw-canary-") + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

} // namespace

class TestServiceCli : public QObject {
    Q_OBJECT

    // Everything keyward printed in this test, to look for the secret at the end.
    QByteArray m_printed;

    Run keyward(const keyward::test::TempHome &home, const QStringList &args, const QByteArray &input = {})
    {
        return run(home, QStringList{QStringLiteral("service")} + args, input);
    }

    // `keyward ARGS...` (any command) on `home`.
    Run run(const keyward::test::TempHome &home, const QStringList &args, const QByteArray &input = {})
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(KEYWARD_BINARY), args);
        Run run;
        if (!process.waitForStarted(10000))
            return run;
        process.write(input);
        process.closeWriteChannel();
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
        }
        run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        run.out = process.readAllStandardOutput();
        run.err = process.readAllStandardError();
        m_printed += run.out + run.err;
        return run;
    }

    // What the keychain holds for `key` under this home's service name, through secret-tool;
    // nullopt when secret-tool is not installed.
    std::optional<QByteArray> keychainEntry(const keyward::test::TempHome &home, const QString &key)
    {
        const QString tool = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
        if (tool.isEmpty())
            return std::nullopt;
        QProcess lookup;
        lookup.start(tool, {QStringLiteral("lookup"), QStringLiteral("server"),
                            keyward::KeywardHome::atDirectory(home.path()).keychainServiceName(), QStringLiteral("user"), key});
        lookup.waitForFinished(20000);
        const QByteArray value = lookup.readAllStandardOutput().trimmed();
        // KeychainStore stores binary data base64-encoded.
        const auto decoded = QByteArray::fromBase64Encoding(value, QByteArray::AbortOnBase64DecodingErrors);
        return decoded ? *decoded : value;
    }

    // No file under the home holds `secret` (nor its base64 form).
    void verifyNoFileHolds(const keyward::test::TempHome &home, const QByteArray &secret)
    {
        QDirIterator it(home.path(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (!file.open(QIODevice::ReadOnly))
                continue;
            const QByteArray bytes = file.readAll();
            QVERIFY2(!bytes.contains(secret) && !bytes.contains(secret.toBase64()), qPrintable(file.fileName()));
        }
    }

    static QStringList addArgs(const QString &name)
    {
        return {QStringLiteral("add"), name, QStringLiteral("--base-url"), QStringLiteral("https://api.example.com/v1/"),
                QStringLiteral("--auth"), QStringLiteral("header"), QStringLiteral("--header"), QStringLiteral("X-Api-Key")};
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QSKIP("no D-Bus session: run under dbus-run-session with an unlocked gnome-keyring (see tests/CMakeLists.txt)");
    }

    void serviceLifecycleNeverShowsTheSecret()
    {
        keyward::test::TempHome home;
        m_printed.clear();
        const QByteArray secret = canary();

        Run add = keyward(home,
                          addArgs(QStringLiteral("github")) + QStringList{
                              QStringLiteral("--description"), QStringLiteral("GitHub API"),
                              QStringLiteral("--set-header"), QStringLiteral("X-GitHub-Api-Version: 2022-11-28"),
                              QStringLiteral("--test-path"), QStringLiteral("/user"),
                              QStringLiteral("--timeout"), QStringLiteral("20s"),
                              QStringLiteral("--max-response"), QStringLiteral("512KiB"),
                              QStringLiteral("--allow"), QStringLiteral("GET /repos/**"),
                              QStringLiteral("--deny"), QStringLiteral("DELETE /**"),
                              QStringLiteral("--ask"), QStringLiteral("POST /repos/*/issues")},
                          secret + "\n");
        QVERIFY2(add.exitCode == 0, add.err.constData());
        QVERIFY(add.out.isEmpty());
        if (const auto stored = keychainEntry(home, QStringLiteral("service/github")))
            QCOMPARE(*stored, secret);

        Run list = keyward(home, {QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(list.out.contains("github"));
        QVERIFY(list.out.contains("https://api.example.com/v1"));

        list = keyward(home, {QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.exitCode, 0);
        const QList<QByteArray> lines = list.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        const json item = json::parse(lines.first().toStdString());
        QCOMPARE(item, json({{"name", "github"}, {"description", "GitHub API"}, {"baseUrl", "https://api.example.com/v1"},
                             {"auth", "header"}, {"enabled", true}}));

        Run show = keyward(home, {QStringLiteral("show"), QStringLiteral("github")});
        QCOMPARE(show.exitCode, 0);
        QVERIFY(show.out.contains("X-Api-Key"));
        QVERIFY(show.out.contains("allow GET /repos/**"));
        QVERIFY(show.out.contains("512KiB"));

        show = keyward(home, {QStringLiteral("show"), QStringLiteral("github"), QStringLiteral("--json")});
        QCOMPARE(show.exitCode, 0);
        const json object = json::parse(show.out.toStdString());
        QCOMPARE(object["name"], json("github"));
        QCOMPARE(object["auth"]["type"], json("header"));
        QCOMPARE(object["auth"]["header"], json("X-Api-Key"));
        QCOMPARE(object["setHeaders"]["X-GitHub-Api-Version"], json("2022-11-28"));
        QCOMPARE(object["testPath"], json("/user"));
        QCOMPARE(object["policy"]["timeoutMs"], json(20000));
        QCOMPARE(object["policy"]["maxResponseBytes"], json(512 * 1024));
        QCOMPARE(object["policy"]["rules"].size(), std::size_t(3));

        Run disable = keyward(home, {QStringLiteral("disable"), QStringLiteral("github")});
        QCOMPARE(disable.exitCode, 0);
        list = keyward(home, {QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(json::parse(list.out.toStdString())["enabled"], json(false));
        Run enable = keyward(home, {QStringLiteral("enable"), QStringLiteral("github"), QStringLiteral("--json")});
        QCOMPARE(enable.exitCode, 0);
        QCOMPARE(json::parse(enable.out.toStdString()), json({{"name", "github"}, {"enabled", true}}));

        const QByteArray rotated = canary();
        Run rotate = keyward(home, {QStringLiteral("rotate"), QStringLiteral("github")}, rotated + "\r\n");
        QVERIFY2(rotate.exitCode == 0, rotate.err.constData());
        if (const auto stored = keychainEntry(home, QStringLiteral("service/github")))
            QCOMPARE(*stored, rotated);

        verifyNoFileHolds(home, secret);
        verifyNoFileHolds(home, rotated);
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("config.json.bak"))));

        Run remove = keyward(home, {QStringLiteral("remove"), QStringLiteral("github")});
        QVERIFY2(remove.exitCode == 0, remove.err.constData());
        if (const auto stored = keychainEntry(home, QStringLiteral("service/github")))
            QVERIFY(stored->isEmpty());
        list = keyward(home, {QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(list.out.isEmpty());

        // Every change is in the audit log as a `change` row, in order, and the chain verifies.
        Run log = run(home, {QStringLiteral("log"), QStringLiteral("--json")});
        QVERIFY2(log.exitCode == 0, log.err.constData());
        const QList<QByteArray> rows = log.out.trimmed().split('\n');
        const QList<QPair<QString, QString>> expected = {
            {QStringLiteral("service add"), QStringLiteral("added with base URL https://api.example.com/v1, auth header X-Api-Key")},
            {QStringLiteral("service disable"), QStringLiteral("disabled")},
            {QStringLiteral("service enable"), QStringLiteral("enabled")},
            {QStringLiteral("service rotate"), QStringLiteral("secret replaced")},
            {QStringLiteral("service remove"), QStringLiteral("removed with its secret")},
        };
        QCOMPARE(rows.size(), expected.size());
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const json row = json::parse(rows.at(i).toStdString());
            QCOMPARE(row["decision"], json("change"));
            QCOMPARE(QString::fromStdString(row["method"].get<std::string>()), expected.at(i).first);
            QCOMPARE(row["path"], json("github"));
            QCOMPARE(row["service"], json("github"));
            QCOMPARE(row["agent"], json("cli"));
            QCOMPARE(row["client"], json("keyward-cli"));
            const QString reason = QString::fromStdString(row["reason"].get<std::string>());
            QVERIFY2(reason.startsWith(expected.at(i).second), qPrintable(reason));
        }
        Run verify = run(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, verify.out.constData());
        QVERIFY2(verify.out.startsWith("ok: 5 rows"), verify.out.constData());
        verifyNoFileHolds(home, secret);
        verifyNoFileHolds(home, rotated);

        QVERIFY2(!m_printed.contains(secret) && !m_printed.contains(rotated), "a secret was printed");
        QVERIFY(!m_printed.contains("kw-canary"));
    }

    void noOpEnableRecordsNoChange()
    {
        keyward::test::TempHome home;
        QCOMPARE(keyward(home, addArgs(QStringLiteral("quiet")), "kw-canary-quiet\n").exitCode, 0);
        Run enable = keyward(home, {QStringLiteral("enable"), QStringLiteral("quiet")});
        QCOMPARE(enable.exitCode, 0);
        QVERIFY2(enable.err.contains("already enabled"), enable.err.constData());
        Run log = run(home, {QStringLiteral("log"), QStringLiteral("--json"), QStringLiteral("--decision"), QStringLiteral("change")});
        QCOMPARE(log.out.trimmed().split('\n').size(), 1);
        QCOMPARE(keyward(home, {QStringLiteral("remove"), QStringLiteral("quiet")}).exitCode, 0);
    }

    void unrecordedChangeFailsButSaysItHappened()
    {
        keyward::test::TempHome home;
        m_printed.clear();
        // audit.db cannot be opened: a directory stands where the file goes.
        QVERIFY(QDir(home.path()).mkdir(QStringLiteral("audit.db")));
        Run add = keyward(home, addArgs(QStringLiteral("unaudited")) << QStringLiteral("--json"), "kw-canary-unaudited\n");
        QCOMPARE(add.exitCode, 1);
        const json error = json::parse(add.out.toStdString());
        QCOMPARE(error["error"]["code"], json("audit_error"));
        const QString message = QString::fromStdString(error["error"]["message"].get<std::string>());
        QVERIFY2(message.startsWith(QStringLiteral("Added service 'unaudited' and stored its secret, but the change could "
                                                   "not be recorded in the audit log: ")),
                 qPrintable(message));
        // The change itself stands.
        Run list = keyward(home, {QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY(list.out.contains("\"unaudited\""));

        Run disable = keyward(home, {QStringLiteral("disable"), QStringLiteral("unaudited")});
        QCOMPARE(disable.exitCode, 1);
        QVERIFY2(disable.err.contains("Service 'unaudited' is now disabled, but the change could not be recorded"),
                 disable.err.constData());

        QVERIFY(QDir(home.filePath(QStringLiteral("audit.db"))).removeRecursively());
        QCOMPARE(keyward(home, {QStringLiteral("remove"), QStringLiteral("unaudited")}).exitCode, 0);
        QVERIFY(!m_printed.contains("kw-canary"));
    }

    void duplicateNameIsRefused()
    {
        keyward::test::TempHome home;
        QCOMPARE(keyward(home, addArgs(QStringLiteral("dup")), "first-secret\n").exitCode, 0);
        Run again = keyward(home, addArgs(QStringLiteral("dup")) << QStringLiteral("--json"), "second-secret\n");
        QCOMPARE(again.exitCode, 1);
        QCOMPARE(json::parse(again.out.toStdString())["error"]["code"], json("exists"));
        if (const auto stored = keychainEntry(home, QStringLiteral("service/dup")))
            QCOMPARE(*stored, QByteArray("first-secret"));
        QCOMPARE(keyward(home, {QStringLiteral("remove"), QStringLiteral("dup")}).exitCode, 0);
    }

    void badSecretIsRefused_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("empty stdin") << QByteArray();
        QTest::newRow("only a newline") << QByteArray("\n");
        QTest::newRow("only CRLF") << QByteArray("\r\n");
        QTest::newRow("over 64 KiB") << QByteArray(64 * 1024 + 1, 'a');
        QTest::newRow("two lines") << QByteArray("kw-canary-a\nkw-canary-b\n");
    }
    void badSecretIsRefused()
    {
        QFETCH(QByteArray, input);
        keyward::test::TempHome home;
        m_printed.clear();
        Run add = keyward(home, addArgs(QStringLiteral("svc")), input);
        QCOMPARE(add.exitCode, 1);
        QVERIFY(add.err.contains("secret"));
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
        QVERIFY(!m_printed.contains("kw-canary"));
    }

    void badFlagIsAUsageError_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        const QString base = QStringLiteral("https://api.example.com");
        const auto add = [&base](const QStringList &extra) {
            return QStringList{QStringLiteral("add"), QStringLiteral("svc"), QStringLiteral("--base-url"), base,
                               QStringLiteral("--auth"), QStringLiteral("bearer")} + extra;
        };
        QTest::newRow("no base url") << QStringList{QStringLiteral("add"), QStringLiteral("svc"), QStringLiteral("--auth"), QStringLiteral("bearer")} << QStringLiteral("--base-url");
        QTest::newRow("http base url") << QStringList{QStringLiteral("add"), QStringLiteral("svc"), QStringLiteral("--base-url"), QStringLiteral("http://api.example.com"), QStringLiteral("--auth"), QStringLiteral("bearer")} << QStringLiteral("--base-url");
        QTest::newRow("no auth") << QStringList{QStringLiteral("add"), QStringLiteral("svc"), QStringLiteral("--base-url"), base} << QStringLiteral("--auth");
        QTest::newRow("unknown auth") << add({}).replaceInStrings(QStringLiteral("bearer"), QStringLiteral("token")) << QStringLiteral("--auth");
        QTest::newRow("header auth without header") << add({}).replaceInStrings(QStringLiteral("bearer"), QStringLiteral("header")) << QStringLiteral("--header");
        QTest::newRow("param with bearer") << add({QStringLiteral("--param"), QStringLiteral("k")}) << QStringLiteral("--param");
        QTest::newRow("invalid name") << QStringList{QStringLiteral("add"), QStringLiteral("Bad_Name"), QStringLiteral("--base-url"), base, QStringLiteral("--auth"), QStringLiteral("bearer")} << QStringLiteral("NAME");
        QTest::newRow("timeout without unit") << add({QStringLiteral("--timeout"), QStringLiteral("30")}) << QStringLiteral("--timeout");
        QTest::newRow("timeout too long") << add({QStringLiteral("--timeout"), QStringLiteral("2h")}) << QStringLiteral("--timeout");
        QTest::newRow("size in MB") << add({QStringLiteral("--max-response"), QStringLiteral("10MB")}) << QStringLiteral("--max-response");
        QTest::newRow("lowercase rule method") << add({QStringLiteral("--allow"), QStringLiteral("get /x")}) << QStringLiteral("--allow");
        QTest::newRow("rule without path") << add({QStringLiteral("--deny"), QStringLiteral("DELETE")}) << QStringLiteral("--deny");
        QTest::newRow("set-header Authorization") << add({QStringLiteral("--set-header"), QStringLiteral("Authorization: Bearer x")}) << QStringLiteral("--set-header");
        QTest::newRow("set-header without colon") << add({QStringLiteral("--set-header"), QStringLiteral("X-Foo")}) << QStringLiteral("--set-header");
        QTest::newRow("missing ca file") << add({QStringLiteral("--ca-file"), QStringLiteral("/nonexistent/ca.pem")}) << QStringLiteral("--ca-file");
        QTest::newRow("ca file without a certificate") << add({QStringLiteral("--ca-file"), QStringLiteral(KEYWARD_BINARY)}) << QStringLiteral("--ca-file");
        QTest::newRow("test path relative") << add({QStringLiteral("--test-path"), QStringLiteral("user")}) << QStringLiteral("--test-path");
        QTest::newRow("base url twice") << add({QStringLiteral("--base-url"), base}) << QStringLiteral("--base-url");
        QTest::newRow("secret flag does not exist") << add({QStringLiteral("--secret"), QStringLiteral("kw-canary-flag")}) << QStringLiteral("secret");
        QTest::newRow("unknown action") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("add, list");
        QTest::newRow("show without name") << QStringList{QStringLiteral("show")} << QStringLiteral("NAME");
    }
    void badFlagIsAUsageError()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        keyward::test::TempHome home;
        Run run = keyward(home, args, "kw-canary-stdin\n");
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(QString::fromUtf8(run.err).contains(named), run.err.constData());
        QVERIFY(!run.err.contains("kw-canary"));
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
    }

    void missingServiceIsAFailure_data()
    {
        QTest::addColumn<QString>("action");
        for (const char *action : {"show", "remove", "enable", "disable", "rotate"})
            QTest::newRow(action) << QString::fromLatin1(action);
    }
    void missingServiceIsAFailure()
    {
        QFETCH(QString, action);
        keyward::test::TempHome home;
        Run run = keyward(home, {action, QStringLiteral("ghost"), QStringLiteral("--json")}, "s\n");
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(json::parse(run.out.toStdString())["error"]["code"], json("not_found"));
    }

    void invalidConfigIsReportedWithItsPointer()
    {
        keyward::test::TempHome home;
        QFile file(home.filePath(QStringLiteral("config.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"version\": 1, \"services\": {\"x\": {\"baseUrl\": \"https://x.io\", \"auth\": {\"type\": \"token\"}}}}");
        file.close();
        Run list = keyward(home, {QStringLiteral("list")});
        QCOMPARE(list.exitCode, 1);
        QVERIFY2(list.err.contains("/services/x/auth/type: expected one of bearer, basic, header, query"), list.err.constData());
    }

    void heldLockNamesTheHolder()
    {
        keyward::test::TempHome home;
        QDir().mkpath(home.filePath(QStringLiteral("run")));
        QLockFile lock(home.filePath(QStringLiteral("run/lock")));
        QVERIFY(lock.tryLock());
        Run add = keyward(home, addArgs(QStringLiteral("locked")), "secret\n");
        QCOMPARE(add.exitCode, 1);
        QVERIFY2(add.err.contains(QByteArray::number(QCoreApplication::applicationPid())), add.err.constData());
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
    }
};

QTEST_GUILESS_MAIN(TestServiceCli)
#include "tst_service_cli.moc"
