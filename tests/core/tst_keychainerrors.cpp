// KeychainStore without any D-Bus session (no DBUS_SESSION_BUS_ADDRESS, no $XDG_RUNTIME_DIR/bus,
// no DISPLAY to autolaunch one): every call fails at once with the one sentence that says how to
// get a session, through the event loop, exactly once, and never echoes the secret.
// The real Secret Service is exercised by tests/e2e/tst_keychainstore.cpp.

#include "secrets/keychainadvice.h"
#include "secrets/keychainstore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using keyward::KeychainStore;
using keyward::Result;

class TestKeychainErrors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void withoutSessionBusEveryCallSaysHowToGetOne_data();
    void withoutSessionBusEveryCallSaysHowToGetOne();

private:
    QTemporaryDir m_emptyRuntimeDir;
};

void TestKeychainErrors::initTestCase()
{
    // Before anything in this process touches D-Bus: GDBus picks its session address once.
    QVERIFY(m_emptyRuntimeDir.isValid());
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_emptyRuntimeDir.path()));
    QVERIFY(!keyward::sessionBusDiscoverable());
}

void TestKeychainErrors::withoutSessionBusEveryCallSaysHowToGetOne_data()
{
    QTest::addColumn<QString>("operation");
    QTest::newRow("read") << QStringLiteral("read");
    QTest::newRow("write") << QStringLiteral("write");
    QTest::newRow("remove") << QStringLiteral("remove");
}

void TestKeychainErrors::withoutSessionBusEveryCallSaysHowToGetOne()
{
    QFETCH(QString, operation);

    KeychainStore store(QStringLiteral("keyward-unittest"));
    const QByteArray secret = "sk-unit-4f1c9e2b7a";
    std::optional<keyward::Error> error;
    int callbacks = 0;
    bool returned = false;
    bool calledInside = false;
    auto record = [&](const keyward::Error *failure) {
        ++callbacks;
        calledInside = calledInside || !returned;
        if (failure)
            error = *failure;
        else
            error = keyward::Error{QStringLiteral("(none)"), QStringLiteral("the call succeeded")};
    };

    if (operation == QLatin1String("read")) {
        store.read(QStringLiteral("service/github"), [&](Result<QByteArray> result) { record(result ? nullptr : &result.error()); });
    } else if (operation == QLatin1String("write")) {
        store.write(QStringLiteral("service/github"), secret, [&](Result<void> result) { record(result ? nullptr : &result.error()); });
    } else {
        store.remove(QStringLiteral("service/github"), [&](Result<void> result) { record(result ? nullptr : &result.error()); });
    }
    returned = true;

    QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 15000);
    QTest::qWait(50); // a second callback would show up now
    QCOMPARE(callbacks, 1);
    QVERIFY(!calledInside);
    QCOMPARE(error->code, QStringLiteral("keychain_error"));
    QCOMPARE(error->message, keyward::keychain_advice::noSessionBus().sentence());
    QVERIFY(error->message.contains(QLatin1String("dbus-run-session")));
    QVERIFY(!error->message.toUtf8().contains(secret));
}

QTEST_GUILESS_MAIN(TestKeychainErrors)
#include "tst_keychainerrors.moc"
