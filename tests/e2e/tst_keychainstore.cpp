// KeychainStore against the real Secret Service (gnome-keyring through libsecret): what it writes
// is really in the keychain under the home's service name, as `secret-tool` sees it, reads give it
// back byte for byte, removal really removes, and two homes never share entries.
//
// Needs a session bus with an unlocked gnome-keyring, as the README's test command sets up:
//   dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; ctest ...'
// Failure messages never show a secret: values are compared, and only lengths are reported.

#include "core/keywardhome.h"
#include "secrets/keychainstore.h"
#include "support/temphome.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest>

#include <optional>

using keyward::Error;
using keyward::KeychainStore;
using keyward::KeywardHome;
using keyward::Result;
using keyward::test::TempHome;

namespace {

// The answer of one store call, and whether the contract held: exactly one callback, not from
// inside the call.
template <typename T>
struct Answer {
    std::optional<Result<T>> result;
    int callbacks = 0;
    bool calledInside = false;
};

template <typename T, typename Start>
Answer<T> await(Start start, int timeoutMs = 30000)
{
    Answer<T> answer;
    bool returned = false;
    start([&answer, &returned](Result<T> result) {
        ++answer.callbacks;
        answer.calledInside = answer.calledInside || !returned;
        answer.result = std::move(result);
    });
    returned = true;
    const QDeadlineTimer deadline(timeoutMs);
    while (!answer.result && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    // A second callback would arrive from the event loop too: give it the chance to show up.
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return answer;
}

Answer<QByteArray> readSecret(KeychainStore &store, const QString &key)
{
    return await<QByteArray>([&](auto done) { store.read(key, done); });
}

Answer<void> writeSecret(KeychainStore &store, const QString &key, const QByteArray &value)
{
    return await<void>([&](auto done) { store.write(key, value, done); });
}

Answer<void> removeSecret(KeychainStore &store, const QString &key)
{
    return await<void>([&](auto done) { store.remove(key, done); });
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run secretTool(const QStringList &args)
{
    QProcess tool;
    tool.start(QStringLiteral("secret-tool"), args);
    Run run;
    if (!tool.waitForFinished(30000)) {
        tool.kill();
        tool.waitForFinished(5000);
        return run;
    }
    run.exitCode = tool.exitStatus() == QProcess::NormalExit ? tool.exitCode() : -1;
    run.out = tool.readAllStandardOutput();
    run.err = tool.readAllStandardError();
    return run;
}

// secret-tool's listing without its `secret = ...` lines, fit for a failure message.
QByteArray withoutSecrets(const QByteArray &listing)
{
    QByteArrayList kept;
    for (const QByteArray &line : listing.split('\n')) {
        if (!line.startsWith("secret = "))
            kept.append(line);
    }
    return kept.join('\n');
}

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &byte : bytes)
        byte = char(QRandomGenerator::global()->bounded(256));
    return bytes;
}

// The error of a result as text, or "" when it succeeded (QVERIFY2 evaluates its message always).
template <typename T>
QString describe(const Result<T> &result)
{
    return result.ok() ? QString() : result.error().code + QStringLiteral(": ") + result.error().message;
}

} // namespace

class TestKeychainStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void secretsGoIntoTheSecretServiceAndComeBackExactly_data();
    void secretsGoIntoTheSecretServiceAndComeBackExactly();
    void writingAgainReplacesTheEntry();
    void homesHaveSeparateKeychainNamespaces();

private:
    QString m_secretTool;
};

void TestKeychainStore::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        QFAIL("tst_keychainstore needs a D-Bus session with an unlocked gnome-keyring: run the tests with the README's "
              "test command (dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock "
              "--components=secrets; ctest ...')");
    }
    m_secretTool = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
    QVERIFY2(!m_secretTool.isEmpty(), "secret-tool is missing: install libsecret-tools");
}

void TestKeychainStore::secretsGoIntoTheSecretServiceAndComeBackExactly_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::newRow("an API key") << QByteArray("sk-proj-") + randomBytes(24).toHex();
    QTest::newRow("bytes with NUL and high bytes") << QByteArray("\x00\xff\x10\x80", 4) + randomBytes(60);
    QTest::newRow("UTF-8 with spaces and newline") << QByteArrayLiteral("p\xC3\xA4ss w\xC3\xB6rd\n-\xE2\x82\xAC-") + randomBytes(8).toHex();
    QTest::newRow("64 KiB") << randomBytes(64 * 1024);
}

void TestKeychainStore::secretsGoIntoTheSecretServiceAndComeBackExactly()
{
    QFETCH(QByteArray, secret);

    TempHome home;
    QVERIFY(home.isValid());
    const QString service = KeywardHome::atDirectory(home.path()).keychainServiceName();
    QVERIFY2(QRegularExpression(QStringLiteral("^keyward-[0-9a-f]{8}$")).match(service).hasMatch(), qPrintable(service));
    const QString key = QStringLiteral("service/e2e");
    KeychainStore store(service);

    const auto written = writeSecret(store, key, secret);
    QVERIFY2(written.result, "write did not answer");
    QVERIFY2(written.result->ok(), qPrintable(describe(*written.result)));
    QCOMPARE(written.callbacks, 1);
    QVERIFY(!written.calledInside);

    // The entry is really in the Secret Service, named after the home, with QtKeychain's schema.
    const Run listing = secretTool({QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), service});
    QCOMPARE(listing.exitCode, 0);
    const QByteArray attributes = withoutSecrets(listing.out + '\n' + listing.err);
    QVERIFY2(listing.out.startsWith("[/"), attributes.constData());
    QCOMPARE(listing.out.count("[/"), 1);
    const QByteArrayList expectedLines = {QByteArray("schema = org.qt.keychain"),
                                          QByteArray("attribute.server = ") + service.toUtf8(),
                                          QByteArray("attribute.user = ") + key.toUtf8(),
                                          QByteArray("attribute.type = base64"), QByteArray("label = ") + service.toUtf8()};
    for (const QByteArray &expected : expectedLines)
        QVERIFY2(attributes.contains(expected), QByteArray(expected + " not in:\n" + attributes).constData());
    const Run lookup = secretTool({QStringLiteral("lookup"), QStringLiteral("server"), service, QStringLiteral("user"), key,
                                   QStringLiteral("type"), QStringLiteral("base64")});
    QCOMPARE(lookup.exitCode, 0);
    const QByteArray stored = QByteArray::fromBase64(lookup.out.trimmed());
    QVERIFY2(stored == secret, qPrintable(QStringLiteral("the keychain holds %1 bytes, %2 were written")
                                              .arg(stored.size())
                                              .arg(secret.size())));

    const auto read = readSecret(store, key);
    QVERIFY2(read.result, "read did not answer");
    QVERIFY2(read.result->ok(), qPrintable(describe(*read.result)));
    QCOMPARE(read.callbacks, 1);
    QVERIFY(!read.calledInside);
    QVERIFY2(read.result->value() == secret, qPrintable(QStringLiteral("read %1 bytes, %2 were written")
                                                            .arg(read.result->value().size())
                                                            .arg(secret.size())));

    const auto removed = removeSecret(store, key);
    QVERIFY2(removed.result, "remove did not answer");
    QVERIFY2(removed.result->ok(), qPrintable(describe(*removed.result)));
    QCOMPARE(removed.callbacks, 1);
    QVERIFY(!removed.calledInside);

    const Run gone = secretTool({QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), service});
    QVERIFY2(!gone.out.contains("[/"), withoutSecrets(gone.out).constData());

    const auto readAgain = readSecret(store, key);
    QVERIFY(readAgain.result);
    QVERIFY(!readAgain.result->ok());
    QCOMPARE(readAgain.result->error().code, QStringLiteral("not_found"));
    QVERIFY2(readAgain.result->error().message.contains(key), qPrintable(readAgain.result->error().message));
    QCOMPARE(readAgain.callbacks, 1);

    const auto removeAgain = removeSecret(store, key);
    QVERIFY(removeAgain.result);
    QVERIFY2(removeAgain.result->ok(), qPrintable(describe(*removeAgain.result)));
}

void TestKeychainStore::writingAgainReplacesTheEntry()
{
    TempHome home;
    const QString service = KeywardHome::atDirectory(home.path()).keychainServiceName();
    const QString key = QStringLiteral("env/e2e-token");
    KeychainStore store(service);
    const QByteArray first = randomBytes(16).toHex();
    const QByteArray second = randomBytes(16).toHex();

    QVERIFY(writeSecret(store, key, first).result.value_or(Error{}).ok());
    QVERIFY(writeSecret(store, key, second).result.value_or(Error{}).ok());

    const Run listing = secretTool({QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), service});
    QCOMPARE(listing.out.count("[/"), 1);
    const auto read = readSecret(store, key);
    QVERIFY(read.result && read.result->ok());
    QVERIFY2(read.result->value() == second, "the second write did not replace the first");

    QVERIFY(removeSecret(store, key).result.value_or(Error{}).ok());
}

void TestKeychainStore::homesHaveSeparateKeychainNamespaces()
{
    TempHome homeA;
    TempHome homeB;
    const QString serviceA = KeywardHome::atDirectory(homeA.path()).keychainServiceName();
    const QString serviceB = KeywardHome::atDirectory(homeB.path()).keychainServiceName();
    QVERIFY(serviceA != serviceB);
    QVERIFY(serviceA != QLatin1String("keyward"));
    QVERIFY(serviceB != QLatin1String("keyward"));

    const QString key = QStringLiteral("service/shared-name");
    KeychainStore storeA(serviceA);
    KeychainStore storeB(serviceB);
    QVERIFY(writeSecret(storeA, key, randomBytes(16).toHex()).result.value_or(Error{}).ok());

    const auto readB = readSecret(storeB, key);
    QVERIFY(readB.result);
    QVERIFY2(!readB.result->ok(), "home B sees home A's secret");
    QCOMPARE(readB.result->error().code, QStringLiteral("not_found"));

    const auto readA = readSecret(storeA, key);
    QVERIFY(readA.result && readA.result->ok());

    QVERIFY(removeSecret(storeA, key).result.value_or(Error{}).ok());
}

QTEST_GUILESS_MAIN(TestKeychainStore)
#include "tst_keychainstore.moc"
