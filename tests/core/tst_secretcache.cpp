// The owner's secret cache: one store read per key, shared by concurrent readers, dropped on
// demand and after the idle timeout, and a store answer that arrives after a drop is not kept.

#include "secrets/secretcache.h"
#include "support/fakesecretstore.h"

#include <QtTest>

using namespace keyward;

namespace {

Result<QByteArray> readNow(SecretCache &cache, const QString &key)
{
    std::optional<Result<QByteArray>> result;
    cache.read(key, [&](Result<QByteArray> r) { result = std::move(r); });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
        return Error{QStringLiteral("test"), QStringLiteral("no answer")};
    return std::move(*result);
}

void storeSecret(FakeSecretStore &store, const QString &key, const QByteArray &value)
{
    bool done = false;
    store.write(key, value, [&](Result<void>) { done = true; });
    QTRY_VERIFY(done);
}

int readsOf(const FakeSecretStore &store, const QString &key)
{
    return int(store.calls().count(QStringLiteral("read ") + key));
}

} // namespace

class TestSecretCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void secondReadIsServedFromMemory()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "alpha");
        SecretCache cache(store);
        QCOMPARE(readNow(cache, QStringLiteral("service/a")).value(), QByteArray("alpha"));
        QCOMPARE(readNow(cache, QStringLiteral("service/a")).value(), QByteArray("alpha"));
        QCOMPARE(readsOf(store, QStringLiteral("service/a")), 1);
        QCOMPARE(cache.size(), 1);
    }

    void concurrentReadersShareOneStoreCall()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "alpha");
        SecretCache cache(store);
        int answered = 0;
        for (int i = 0; i < 5; ++i)
            cache.read(QStringLiteral("service/a"), [&](Result<QByteArray> r) { answered += r.ok() && *r == "alpha"; });
        QTRY_COMPARE(answered, 5);
        QCOMPARE(readsOf(store, QStringLiteral("service/a")), 1);
    }

    void callbackNeverRunsInsideRead()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "alpha");
        SecretCache cache(store);
        QVERIFY(readNow(cache, QStringLiteral("service/a")).ok());
        bool ran = false;
        cache.read(QStringLiteral("service/a"), [&](Result<QByteArray>) { ran = true; });
        QVERIFY(!ran);
        QTRY_VERIFY(ran);
    }

    void dropForcesAFreshRead()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "old");
        SecretCache cache(store);
        QCOMPARE(readNow(cache, QStringLiteral("service/a")).value(), QByteArray("old"));
        storeSecret(store, QStringLiteral("service/a"), "new");
        cache.drop(QStringLiteral("service/a"));
        QCOMPARE(cache.size(), 0);
        QCOMPARE(readNow(cache, QStringLiteral("service/a")).value(), QByteArray("new"));
    }

    void droppedSecretIsZeroedInPlace()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "zero-me");
        SecretCache cache(store);
        QVERIFY(readNow(cache, QStringLiteral("service/a")).ok()); // first read: from the store
        const QByteArray held = readNow(cache, QStringLiteral("service/a")).value(); // shares the cached buffer
        cache.dropAll();
        QCOMPARE(held, QByteArray(7, '\0'));
    }

    void failuresAreNotCached()
    {
        FakeSecretStore store;
        SecretCache cache(store);
        const auto missing = readNow(cache, QStringLiteral("service/a"));
        QVERIFY(!missing.ok());
        storeSecret(store, QStringLiteral("service/a"), "later");
        QCOMPARE(readNow(cache, QStringLiteral("service/a")).value(), QByteArray("later"));
    }

    void answerArrivingAfterADropIsNotKept()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "stale");
        store.hangOn();
        SecretCache cache(store);
        bool answered = false;
        cache.read(QStringLiteral("service/a"), [&](Result<QByteArray>) { answered = true; });
        cache.drop(QStringLiteral("service/a"));
        store.releaseHungCalls();
        QTRY_VERIFY(answered);
        QCOMPARE(cache.size(), 0);
    }

    void idleEntriesExpire()
    {
        FakeSecretStore store;
        storeSecret(store, QStringLiteral("service/a"), "alpha");
        SecretCache cache(store, 200);
        QVERIFY(readNow(cache, QStringLiteral("service/a")).ok());
        QCOMPARE(cache.size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(cache.size(), 0, 5000);
    }
};

QTEST_GUILESS_MAIN(TestSecretCache)
#include "tst_secretcache.moc"
