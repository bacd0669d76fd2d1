// End to end: `keyward reset` on a throwaway KEYWARD_HOME with the real keychain of the session
// (ctest runs this inside dbus-run-session with an unlocked gnome-keyring). Reset removes every
// secret the config names (service/<name>, env/<ref>) and every file of the home; it asks for the
// word `reset` on a terminal, refuses to run unconfirmed without one, and stops before touching
// any file when the keychain cannot remove an entry.

#include "core/keywardhome.h"
#include "secrets/keychainstore.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <optional>

using json = nlohmann::json;
using keyward::KeychainStore;
using keyward::KeywardHome;
using keyward::Result;
using keyward::test::TempHome;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runProgram(const QString &program, const QStringList &args, const QProcessEnvironment &env, const QByteArray &input)
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, args);
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
    return run;
}

QProcessEnvironment environmentFor(const TempHome &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
    return env;
}

Run runKeyward(const TempHome &home, const QStringList &args, const QByteArray &input = {})
{
    return runProgram(QStringLiteral(KEYWARD_BINARY), args, environmentFor(home), input);
}

// One SecretStore call run to its answer.
template <typename T, typename Start>
std::optional<Result<T>> await(Start start)
{
    std::optional<Result<T>> answer;
    start([&answer](Result<T> result) { answer = std::move(result); });
    const QDeadlineTimer deadline(30000);
    while (!answer && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return answer;
}

const QByteArray kServiceSecret = "kw-canary-service-secret";
const QByteArray kEnvSecret = "kw-canary-env-secret";

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    file.write(content);
    file.close();
    return file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace

class TestResetCli : public QObject {
    Q_OBJECT

    // What the keychain holds for `key` under `home`'s service name: the secret, or the error
    // code ("not_found" once removed).
    static QString keychainState(const TempHome &home, const QString &key)
    {
        KeychainStore store(KeywardHome::atDirectory(home.path()).keychainServiceName());
        const auto read = await<QByteArray>([&](auto done) { store.read(key, done); });
        if (!read)
            return QStringLiteral("no answer");
        return *read ? QString::fromUtf8(read->value()) : read->error().code;
    }

    // A home with service `gh` (added through the CLI), run reference `tok` whose env secret is in
    // the keychain, an audit log, state.json and keyward.log.
    static bool populate(const TempHome &home)
    {
        const Run add = runKeyward(home,
                                {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("gh"),
                                 QStringLiteral("--base-url"), QStringLiteral("https://api.github.com"),
                                 QStringLiteral("--auth"), QStringLiteral("bearer")},
                                kServiceSecret + '\n');
        if (add.exitCode != 0) {
            qWarning("service add failed: %s", add.err.constData());
            return false;
        }
        // A run reference as `keyward run` will record it: only its name matters to reset.
        QFile config(home.filePath(QStringLiteral("config.json")));
        if (!config.open(QIODevice::ReadOnly))
            return false;
        const QByteArray previous = config.readAll();
        config.close();
        json document = json::parse(previous.toStdString());
        // As a save does: the previous file becomes config.json.bak.
        if (!writeFile(home.filePath(QStringLiteral("config.json.bak")), previous))
            return false;
        document["runRefs"] = {{"tok", {{"env", "GITHUB_TOKEN"}, {"command", {"/usr/bin/true"}}}}};
        if (!writeFile(config.fileName(), QByteArray::fromStdString(document.dump(2))))
            return false;
        KeychainStore store(KeywardHome::atDirectory(home.path()).keychainServiceName());
        const auto written = await<void>([&](auto done) { store.write(QStringLiteral("env/tok"), kEnvSecret, done); });
        return written && *written && writeFile(home.filePath(QStringLiteral("state.json")), "{}")
            && writeFile(home.filePath(QStringLiteral("keyward.log")), "log line\n");
    }

    static QStringList homeFiles() { return {QStringLiteral("config.json"), QStringLiteral("config.json.bak"),
                                             QStringLiteral("state.json"), QStringLiteral("audit.db"),
                                             QStringLiteral("keyward.log")}; }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QSKIP("no D-Bus session: run under dbus-run-session with an unlocked gnome-keyring (see tests/CMakeLists.txt)");
    }

    void resetWithYesRemovesEverySecretAndFile()
    {
        TempHome home;
        QVERIFY(populate(home));
        for (const QString &name : homeFiles())
            QVERIFY2(QFile::exists(home.filePath(name)), qPrintable(name));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QString::fromUtf8(kServiceSecret));
        QCOMPARE(keychainState(home, QStringLiteral("env/tok")), QString::fromUtf8(kEnvSecret));

        const Run reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes"), QStringLiteral("--json")});
        QVERIFY2(reset.exitCode == 0, reset.err.constData());
        const json report = json::parse(reset.out.toStdString());
        QCOMPARE(report["reset"], json(true));
        QCOMPARE(report["secrets"], json({"service/gh", "env/tok"}));
        QVERIFY(report["files"].size() >= 5);
        QVERIFY(!reset.out.contains("kw-canary") && !reset.err.contains("kw-canary"));

        for (const QString &name : homeFiles())
            QVERIFY2(!QFile::exists(home.filePath(name)), qPrintable(name));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QStringLiteral("not_found"));
        QCOMPARE(keychainState(home, QStringLiteral("env/tok")), QStringLiteral("not_found"));

        // The home starts over: the same name can be added again, and the audit is new.
        const Run again = runKeyward(home,
                                  {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("gh"),
                                   QStringLiteral("--base-url"), QStringLiteral("https://api.github.com"),
                                   QStringLiteral("--auth"), QStringLiteral("bearer")},
                                  "kw-canary-again\n");
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const Run verify = runKeyward(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QVERIFY2(verify.out.startsWith("ok: 1 rows"), verify.out.constData());
        QCOMPARE(runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")}).exitCode, 0);
    }

    void resetOfAnEmptyHomeSucceeds()
    {
        TempHome home;
        const Run reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")});
        QVERIFY2(reset.exitCode == 0, reset.err.constData());
        QVERIFY2(reset.err.contains("removed no secrets"), reset.err.constData());
    }

    void withoutTerminalOrYesItIsAUsageError()
    {
        TempHome home;
        QVERIFY(populate(home));
        Run reset = runKeyward(home, {QStringLiteral("reset")}, "reset\n");
        QCOMPARE(reset.exitCode, 2);
        QVERIFY2(reset.err.contains("--yes"), reset.err.constData());
        reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--json")});
        QCOMPARE(reset.exitCode, 2);
        QCOMPARE(json::parse(reset.out.toStdString())["error"]["code"], json("usage"));

        for (const QString &name : homeFiles())
            QVERIFY2(QFile::exists(home.filePath(name)), qPrintable(name));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QString::fromUtf8(kServiceSecret));
        QCOMPARE(runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")}).exitCode, 0);
    }

    void onATerminalItAsksForTheWord()
    {
        const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
        if (script.isEmpty())
            QSKIP("script(1) (util-linux) is not installed: no way to give keyward a terminal");
        TempHome home;
        QVERIFY(populate(home));
        const QString command = QStringLiteral("'%1' reset").arg(QStringLiteral(KEYWARD_BINARY));
        const QStringList args = {QStringLiteral("-qec"), command, QStringLiteral("/dev/null")};

        Run declined = runProgram(script, args, environmentFor(home), "yes\n");
        QVERIFY2(declined.exitCode == 1, declined.out.constData());
        QVERIFY2(declined.out.contains("Type reset to confirm"), declined.out.constData());
        QVERIFY2(declined.out.contains("service/gh, env/tok"), declined.out.constData());
        QVERIFY2(declined.out.contains("nothing was removed"), declined.out.constData());
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("config.json"))));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QString::fromUtf8(kServiceSecret));

        Run confirmed = runProgram(script, args, environmentFor(home), "reset\n");
        QVERIFY2(confirmed.exitCode == 0, confirmed.out.constData());
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral("config.json"))));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QStringLiteral("not_found"));
        QCOMPARE(keychainState(home, QStringLiteral("env/tok")), QStringLiteral("not_found"));
    }

    void keychainFailureKeepsTheFilesAndNamesWhatRemains()
    {
        TempHome home;
        QVERIFY(populate(home));
        QProcessEnvironment broken = environmentFor(home);
        broken.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/keyward-bus"));
        const Run reset = runProgram(QStringLiteral(KEYWARD_BINARY), {QStringLiteral("reset"), QStringLiteral("--yes")},
                                     broken, {});
        QCOMPARE(reset.exitCode, 1);
        QVERIFY2(reset.err.contains("2 entries are still in the keychain (service/gh, env/tok)"), reset.err.constData());
        QVERIFY2(reset.err.contains("kept"), reset.err.constData());
        for (const QString &name : homeFiles())
            QVERIFY2(QFile::exists(home.filePath(name)), qPrintable(name));

        // With the keychain back, running it again finishes the job.
        QCOMPARE(runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")}).exitCode, 0);
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QStringLiteral("not_found"));
        QCOMPARE(keychainState(home, QStringLiteral("env/tok")), QStringLiteral("not_found"));
    }

    void unreadableConfigRemovesNothing()
    {
        TempHome home;
        QVERIFY(populate(home));
        QVERIFY(writeFile(home.filePath(QStringLiteral("config.json")), "{\"version\": 1, \"services\": {"));
        const Run reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")});
        QCOMPARE(reset.exitCode, 1);
        QVERIFY2(reset.err.contains("not valid JSON") && reset.err.contains("nothing was removed"), reset.err.constData());
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("audit.db"))));
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QString::fromUtf8(kServiceSecret));

        // A config that parses but fails the schema still names its secrets.
        QVERIFY(writeFile(home.filePath(QStringLiteral("config.json")),
                          R"({"version": 1, "services": {"gh": {"auth": {"type": "token"}}}, "runRefs": {"tok": {}}})"));
        QCOMPARE(runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")}).exitCode, 0);
        QCOMPARE(keychainState(home, QStringLiteral("service/gh")), QStringLiteral("not_found"));
        QCOMPARE(keychainState(home, QStringLiteral("env/tok")), QStringLiteral("not_found"));
    }

    void heldLockRemovesNothing()
    {
        TempHome home;
        QVERIFY(populate(home));
        QLockFile lock(home.filePath(QStringLiteral("run/lock")));
        QVERIFY(lock.tryLock());
        const Run reset = runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")});
        QCOMPARE(reset.exitCode, 1);
        QVERIFY2(reset.err.contains(QByteArray::number(QCoreApplication::applicationPid())), reset.err.constData());
        QVERIFY(QFile::exists(home.filePath(QStringLiteral("config.json"))));
        lock.unlock();
        QCOMPARE(runKeyward(home, {QStringLiteral("reset"), QStringLiteral("--yes")}).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestResetCli)
#include "tst_reset_cli.moc"
