// FileStore (the encrypted secrets.kwv) and the passphrase file: round trips through the
// asynchronous SecretStore interface, persistence, wrong passphrases, damaged and tampered files,
// the locked state, file modes, that no secret is ever in the file in the clear, and that two
// stores on one file lose no entries. Stores use libsodium's minimum Argon2id cost so the tests
// stay fast; the cost a file records is checked separately.

#include "secrets/filestore.h"
#include "secrets/passphrase.h"
#include "support/e2eprocess.h"
#include "support/temphome.h"

#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLockFile>
#include <QSignalSpy>
#include <QtTest>

#include <optional>
#include <sys/stat.h>

using keyward::Error;
using keyward::FileStore;
using keyward::Result;
using keyward::test::TempHome;

namespace {

const QByteArray kPassphrase = "correct horse battery staple";

QString storePath(const TempHome &home) { return home.filePath(QStringLiteral("data/secrets.kwv")); }

std::unique_ptr<FileStore> unlockedStore(const QString &path, const QByteArray &passphrase = kPassphrase)
{
    auto store = std::make_unique<FileStore>(path, FileStore::KdfParams::minimum());
    const auto unlocked = store->unlock(passphrase);
    if (!unlocked)
        qWarning("unlock failed: %s", qPrintable(unlocked.error().message));
    return unlocked ? std::move(store) : nullptr;
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeBytes(const QString &path, const QByteArray &bytes, QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        return false;
    file.close();
    return file.setPermissions(permissions);
}

unsigned modeOf(const QString &path)
{
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return unsigned(info.st_mode) & 07777u;
}

// Runs one asynchronous call; nullopt when the callback never came. `calledInside` tells whether
// the callback ran inside the call (the contract forbids it).
template <typename T>
struct Answer {
    std::optional<Result<T>> result;
    bool calledInside = false;
};

template <typename T, typename Call>
Answer<T> await(Call call)
{
    Answer<T> answer;
    bool returned = false;
    call([&](Result<T> result) {
        answer.calledInside = !returned;
        answer.result = std::move(result);
    });
    returned = true;
    (void)QTest::qWaitFor([&answer] { return answer.result.has_value(); }, 5000);
    return answer;
}

// Sets (or, with a null value, unsets) an environment variable for one scope.
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

class TestFileStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void secretsRoundTripThroughTheAsynchronousInterface();
    void anyBytesComeBackExactly_data();
    void anyBytesComeBackExactly();
    void secretsPersistAcrossInstances();
    void missingFileIsANewStoreWrittenOnFirstWrite();
    void newStoreRefusesEmptyAndShortPassphrases();
    void wrongPassphraseIsReportedAsSuch();
    void damagedFilesGiveAnErrorNamingTheFile_data();
    void damagedFilesGiveAnErrorNamingTheFile();
    void fileTamperedWhileUnlockedFailsTheNextCall();
    void lockedStoreRefusesEveryCall();
    void lockDropsTheSecrets();
    void fileAndDirectoryArePrivate();
    void canaryNeverAppearsInTheFile();
    void twoStoresOnOneFileLoseNoEntries();
    void writerWaitsForAnotherWritersLock();
    void fileRemovedByAnotherProcessReadsAsEmpty();
    void fileRecreatedWithAnotherPassphraseIsRefused();
    void headerRecordsTheKeyDerivationCost();
    void everyWriteUsesAFreshNonce();
    void passphraseFileIsReadWithOneNewlineStripped_data();
    void passphraseFileIsReadWithOneNewlineStripped();
    void unsafePassphraseFilesAreRefused_data();
    void unsafePassphraseFilesAreRefused();
    void passphraseFromEnvironmentIsNoneWhenUnset();
};

void TestFileStore::secretsRoundTripThroughTheAsynchronousInterface()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store);

    const auto written = await<void>([&](auto done) { store->write(QStringLiteral("service/github"), "ghp_abc", done); });
    QVERIFY(written.result && written.result->ok());
    QVERIFY(!written.calledInside);

    const auto read = await<QByteArray>([&](auto done) { store->read(QStringLiteral("service/github"), done); });
    QVERIFY(read.result && read.result->ok());
    QVERIFY(!read.calledInside);
    QCOMPARE(read.result->value(), QByteArray("ghp_abc"));

    const auto removed = await<void>([&](auto done) { store->remove(QStringLiteral("service/github"), done); });
    QVERIFY(removed.result && removed.result->ok());
    QVERIFY(!removed.calledInside);

    const auto gone = await<QByteArray>([&](auto done) { store->read(QStringLiteral("service/github"), done); });
    QVERIFY(gone.result && !gone.result->ok());
    QCOMPARE(gone.result->error().code, QStringLiteral("not_found"));
    QVERIFY(gone.result->error().message.contains(QStringLiteral("service/github")));

    const auto removedAgain = await<void>([&](auto done) { store->remove(QStringLiteral("service/github"), done); });
    QVERIFY2(removedAgain.result && removedAgain.result->ok(), "removing a missing key succeeds");
}

void TestFileStore::anyBytesComeBackExactly_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::newRow("one byte") << QByteArray("x");
    QTest::newRow("NUL and high bytes") << QByteArray("a\0b\xff\xfe\n\r", 7);
    QByteArray big(64 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 31 + 7);
    QTest::newRow("64 KiB") << big;
    QTest::newRow("UTF-8") << QStringLiteral("päss—wörd ✓").toUtf8();
}

void TestFileStore::anyBytesComeBackExactly()
{
    QFETCH(QByteArray, secret);
    TempHome home;
    {
        auto store = unlockedStore(storePath(home));
        QVERIFY(store);
        QVERIFY(store->writeNow(QStringLiteral("service/a"), secret));
        QVERIFY(store->writeNow(QStringLiteral("env/b"), "other"));
    }
    auto reopened = unlockedStore(storePath(home));
    QVERIFY(reopened);
    const auto read = reopened->readNow(QStringLiteral("service/a"));
    QVERIFY(read);
    QCOMPARE(read.value(), secret);
    QCOMPARE(reopened->readNow(QStringLiteral("env/b")).value(), QByteArray("other"));
}

void TestFileStore::secretsPersistAcrossInstances()
{
    TempHome home;
    {
        auto first = unlockedStore(storePath(home));
        QVERIFY(first);
        QVERIFY(first->writeNow(QStringLiteral("service/one"), "1111"));
        QVERIFY(first->writeNow(QStringLiteral("service/two"), "2222"));
        QVERIFY(first->writeNow(QStringLiteral("service/one"), "1111-rotated"));
        QVERIFY(first->removeNow(QStringLiteral("service/two")));
    }
    auto second = unlockedStore(storePath(home));
    QVERIFY(second);
    QCOMPARE(second->readNow(QStringLiteral("service/one")).value(), QByteArray("1111-rotated"));
    QCOMPARE(second->readNow(QStringLiteral("service/two")).error().code, QStringLiteral("not_found"));
}

void TestFileStore::missingFileIsANewStoreWrittenOnFirstWrite()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store);
    QVERIFY(store->isUnlocked());
    QVERIFY2(!QFileInfo::exists(storePath(home)), "unlocking a new store writes nothing");
    QCOMPARE(store->readNow(QStringLiteral("service/x")).error().code, QStringLiteral("not_found"));
    QVERIFY(store->removeNow(QStringLiteral("service/x")));
    QVERIFY2(!QFileInfo::exists(storePath(home)), "removing from an empty store writes nothing");
    QVERIFY(store->writeNow(QStringLiteral("service/x"), "secret"));
    QVERIFY(QFileInfo(storePath(home)).isFile());

    // The passphrase of the first unlock is the file's passphrase now.
    FileStore other(storePath(home), FileStore::KdfParams::minimum());
    QVERIFY(!other.unlock("a different passphrase"));
    QVERIFY(other.unlock(kPassphrase));
}

void TestFileStore::newStoreRefusesEmptyAndShortPassphrases()
{
    TempHome home;
    FileStore store(storePath(home), FileStore::KdfParams::minimum());
    const auto empty = store.unlock(QByteArray());
    QVERIFY(!empty);
    QCOMPARE(empty.error().code, QStringLiteral("keychain_error"));
    QVERIFY(empty.error().message.contains(QStringLiteral("empty")));
    const auto shortOne = store.unlock("1234567");
    QVERIFY(!shortOne);
    QVERIFY2(shortOne.error().message.contains(QStringLiteral("shorter than 8 bytes")), qPrintable(shortOne.error().message));
    QVERIFY(!store.isUnlocked());
    QVERIFY(store.unlock("12345678"));
}

void TestFileStore::wrongPassphraseIsReportedAsSuch()
{
    TempHome home;
    {
        auto store = unlockedStore(storePath(home));
        QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "secret"));
    }
    FileStore store(storePath(home), FileStore::KdfParams::minimum());
    const auto wrong = store.unlock("not the passphrase");
    QVERIFY(!wrong);
    QCOMPARE(wrong.error().code, QStringLiteral("keychain_error"));
    QVERIFY2(wrong.error().message.startsWith(QStringLiteral("wrong passphrase for secrets.kwv (%1)").arg(storePath(home))),
             qPrintable(wrong.error().message));
    QVERIFY(!wrong.error().message.contains(QStringLiteral("not the passphrase")));
    QVERIFY(!store.isUnlocked());
    QCOMPARE(store.readNow(QStringLiteral("service/x")).error().message, FileStore::lockedMessage());
    // A short passphrase is not refused for an existing file: it is simply wrong.
    QVERIFY(store.unlock("short").error().message.startsWith(QStringLiteral("wrong passphrase")));
}

void TestFileStore::damagedFilesGiveAnErrorNamingTheFile_data()
{
    QTest::addColumn<QString>("damage"); // "flip:N" (N < 0 counts from the end), "cut:N" (keep N bytes), "append", "empty"
    QTest::addColumn<QString>("expected");

    QTest::newRow("magic") << QStringLiteral("flip:0") << QStringLiteral("is not a Keyward secrets file");
    QTest::newRow("format version") << QStringLiteral("flip:9") << QStringLiteral("has format version");
    QTest::newRow("key derivation id") << QStringLiteral("flip:10") << QStringLiteral("unknown key derivation");
    QTest::newRow("reserved byte") << QStringLiteral("flip:11") << QStringLiteral("unknown key derivation");
    QTest::newRow("opslimit out of range") << QStringLiteral("flip:12") << QStringLiteral("out of range");
    QTest::newRow("memlimit out of range") << QStringLiteral("flip:20") << QStringLiteral("out of range");
    QTest::newRow("salt") << QStringLiteral("flip:30") << QStringLiteral("header was altered");
    QTest::newRow("key check") << QStringLiteral("flip:50") << QStringLiteral("header was altered");
    QTest::newRow("nonce") << QStringLiteral("flip:80") << QStringLiteral("tampered with");
    QTest::newRow("ciphertext") << QStringLiteral("flip:105") << QStringLiteral("tampered with");
    QTest::newRow("tag") << QStringLiteral("flip:-1") << QStringLiteral("tampered with");
    QTest::newRow("appended byte") << QStringLiteral("append") << QStringLiteral("tampered with");
    QTest::newRow("cut in the ciphertext") << QStringLiteral("cut:-1") << QStringLiteral("tampered with");
    QTest::newRow("cut in the header") << QStringLiteral("cut:50") << QStringLiteral("is truncated");
    QTest::newRow("cut in the magic") << QStringLiteral("cut:4") << QStringLiteral("is not a Keyward secrets file");
    QTest::newRow("empty file") << QStringLiteral("empty") << QStringLiteral("is not a Keyward secrets file");
}

void TestFileStore::damagedFilesGiveAnErrorNamingTheFile()
{
    QFETCH(QString, damage);
    QFETCH(QString, expected);
    TempHome home;
    const QString path = storePath(home);
    {
        auto store = unlockedStore(path);
        QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "a secret long enough to have ciphertext"));
    }
    QByteArray bytes = fileBytes(path);
    QVERIFY(bytes.size() > 120);
    if (damage.startsWith(QLatin1String("flip:"))) {
        qsizetype at = damage.mid(5).toLongLong();
        if (at < 0)
            at += bytes.size();
        bytes[at] = char(bytes.at(at) ^ (damage == QLatin1String("flip:12") || damage == QLatin1String("flip:20") ? 0x80 : 0x01));
    } else if (damage.startsWith(QLatin1String("cut:"))) {
        const qsizetype keep = damage.mid(4).toLongLong();
        bytes.truncate(keep < 0 ? bytes.size() + keep : keep);
    } else if (damage == QLatin1String("append")) {
        bytes.append('\0');
    } else {
        bytes.clear();
    }
    QVERIFY(writeBytes(path, bytes));

    FileStore store(path, FileStore::KdfParams::minimum());
    const auto unlocked = store.unlock(kPassphrase);
    QVERIFY(!unlocked);
    QCOMPARE(unlocked.error().code, QStringLiteral("keychain_error"));
    QVERIFY2(unlocked.error().message.contains(path), qPrintable(unlocked.error().message));
    QVERIFY2(unlocked.error().message.contains(expected), qPrintable(unlocked.error().message));
    QVERIFY(!store.isUnlocked());
}

void TestFileStore::fileTamperedWhileUnlockedFailsTheNextCall()
{
    TempHome home;
    const QString path = storePath(home);
    auto store = unlockedStore(path);
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "first"));
    auto other = unlockedStore(path);
    QVERIFY(other && other->writeNow(QStringLiteral("service/y"), "second")); // a new nonce on disk
    QByteArray bytes = fileBytes(path);
    bytes[bytes.size() - 5] = char(bytes.at(bytes.size() - 5) ^ 0x10);
    QVERIFY(writeBytes(path, bytes));

    const auto read = store->readNow(QStringLiteral("service/x"));
    QVERIFY(!read);
    QVERIFY2(read.error().message.contains(QStringLiteral("tampered with")), qPrintable(read.error().message));
    const auto written = store->writeNow(QStringLiteral("service/z"), "third");
    QVERIFY(!written);
    QCOMPARE(fileBytes(path), bytes); // a write never replaces a file it cannot read
}

void TestFileStore::lockedStoreRefusesEveryCall()
{
    TempHome home;
    FileStore store(storePath(home), FileStore::KdfParams::minimum());
    QVERIFY(!store.isUnlocked());
    const QString locked = QStringLiteral("store locked: run keyward unlock");
    QCOMPARE(FileStore::lockedMessage(), locked);

    const auto read = await<QByteArray>([&](auto done) { store.read(QStringLiteral("service/x"), done); });
    QVERIFY(read.result && !read.result->ok() && !read.calledInside);
    QCOMPARE(read.result->error().code, QStringLiteral("keychain_error"));
    QCOMPARE(read.result->error().message, locked);
    const auto written = await<void>([&](auto done) { store.write(QStringLiteral("service/x"), "s", done); });
    QVERIFY(written.result && !written.result->ok() && !written.calledInside);
    QCOMPARE(written.result->error().code, QStringLiteral("keychain_error"));
    QCOMPARE(written.result->error().message, locked);
    const auto removed = await<void>([&](auto done) { store.remove(QStringLiteral("service/x"), done); });
    QVERIFY(removed.result && !removed.result->ok() && !removed.calledInside);
    QCOMPARE(removed.result->error().message, locked);
    QVERIFY2(!QFileInfo::exists(storePath(home)), "a locked store writes nothing");
}

void TestFileStore::lockDropsTheSecrets()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "secret"));
    store->lock();
    QVERIFY(!store->isUnlocked());
    QCOMPARE(store->readNow(QStringLiteral("service/x")).error().message, FileStore::lockedMessage());
    QCOMPARE(store->writeNow(QStringLiteral("service/y"), "s").error().message, FileStore::lockedMessage());
    QCOMPARE(store->removeNow(QStringLiteral("service/x")).error().message, FileStore::lockedMessage());
    QVERIFY(store->unlock(kPassphrase));
    QCOMPARE(store->readNow(QStringLiteral("service/x")).value(), QByteArray("secret"));
}

void TestFileStore::fileAndDirectoryArePrivate()
{
    TempHome home;
    const QString path = home.filePath(QStringLiteral("deeper/data/secrets.kwv"));
    auto store = unlockedStore(path);
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "secret"));
    QCOMPARE(modeOf(path), 0600u);
    QCOMPARE(modeOf(QFileInfo(path).absolutePath()), 0700u);

    // A later write keeps the mode even if someone loosened it.
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    QVERIFY(store->writeNow(QStringLiteral("service/y"), "secret2"));
    QCOMPARE(modeOf(path), 0600u);
}

void TestFileStore::canaryNeverAppearsInTheFile()
{
    TempHome home;
    const QByteArray canary = keyward::test::randomCanary();
    auto store = unlockedStore(storePath(home));
    QVERIFY(store);
    QVERIFY(store->writeNow(QStringLiteral("service/canary-service"), canary));
    QVERIFY(store->writeNow(QStringLiteral("env/other"), canary + canary));
    const QByteArray bytes = fileBytes(storePath(home));
    QVERIFY(!bytes.isEmpty());
    for (const QByteArray &form : {canary, canary.toBase64(), canary.toHex(), canary.left(16), kPassphrase,
                                   QByteArray("canary-service")}) {
        QVERIFY2(!bytes.contains(form), form.constData());
    }
    // Nothing else in the directory holds it either (no temporary or lock file left with it).
    for (const QString &name : QDir(QFileInfo(storePath(home)).absolutePath()).entryList(QDir::Files | QDir::Hidden))
        QVERIFY2(!fileBytes(QFileInfo(storePath(home)).absoluteDir().filePath(name)).contains(canary), qPrintable(name));
}

void TestFileStore::twoStoresOnOneFileLoseNoEntries()
{
    TempHome home;
    const QString path = storePath(home);
    auto first = unlockedStore(path);
    QVERIFY(first && first->writeNow(QStringLiteral("service/seed"), "seed"));
    auto second = unlockedStore(path);
    QVERIFY(second);

    // Interleaved writers, each holding its own (soon stale) view of the file.
    for (int i = 0; i < 10; ++i) {
        QVERIFY(first->writeNow(QStringLiteral("service/first-%1").arg(i), "f" + QByteArray::number(i)));
        QVERIFY(second->writeNow(QStringLiteral("service/second-%1").arg(i), "s" + QByteArray::number(i)));
    }
    QVERIFY(second->removeNow(QStringLiteral("service/first-3")));
    QVERIFY(first->writeNow(QStringLiteral("service/second-4"), "rotated by first"));

    // Each sees the other's changes, and a third store sees all of them.
    QCOMPARE(first->readNow(QStringLiteral("service/second-9")).value(), QByteArray("s9"));
    QCOMPARE(second->readNow(QStringLiteral("service/first-9")).value(), QByteArray("f9"));
    auto third = unlockedStore(path);
    QVERIFY(third);
    for (int i = 0; i < 10; ++i) {
        if (i != 3)
            QCOMPARE(third->readNow(QStringLiteral("service/first-%1").arg(i)).value(), "f" + QByteArray::number(i));
        if (i != 4)
            QCOMPARE(third->readNow(QStringLiteral("service/second-%1").arg(i)).value(), "s" + QByteArray::number(i));
    }
    QCOMPARE(third->readNow(QStringLiteral("service/first-3")).error().code, QStringLiteral("not_found"));
    QCOMPARE(third->readNow(QStringLiteral("service/second-4")).value(), QByteArray("rotated by first"));
    QCOMPARE(third->readNow(QStringLiteral("service/seed")).value(), QByteArray("seed"));
    QVERIFY2(!QFileInfo::exists(path + QStringLiteral(".lock")), "the write lock is released");
}

void TestFileStore::writerWaitsForAnotherWritersLock()
{
    TempHome home;
    const QString path = storePath(home);
    auto store = unlockedStore(path);
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "first"));
    store->setLockTimeout(300);
    const QByteArray before = fileBytes(path);
    {
        QLockFile held(path + QStringLiteral(".lock")); // another writer, in the middle of its write
        QVERIFY(held.tryLock(0));
        QElapsedTimer timer;
        timer.start();
        const auto written = store->writeNow(QStringLiteral("service/y"), "second");
        QVERIFY(!written);
        QVERIFY(timer.elapsed() >= 250);
        QCOMPARE(written.error().code, QStringLiteral("keychain_error"));
        QVERIFY2(written.error().message.contains(QStringLiteral("is being written by another process (pid %1")
                                                      .arg(QCoreApplication::applicationPid())),
                 qPrintable(written.error().message));
        QVERIFY(!store->removeNow(QStringLiteral("service/x")));
        QCOMPARE(fileBytes(path), before);
        // Reading does not need the lock: the file is replaced atomically.
        QCOMPARE(store->readNow(QStringLiteral("service/x")).value(), QByteArray("first"));
    }
    QVERIFY(store->writeNow(QStringLiteral("service/y"), "second"));
    QCOMPARE(store->readNow(QStringLiteral("service/y")).value(), QByteArray("second"));
}

void TestFileStore::fileRemovedByAnotherProcessReadsAsEmpty()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "secret"));
    QVERIFY(QFile::remove(storePath(home)));
    QCOMPARE(store->readNow(QStringLiteral("service/x")).error().code, QStringLiteral("not_found"));
    QVERIFY(store->writeNow(QStringLiteral("service/y"), "after reset"));
    auto reopened = unlockedStore(storePath(home));
    QVERIFY(reopened);
    QCOMPARE(reopened->readNow(QStringLiteral("service/x")).error().code, QStringLiteral("not_found"));
    QCOMPARE(reopened->readNow(QStringLiteral("service/y")).value(), QByteArray("after reset"));
}

void TestFileStore::fileRecreatedWithAnotherPassphraseIsRefused()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store && store->writeNow(QStringLiteral("service/x"), "secret"));
    QVERIFY(QFile::remove(storePath(home)));
    {
        auto other = unlockedStore(storePath(home), "another passphrase");
        QVERIFY(other && other->writeNow(QStringLiteral("service/z"), "theirs"));
    }
    const QByteArray before = fileBytes(storePath(home));
    const auto written = store->writeNow(QStringLiteral("service/y"), "mine");
    QVERIFY(!written);
    QVERIFY2(written.error().message.contains(QStringLiteral("unlock it again")), qPrintable(written.error().message));
    QCOMPARE(fileBytes(storePath(home)), before);
}

void TestFileStore::headerRecordsTheKeyDerivationCost()
{
    TempHome home;
    const FileStore::KdfParams interactive = FileStore::KdfParams::interactive();
    {
        FileStore store(storePath(home), interactive);
        QVERIFY(store.unlock(kPassphrase));
        QVERIFY(store.writeNow(QStringLiteral("service/x"), "secret"));
    }
    const QByteArray bytes = fileBytes(storePath(home));
    QCOMPARE(bytes.left(8), QByteArray("KWVAULT\0", 8));
    auto bigEndian = [&bytes](int at) {
        quint64 value = 0;
        for (int i = 0; i < 8; ++i)
            value = (value << 8) | quint8(bytes.at(at + i));
        return value;
    };
    QCOMPARE(bigEndian(12), interactive.opsLimit);
    QCOMPARE(bigEndian(20), interactive.memLimitBytes);

    // A store whose default cost differs still opens the file with the cost the file records.
    FileStore reader(storePath(home), FileStore::KdfParams::minimum());
    QVERIFY(reader.unlock(kPassphrase));
    QCOMPARE(reader.readNow(QStringLiteral("service/x")).value(), QByteArray("secret"));

    const FileStore::KdfParams moderate = FileStore::KdfParams::moderate();
    QCOMPARE(moderate.memLimitBytes, quint64(256) * 1024 * 1024);
    QCOMPARE(moderate.opsLimit, quint64(3));
}

void TestFileStore::everyWriteUsesAFreshNonce()
{
    TempHome home;
    auto store = unlockedStore(storePath(home));
    QVERIFY(store);
    QSet<QByteArray> nonces;
    QByteArray fixed;
    for (int i = 0; i < 5; ++i) {
        QVERIFY(store->writeNow(QStringLiteral("service/x"), "same secret"));
        const QByteArray bytes = fileBytes(storePath(home));
        nonces.insert(bytes.mid(76, 24));
        if (i == 0)
            fixed = bytes.left(76);
        QCOMPARE(bytes.left(76), fixed); // salt and key check stay
    }
    QCOMPARE(nonces.size(), 5);
}

void TestFileStore::passphraseFileIsReadWithOneNewlineStripped_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("no newline") << QByteArray("pass phrase") << QByteArray("pass phrase");
    QTest::newRow("LF") << QByteArray("pass phrase\n") << QByteArray("pass phrase");
    QTest::newRow("CRLF") << QByteArray("pass phrase\r\n") << QByteArray("pass phrase");
    QTest::newRow("only one LF") << QByteArray("pass phrase\n\n") << QByteArray("pass phrase\n");
    QTest::newRow("spaces kept") << QByteArray(" pass ") << QByteArray(" pass ");
}

void TestFileStore::passphraseFileIsReadWithOneNewlineStripped()
{
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, expected);
    TempHome home;
    const QString path = home.filePath(QStringLiteral("passphrase"));
    QVERIFY(writeBytes(path, content));
    const auto read = keyward::readPassphraseFile(path);
    QVERIFY(read);
    QCOMPARE(read.value(), expected);

    EnvironmentOverride variable(keyward::kPassphraseFileVariable, QFile::encodeName(path));
    const auto fromEnvironment = keyward::passphraseFromEnvironment();
    QVERIFY(fromEnvironment && fromEnvironment->has_value());
    QCOMPARE(**fromEnvironment, expected);
}

void TestFileStore::unsafePassphraseFilesAreRefused_data()
{
    QTest::addColumn<QString>("kind"); // "mode:NNN", "directory", "missing", "empty", "huge"
    QTest::addColumn<QString>("expected");
    QTest::newRow("group-readable") << QStringLiteral("mode:640") << QStringLiteral("run chmod 600 on it");
    QTest::newRow("world-readable") << QStringLiteral("mode:644") << QStringLiteral("mode 0644");
    QTest::newRow("group-writable") << QStringLiteral("mode:620") << QStringLiteral("accessible by group or others");
    QTest::newRow("directory") << QStringLiteral("directory") << QStringLiteral("is not a regular file");
    QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("does not exist");
    QTest::newRow("empty") << QStringLiteral("empty") << QStringLiteral("is empty");
    QTest::newRow("only a newline") << QStringLiteral("newline") << QStringLiteral("is empty");
    QTest::newRow("over 64 KiB") << QStringLiteral("huge") << QStringLiteral("larger than 64 KiB");
}

void TestFileStore::unsafePassphraseFilesAreRefused()
{
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    TempHome home;
    const QString path = home.filePath(QStringLiteral("passphrase"));
    const QByteArray secret = "s3cret-passphrase";
    if (kind.startsWith(QLatin1String("mode:"))) {
        QVERIFY(writeBytes(path, secret));
        QVERIFY(::chmod(QFile::encodeName(path).constData(), mode_t(kind.mid(5).toUInt(nullptr, 8))) == 0);
    } else if (kind == QLatin1String("directory")) {
        QVERIFY(QDir().mkpath(path));
    } else if (kind == QLatin1String("empty")) {
        QVERIFY(writeBytes(path, QByteArray()));
    } else if (kind == QLatin1String("newline")) {
        QVERIFY(writeBytes(path, "\n"));
    } else if (kind == QLatin1String("huge")) {
        QVERIFY(writeBytes(path, QByteArray(70 * 1024, 'p')));
    }
    const auto read = keyward::readPassphraseFile(path);
    QVERIFY(!read);
    QCOMPARE(read.error().code, QStringLiteral("passphrase_file"));
    QVERIFY2(read.error().message.contains(path), qPrintable(read.error().message));
    QVERIFY2(read.error().message.contains(QStringLiteral("KEYWARD_PASSPHRASE_FILE")), qPrintable(read.error().message));
    QVERIFY2(read.error().message.contains(expected), qPrintable(read.error().message));
    QVERIFY(!read.error().message.contains(QString::fromLatin1(secret)));

    EnvironmentOverride variable(keyward::kPassphraseFileVariable, QFile::encodeName(path));
    QVERIFY(!keyward::passphraseFromEnvironment());
}

void TestFileStore::passphraseFromEnvironmentIsNoneWhenUnset()
{
    {
        EnvironmentOverride unset(keyward::kPassphraseFileVariable, QByteArray());
        const auto none = keyward::passphraseFromEnvironment();
        QVERIFY(none);
        QVERIFY(!none->has_value());
    }
    EnvironmentOverride empty(keyward::kPassphraseFileVariable, QByteArray(""));
    const auto alsoNone = keyward::passphraseFromEnvironment();
    QVERIFY(alsoNone && !alsoNone->has_value());
}

QTEST_GUILESS_MAIN(TestFileStore)
#include "tst_filestore.moc"
