// End to end: the built `keyward` with settings.secretStore "file" and KEYWARD_PASSPHRASE_FILE.
// `service add|rotate|remove` keep the secret in the encrypted secrets.kwv (checked by opening it
// with FileStore) and never in the session's keychain (checked with KeychainStore under the
// home's service name; ctest runs this inside dbus-run-session with an unlocked gnome-keyring).
// A missing, unsafe or wrong passphrase gives a clear error and changes nothing. `doctor` checks
// the file store instead of the keychain, and `reset` removes it without a passphrase.

#include "core/keywardhome.h"
#include "secrets/filestore.h"
#include "secrets/keychainstore.h"
#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "support/mcpstdioprocess.h"
#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>
#include <sys/stat.h>

using json = nlohmann::json;
using keyward::FileStore;
using keyward::KeywardHome;
using keyward::test::TempHome;

namespace {

const QByteArray kPassphrase = "a long enough passphrase";

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

bool writeFile(const QString &path, const QByteArray &content, mode_t mode = 0600)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return false;
    file.close();
    return ::chmod(QFile::encodeName(path).constData(), mode) == 0;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A home whose config picks the encrypted file store.
bool useFileStore(const TempHome &home)
{
    return writeFile(home.filePath(QStringLiteral("config.json")),
                     "{\"version\": 1, \"settings\": {\"secretStore\": \"file\"}}\n");
}

QStringList addArgs(const QString &name)
{
    return {QStringLiteral("service"), QStringLiteral("add"), name, QStringLiteral("--base-url"),
            QStringLiteral("https://api.example.com/v1"), QStringLiteral("--auth"), QStringLiteral("bearer")};
}

// What the secrets.kwv of `home` holds under `key` (opened with `passphrase`).
keyward::Result<QByteArray> fileEntry(const TempHome &home, const QString &key, const QByteArray &passphrase = kPassphrase)
{
    FileStore store(FileStore::pathIn(KeywardHome::atDirectory(home.path())));
    if (auto unlocked = store.unlock(passphrase); !unlocked)
        return unlocked.error();
    return store.readNow(key);
}

// What the session's keychain answers for `key` under the home's service name.
std::optional<keyward::Result<QByteArray>> keychainEntry(const TempHome &home, const QString &key)
{
    keyward::KeychainStore store(KeywardHome::atDirectory(home.path()).keychainServiceName());
    std::optional<keyward::Result<QByteArray>> answer;
    store.read(key, [&answer](keyward::Result<QByteArray> result) { answer = std::move(result); });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }, 15000))
        return std::nullopt;
    return answer;
}

} // namespace

class TestFileStoreCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_secrets; // outside every home: where the passphrase files live
    QByteArray m_printed;    // everything keyward printed, to look for secrets at the end

    QString passphraseFile(const QByteArray &passphrase = kPassphrase, mode_t mode = 0600)
    {
        static int counter = 0;
        const QString path = m_secrets.filePath(QStringLiteral("passphrase-%1").arg(++counter));
        return writeFile(path, passphrase + '\n', mode) ? path : QString();
    }

    // `keyward ARGS...` on `home`; `passphraseFile` empty leaves KEYWARD_PASSPHRASE_FILE unset.
    Run run(const TempHome &home, const QStringList &args, const QString &passphraseFile, const QByteArray &input = {},
            const QProcessEnvironment &base = QProcessEnvironment::systemEnvironment())
    {
        QProcessEnvironment env = base;
        env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
        env.remove(QStringLiteral("KEYWARD_PASSPHRASE_FILE"));
        if (!passphraseFile.isEmpty())
            env.insert(QStringLiteral("KEYWARD_PASSPHRASE_FILE"), passphraseFile);
        QProcess process;
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(KEYWARD_BINARY), args);
        Run result;
        if (!process.waitForStarted(10000))
            return result;
        process.write(input);
        process.closeWriteChannel();
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        m_printed += result.out + result.err;
        return result;
    }

    // No file under `home` holds `secret` in the clear.
    static void verifyNotOnDisk(const TempHome &home, const QByteArray &secret)
    {
        QDirIterator it(home.path(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QByteArray content = readFile(path);
            QVERIFY2(!content.contains(secret), qPrintable(path));
            QVERIFY2(!content.contains(secret.toBase64()), qPrintable(path));
        }
    }

private Q_SLOTS:
    void initTestCase();
    void serviceCommandsKeepTheSecretInTheEncryptedFileOnly();
    void missingPassphraseGivesTheClearErrorAndChangesNothing();
    void passphraseIsAskedOnATerminal();
    void unsafePassphraseFileIsRefused();
    void wrongPassphraseIsRefusedAndChangesNothing();
    void doctorChecksTheFileStoreInsteadOfTheKeychain();
    void doctorWithoutKeychainPointsAtTheFileStore();
    void resetRemovesTheFileWithoutAPassphrase();
    void ownerServesCallsOnceUnlocked();
    void cleanupTestCase();
};

void TestFileStoreCli::initTestCase()
{
    QVERIFY(m_secrets.isValid());
    QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"),
             "run inside the test session (installers/linux/test-session.sh), which provides the keychain");
}

void TestFileStoreCli::serviceCommandsKeepTheSecretInTheEncryptedFileOnly()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    const QString passphrase = passphraseFile();
    const QByteArray canary = keyward::test::randomCanary();

    const Run add = run(home, addArgs(QStringLiteral("github")), passphrase, canary + '\n');
    QVERIFY2(add.exitCode == 0, add.err.constData());
    QVERIFY2(add.err.contains("its secret is in the encrypted file secrets.kwv"), add.err.constData());
    const QString path = FileStore::pathIn(KeywardHome::atDirectory(home.path()));
    QVERIFY(QFileInfo(path).isFile());
    struct stat info {};
    QVERIFY(::stat(QFile::encodeName(path).constData(), &info) == 0);
    QCOMPARE(unsigned(info.st_mode) & 07777u, 0600u);

    auto stored = fileEntry(home, QStringLiteral("service/github"));
    QVERIFY2(stored, stored ? "" : qPrintable(stored.error().message));
    QCOMPARE(stored.value(), canary);
    const auto inKeychain = keychainEntry(home, QStringLiteral("service/github"));
    QVERIFY2(inKeychain, "the keychain did not answer");
    QVERIFY2(!inKeychain->ok() && inKeychain->error().code == QLatin1String("not_found"),
             inKeychain->ok() ? "the secret was written to the keychain" : qPrintable(inKeychain->error().message));
    verifyNotOnDisk(home, canary);

    const QByteArray rotated = keyward::test::randomCanary();
    const Run rotate = run(home, {QStringLiteral("service"), QStringLiteral("rotate"), QStringLiteral("github")}, passphrase,
                           rotated + '\n');
    QVERIFY2(rotate.exitCode == 0, rotate.err.constData());
    stored = fileEntry(home, QStringLiteral("service/github"));
    QVERIFY(stored);
    QCOMPARE(stored.value(), rotated);
    verifyNotOnDisk(home, rotated);

    // A second service lands in the same file next to the first.
    const QByteArray other = keyward::test::randomCanary();
    QCOMPARE(run(home, addArgs(QStringLiteral("other")), passphrase, other + '\n').exitCode, 0);
    QCOMPARE(fileEntry(home, QStringLiteral("service/other")).value(), other);
    QCOMPARE(fileEntry(home, QStringLiteral("service/github")).value(), rotated);

    const Run remove = run(home, {QStringLiteral("service"), QStringLiteral("remove"), QStringLiteral("github")}, passphrase);
    QVERIFY2(remove.exitCode == 0, remove.err.constData());
    QCOMPARE(fileEntry(home, QStringLiteral("service/github")).error().code, QStringLiteral("not_found"));
    QCOMPARE(fileEntry(home, QStringLiteral("service/other")).value(), other);
    const Run list = run(home, {QStringLiteral("service"), QStringLiteral("list"), QStringLiteral("--json")}, QString());
    QCOMPARE(list.exitCode, 0);
    QVERIFY(!list.out.contains("\"github\""));
    QVERIFY(list.out.contains("\"other\""));

    // The audit names the store, never the secret.
    const Run log = run(home, {QStringLiteral("log"), QStringLiteral("--json")}, QString());
    QVERIFY2(log.exitCode == 0, log.err.constData());
    QVERIFY(log.out.contains("secret stored in the encrypted file secrets.kwv"));

    for (const QByteArray &secret : {canary, rotated, other})
        QVERIFY(!m_printed.contains(secret));
}

void TestFileStoreCli::missingPassphraseGivesTheClearErrorAndChangesNothing()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    const QByteArray before = readFile(home.filePath(QStringLiteral("config.json")));

    const Run add = run(home, addArgs(QStringLiteral("github")), QString(), "kw-secret\n");
    QCOMPARE(add.exitCode, 1);
    QVERIFY2(add.err.startsWith("keyward: store locked: run keyward unlock"), add.err.constData());
    QVERIFY2(add.err.contains("KEYWARD_PASSPHRASE_FILE"), add.err.constData());
    QVERIFY(!QFileInfo::exists(FileStore::pathIn(KeywardHome::atDirectory(home.path()))));
    QCOMPARE(readFile(home.filePath(QStringLiteral("config.json"))), before);

    const Run asJson = run(home, addArgs(QStringLiteral("github")) << QStringLiteral("--json"), QString(), "kw-secret\n");
    QCOMPARE(asJson.exitCode, 1);
    const auto error = json::parse(asJson.out.toStdString(), nullptr, false);
    QVERIFY2(error.is_object(), asJson.out.constData());
    QCOMPARE(error["error"]["code"], json("keychain_error"));
    QVERIFY(QString::fromStdString(error["error"]["message"].get<std::string>()).startsWith(FileStore::lockedMessage()));
}

namespace {

// Runs `keyward ARGS...` on a pseudo-terminal (util-linux `script`), answering each prompt in
// `dialogue` (prompt text -> line to type) once it appears. Returns the exit code and everything
// the terminal showed.
Run onTerminal(const TempHome &home, const QStringList &args, const QList<QPair<QByteArray, QByteArray>> &dialogue)
{
    Run result;
    const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
    if (script.isEmpty())
        return result;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
    env.remove(QStringLiteral("KEYWARD_PASSPHRASE_FILE"));
    QProcess process;
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    QStringList command{QStringLiteral(KEYWARD_BINARY)};
    for (const QString &arg : args)
        command << QLatin1Char('\'') + arg + QLatin1Char('\'');
    process.start(script, {QStringLiteral("-qec"), command.join(u' '), QStringLiteral("/dev/null")});
    if (!process.waitForStarted(10000))
        return result;
    qsizetype seen = 0;
    for (const auto &[prompt, answer] : dialogue) {
        QElapsedTimer timer;
        timer.start();
        while (result.out.indexOf(prompt, seen) < 0 && timer.elapsed() < 20000 && process.state() == QProcess::Running) {
            process.waitForReadyRead(100);
            result.out += process.readAll();
        }
        const qsizetype at = result.out.indexOf(prompt, seen);
        if (at < 0)
            break;
        seen = at + prompt.size();
        QTest::qWait(100); // the prompt is shown before echo is turned off and input flushed
        process.write(answer + '\r');
    }
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
    }
    result.out += process.readAll();
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return result;
}

} // namespace

void TestFileStoreCli::passphraseIsAskedOnATerminal()
{
    if (QStandardPaths::findExecutable(QStringLiteral("script")).isEmpty())
        QSKIP("util-linux `script` is not installed; it provides the terminal");
    TempHome home;
    QVERIFY(useFileStore(home));
    const QString path = FileStore::pathIn(KeywardHome::atDirectory(home.path()));
    const QByteArray secret = "kw-typed-secret";
    const QByteArray passphrase = "typed passphrase 1234";

    // A new store asks for the passphrase twice; a mismatch stores nothing.
    const Run mismatch = onTerminal(home, addArgs(QStringLiteral("github")),
                                    {{"Secret for github", secret},
                                     {"New passphrase for", passphrase},
                                     {"Repeat the passphrase", "something else"}});
    QVERIFY2(mismatch.exitCode == 1, mismatch.out.constData());
    QVERIFY2(mismatch.out.contains("the two passphrases differ"), mismatch.out.constData());
    QVERIFY(!QFileInfo::exists(path));

    const Run add = onTerminal(home, addArgs(QStringLiteral("github")),
                               {{"Secret for github", secret},
                                {"New passphrase for", passphrase},
                                {"Repeat the passphrase", passphrase}});
    QVERIFY2(add.exitCode == 0, add.out.constData());
    QVERIFY2(!add.out.contains(secret) && !add.out.contains(passphrase), "typed input was echoed");
    QCOMPARE(fileEntry(home, QStringLiteral("service/github"), passphrase).value(), secret);

    // An existing store asks once; a wrong passphrase is refused.
    const Run wrong = onTerminal(home, {QStringLiteral("service"), QStringLiteral("remove"), QStringLiteral("github")},
                                 {{"Passphrase for", "not it at all"}});
    QVERIFY2(wrong.exitCode == 1, wrong.out.constData());
    QVERIFY2(wrong.out.contains("wrong passphrase for secrets.kwv"), wrong.out.constData());
    QVERIFY(!wrong.out.contains("Repeat"));
    const Run remove = onTerminal(home, {QStringLiteral("service"), QStringLiteral("remove"), QStringLiteral("github")},
                                  {{"Passphrase for", passphrase}});
    QVERIFY2(remove.exitCode == 0, remove.out.constData());
    QCOMPARE(fileEntry(home, QStringLiteral("service/github"), passphrase).error().code, QStringLiteral("not_found"));
}

void TestFileStoreCli::unsafePassphraseFileIsRefused()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    const QString loose = passphraseFile(kPassphrase, 0644);
    const Run add = run(home, addArgs(QStringLiteral("github")), loose, "kw-secret\n");
    QCOMPARE(add.exitCode, 1);
    QVERIFY2(add.err.contains(loose.toUtf8()), add.err.constData());
    QVERIFY2(add.err.contains("accessible by group or others (mode 0644): run chmod 600 on it"), add.err.constData());
    QVERIFY(!add.err.contains(kPassphrase));
    QVERIFY(!QFileInfo::exists(FileStore::pathIn(KeywardHome::atDirectory(home.path()))));

    const Run missing = run(home, addArgs(QStringLiteral("github")), m_secrets.filePath(QStringLiteral("nope")), "kw-secret\n");
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("does not exist"), missing.err.constData());
}

void TestFileStoreCli::wrongPassphraseIsRefusedAndChangesNothing()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    QCOMPARE(run(home, addArgs(QStringLiteral("github")), passphraseFile(), "kw-first\n").exitCode, 0);
    const QString path = FileStore::pathIn(KeywardHome::atDirectory(home.path()));
    const QByteArray storeBefore = readFile(path);
    const QByteArray configBefore = readFile(home.filePath(QStringLiteral("config.json")));

    const Run add = run(home, addArgs(QStringLiteral("second")), passphraseFile("another passphrase"), "kw-second\n");
    QCOMPARE(add.exitCode, 1);
    QVERIFY2(add.err.contains(QStringLiteral("wrong passphrase for secrets.kwv (%1)").arg(path).toUtf8()), add.err.constData());
    QVERIFY(!add.err.contains("another passphrase"));
    QCOMPARE(readFile(path), storeBefore);
    QCOMPARE(readFile(home.filePath(QStringLiteral("config.json"))), configBefore);
}

void TestFileStoreCli::doctorChecksTheFileStoreInsteadOfTheKeychain()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    QCOMPARE(run(home, addArgs(QStringLiteral("github")), passphraseFile(), "kw-secret\n").exitCode, 0);

    // No D-Bus at all: the keychain is not needed.
    QTemporaryDir emptyRuntimeDir;
    QProcessEnvironment headless = QProcessEnvironment::systemEnvironment();
    headless.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    headless.remove(QStringLiteral("DISPLAY"));
    headless.remove(QStringLiteral("WAYLAND_DISPLAY"));
    headless.insert(QStringLiteral("XDG_RUNTIME_DIR"), emptyRuntimeDir.path());
    const Run doctor = run(home, {QStringLiteral("doctor"), QStringLiteral("--json")}, passphraseFile(), {}, headless);
    QVERIFY2(doctor.exitCode == 0, doctor.out.constData());
    const json report = json::parse(doctor.out.toStdString());
    std::vector<std::string> names;
    for (const auto &check : report.at("checks"))
        names.push_back(check.at("name").get<std::string>());
    QCOMPARE(names, (std::vector<std::string>{"dbus-session", "secret-service", "secret-file", "home", "config", "audit", "owner", "tray-host", "notifications"}));
    const json &file = report.at("checks").at(2);
    QCOMPARE(file.at("ok"), json(true));
    QVERIFY2(file.at("message").get<std::string>().find("opens with the passphrase from KEYWARD_PASSPHRASE_FILE (1 secret)")
                 != std::string::npos,
             file.dump().c_str());
    QVERIFY(report.at("checks").at(0).at("message").get<std::string>().find("not needed") != std::string::npos);

    // A wrong passphrase and a loosened mode fail with their fix.
    const Run wrong = run(home, {QStringLiteral("doctor"), QStringLiteral("--json")}, passphraseFile("not the passphrase"), {}, headless);
    QCOMPARE(wrong.exitCode, 1);
    const json wrongReport = json::parse(wrong.out.toStdString());
    QCOMPARE(wrongReport.at("checks").at(2).at("ok"), json(false));
    QVERIFY(wrongReport.at("checks").at(2).at("message").get<std::string>().find("wrong passphrase") == 0);

    const QString path = FileStore::pathIn(KeywardHome::atDirectory(home.path()));
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
    const Run loose = run(home, {QStringLiteral("doctor"), QStringLiteral("--json")}, passphraseFile(), {}, headless);
    QCOMPARE(loose.exitCode, 1);
    const json looseReport = json::parse(loose.out.toStdString());
    const json &looseFile = looseReport.at("checks").at(2);
    QCOMPARE(looseFile.at("ok"), json(false));
    QCOMPARE(QString::fromStdString(looseFile.at("fix").get<std::string>()), QStringLiteral("chmod 600 %1").arg(path));
}

void TestFileStoreCli::doctorWithoutKeychainPointsAtTheFileStore()
{
    TempHome home; // keychain (the default)
    QTemporaryDir emptyRuntimeDir;
    QProcessEnvironment headless = QProcessEnvironment::systemEnvironment();
    headless.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    headless.remove(QStringLiteral("DISPLAY"));
    headless.remove(QStringLiteral("WAYLAND_DISPLAY"));
    headless.insert(QStringLiteral("XDG_RUNTIME_DIR"), emptyRuntimeDir.path());
    const Run doctor = run(home, {QStringLiteral("doctor"), QStringLiteral("--json")}, QString(), {}, headless);
    QCOMPARE(doctor.exitCode, 1);
    const json report = json::parse(doctor.out.toStdString());
    const json &bus = report.at("checks").at(0);
    QCOMPARE(bus.at("name"), json("dbus-session"));
    const std::string fix = bus.at("fix").get<std::string>();
    QVERIFY2(fix.find("dbus-run-session") != std::string::npos, fix.c_str());
    QVERIFY2(fix.find("\"settings\": {\"secretStore\": \"file\"}") != std::string::npos, fix.c_str());
    QVERIFY2(fix.find("KEYWARD_PASSPHRASE_FILE") != std::string::npos, fix.c_str());
}

void TestFileStoreCli::resetRemovesTheFileWithoutAPassphrase()
{
    TempHome home;
    QVERIFY(useFileStore(home));
    QCOMPARE(run(home, addArgs(QStringLiteral("github")), passphraseFile(), "kw-secret\n").exitCode, 0);
    const QString path = FileStore::pathIn(KeywardHome::atDirectory(home.path()));
    QVERIFY(QFileInfo::exists(path));
    const Run reset = run(home, {QStringLiteral("reset"), QStringLiteral("--yes")}, QString());
    QVERIFY2(reset.exitCode == 0, reset.err.constData());
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!QFileInfo::exists(home.filePath(QStringLiteral("config.json"))));
}

// A headless owner (started by the bridge, no terminal, no KEYWARD_PASSPHRASE_FILE) refuses calls
// with "store locked: run keyward unlock"; `keyward unlock` refuses a wrong passphrase and then
// unlocks it, and the same session's next call reaches the upstream with the secret.
void TestFileStoreCli::ownerServesCallsOnceUnlocked()
{
    keyward::test::HttpsUpstream upstream;
    QVERIFY2(upstream.start(), qPrintable(upstream.errorString()));
    TempHome home;
    QVERIFY(useFileStore(home));
    const QByteArray secret = keyward::test::randomCanary();
    const Run add = run(home,
                        {QStringLiteral("service"), QStringLiteral("add"), QStringLiteral("api"), QStringLiteral("--base-url"),
                         upstream.baseUrl(QStringLiteral("/v1")), QStringLiteral("--auth"), QStringLiteral("bearer"),
                         QStringLiteral("--ca-file"), upstream.caFile()},
                        passphraseFile(), secret + "\n");
    QVERIFY2(add.exitCode == 0, add.err.constData());

    keyward::test::McpStdioProcess session;
    QVERIFY(session.start(home));
    QVERIFY(session.initialize());
    const json call{{"service", "api"}, {"method", "GET"}, {"path", "/echo"}};
    const json locked = session.callTool("execute", call);
    QVERIFY2(locked["result"].value("isError", false), locked.dump().c_str());
    const std::string lockedText = locked["result"]["content"][0]["text"].get<std::string>();
    QVERIFY2(lockedText.find("store locked: run keyward unlock") != std::string::npos, lockedText.c_str());
    QVERIFY(upstream.received().empty());

    const Run wrong = run(home, {QStringLiteral("unlock")}, QString(), "not the passphrase\n");
    QCOMPARE(wrong.exitCode, 1);
    QVERIFY2(wrong.err.contains("wrong passphrase"), wrong.err.constData());
    const Run unlocked = run(home, {QStringLiteral("unlock")}, QString(), kPassphrase + "\n");
    QVERIFY2(unlocked.exitCode == 0, unlocked.err.constData());

    const json served = session.callTool("execute", call);
    QVERIFY2(!served["result"].value("isError", true), served.dump().c_str());
    QCOMPARE(served["result"]["structuredContent"]["status"], 200);
    QCOMPARE(upstream.received().size(), size_t(1));
    QCOMPARE(upstream.received()[0]["headers"]["authorization"], "Bearer " + secret.toStdString());
    QVERIFY(!QByteArray::fromStdString(served.dump()).contains(secret));
    QCOMPARE(session.finish(), 0);

    // A home on the keychain has nothing to unlock.
    TempHome keychainHome;
    const Run nothing = run(keychainHome, {QStringLiteral("unlock")}, QString(), kPassphrase + "\n");
    QCOMPARE(nothing.exitCode, 1);
    QVERIFY2(nothing.err.contains("nothing to unlock"), nothing.err.constData());
}

void TestFileStoreCli::cleanupTestCase() { QVERIFY(!m_printed.contains(kPassphrase)); }

QTEST_GUILESS_MAIN(TestFileStoreCli)
#include "tst_filestore_cli.moc"
