// Rate limiting token buckets with an injected clock: burst and continuous refill, the atomic
// all-or-nothing take over the service and service+agent buckets, the refusal and its wait,
// hot-reload re-shaping and bounded memory.

#include "policy/ratelimiter.h"

#include <QtTest>

using keyward::RateLimit;
using keyward::RatePer;
using keyward::policy::RateLimiter;
using keyward::policy::RateRefusal;

Q_DECLARE_METATYPE(keyward::RatePer)
Q_DECLARE_METATYPE(keyward::RateLimit)

namespace {

using Buckets = QList<QPair<QString, RateLimit>>;

RateLimit limit(RatePer per, int n, int burst) { return RateLimit{per, n, burst}; }
RateLimit limit(RatePer per, int n) { return RateLimit{per, n, n}; }

const QString kService = QStringLiteral("service:github");
const QString kAgent = QStringLiteral("service:github|agent:bot");

// A clock the test moves by hand.
struct ManualClock {
    std::shared_ptr<qint64> ms = std::make_shared<qint64>(0);
    keyward::policy::MonotonicClock clock() const
    {
        return [ms = ms] { return *ms; };
    }
    void set(qint64 value) const { *ms = value; }
};

} // namespace

class TestRateLimiter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // `script`: space-separated steps `<ms>:+` (take succeeds at that clock reading) or
    // `<ms>:-<wait>` (take refused, retry after <wait> ms; `never` for -1).
    void bucketAllowsBurstThenRefillsContinuously_data()
    {
        QTest::addColumn<RateLimit>("rate");
        QTest::addColumn<QString>("script");
        QTest::newRow("burst defaults to n, refill n per second")
            << limit(RatePer::Second, 3) << "0:+ 0:+ 0:+ 0:-334 333:-1 334:+ 334:-333";
        QTest::newRow("60/min refills one token a second")
            << limit(RatePer::Minute, 60, 2) << "0:+ 0:+ 0:-1000 999:-1 1000:+ 1000:-1000 2500:+ 2500:-500";
        QTest::newRow("burst above n allows a spike")
            << limit(RatePer::Minute, 1, 3) << "0:+ 0:+ 0:+ 0:-60000 60000:+ 60000:-60000";
        QTest::newRow("refill stops at burst")
            << limit(RatePer::Second, 1, 2) << "0:+ 0:+ 100000:+ 100000:+ 100000:-1000";
        QTest::newRow("per hour") << limit(RatePer::Hour, 4, 1) << "0:+ 0:-900000 900000:+";
        QTest::newRow("per day") << limit(RatePer::Day, 2) << "0:+ 0:+ 0:-43200000 43199999:-1 43200000:+";
        QTest::newRow("n below 1 refuses everything") << limit(RatePer::Second, 0, 1) << "0:-never 100000:-never";
        QTest::newRow("burst below 1 refuses everything") << limit(RatePer::Second, 5, 0) << "0:-never";
    }
    void bucketAllowsBurstThenRefillsContinuously()
    {
        QFETCH(RateLimit, rate);
        QFETCH(QString, script);
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        for (const QString &step : script.split(u' ')) {
            const qsizetype colon = step.indexOf(u':');
            clock.set(step.left(colon).toLongLong());
            const QString outcome = step.mid(colon + 1);
            const bool expectOk = outcome == QLatin1String("+");
            const qint64 expectWait = expectOk ? 0 : outcome == QLatin1String("-never") ? -1 : outcome.mid(1).toLongLong();
            QCOMPARE(limiter.retryAfterMs(kService, rate), expectWait);
            QCOMPARE(limiter.canTake(kService, rate), expectOk);
            RateRefusal refusal;
            const auto taken = limiter.take({{kService, rate}}, &refusal);
            QVERIFY2(taken.ok() == expectOk, qPrintable(step));
            if (!expectOk) {
                QCOMPARE(taken.error().code, QStringLiteral("rate_limited"));
                QCOMPARE(refusal.key, kService);
                QCOMPARE(refusal.limit, rate);
                QCOMPARE(refusal.retryAfterMs, expectWait);
            }
        }
    }

    // The service bucket and the service+agent bucket are taken together or not at all.
    void takeIsAllOrNothing_data()
    {
        QTest::addColumn<RateLimit>("service");
        QTest::addColumn<RateLimit>("agent");
        QTest::addColumn<int>("allowed");     // takes that succeed in a row
        QTest::addColumn<QString>("refusedBy"); // the bucket named by the refusal
        QTest::addColumn<int>("serviceLeft"); // service tokens left afterwards
        QTest::addColumn<int>("agentLeft");
        QTest::newRow("agent bucket empties first, service keeps its tokens")
            << limit(RatePer::Minute, 10) << limit(RatePer::Minute, 2) << 2 << kAgent << 8 << 0;
        QTest::newRow("service bucket empties first, agent keeps its tokens")
            << limit(RatePer::Minute, 3) << limit(RatePer::Minute, 5) << 3 << kService << 0 << 2;
        QTest::newRow("both empty together, the longer wait is named")
            << limit(RatePer::Minute, 2) << limit(RatePer::Hour, 2) << 2 << kAgent << 0 << 0;
    }
    void takeIsAllOrNothing()
    {
        QFETCH(RateLimit, service);
        QFETCH(RateLimit, agent);
        QFETCH(int, allowed);
        QFETCH(QString, refusedBy);
        QFETCH(int, serviceLeft);
        QFETCH(int, agentLeft);
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        const Buckets both = {{kService, service}, {kAgent, agent}};
        for (int i = 0; i < allowed; ++i)
            QVERIFY(limiter.take(both).ok());
        for (int attempt = 0; attempt < 3; ++attempt) {
            RateRefusal refusal;
            QVERIFY(!limiter.take(both, &refusal).ok());
            QCOMPARE(refusal.key, refusedBy);
        }
        // Refused takes consumed nothing: count what is left in each bucket on its own.
        const auto drain = [&limiter](const QString &key, const RateLimit &rate) {
            int n = 0;
            while (limiter.take({{key, rate}}).ok())
                ++n;
            return n;
        };
        QCOMPARE(drain(kService, service), serviceLeft);
        QCOMPARE(drain(kAgent, agent), agentLeft);
    }

    void checkAndCanTakeConsumeNothing()
    {
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        const RateLimit one = limit(RatePer::Minute, 1);
        for (int i = 0; i < 5; ++i) {
            QVERIFY(limiter.canTake(kService, one));
            QVERIFY(!limiter.check({{kService, one}, {kAgent, one}}).has_value());
        }
        QVERIFY(limiter.take({{kService, one}, {kAgent, one}}).ok());
        const auto refusal = limiter.check({{kService, one}});
        QVERIFY(refusal.has_value());
        QCOMPARE(refusal->key, kService);
        QCOMPARE(refusal->retryAfterMs, qint64(60000));
    }

    void aKeyListedTwiceCostsTwoTokens()
    {
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        const RateLimit three = limit(RatePer::Second, 3);
        QVERIFY(limiter.take({{kService, three}, {kService, three}}).ok());
        RateRefusal refusal;
        QVERIFY(!limiter.take({{kService, three}, {kService, three}}, &refusal).ok());
        QCOMPARE(refusal.retryAfterMs, qint64(334));
        QVERIFY(limiter.take({{kService, three}}).ok());
        QVERIFY(!limiter.take({{kService, limit(RatePer::Second, 1)}, {kService, limit(RatePer::Second, 1)}}, &refusal).ok());
        QCOMPARE(refusal.retryAfterMs, qint64(-1)); // more than the burst: never
    }

    void refusalMessageNamesLimitBucketAndWait_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<RateLimit>("rate");
        QTest::addColumn<qint64>("elapsedMs");
        QTest::addColumn<QString>("message");
        QTest::newRow("service bucket, 60/min")
            << kService << limit(RatePer::Minute, 60, 1) << qint64(0) << "rate limit 60/min (burst 1) on service github reached; retry in 1 s";
        QTest::newRow("agent bucket, wait rounded up to seconds")
            << kAgent << limit(RatePer::Minute, 5, 1) << qint64(100) << "rate limit 5/min (burst 1) on service github for agent bot reached; retry in 12 s";
        QTest::newRow("per hour") << kService << limit(RatePer::Hour, 1) << qint64(0) << "rate limit 1/h on service github reached; retry in 3600 s";
        QTest::newRow("per second, under a second still says 1 s")
            << kService << limit(RatePer::Second, 10) << qint64(0) << "rate limit 10/s on service github reached; retry in 1 s";
        QTest::newRow("a limit that allows nothing")
            << kService << limit(RatePer::Day, 0, 0) << qint64(0)
            << "rate limit 0/day on service github allows no call; raise the limit in the service's policy";
    }
    void refusalMessageNamesLimitBucketAndWait()
    {
        QFETCH(QString, key);
        QFETCH(RateLimit, rate);
        QFETCH(qint64, elapsedMs);
        QFETCH(QString, message);
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        while (limiter.take({{key, rate}}).ok()) {
        }
        clock.set(elapsedMs);
        const auto refused = limiter.take({{key, rate}});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().message, message);
    }

    // `take` tokens under `before`, then the limit changes to `after`: how many takes succeed at
    // once, and the wait after those.
    void changedLimitReshapesTheBucket_data()
    {
        QTest::addColumn<RateLimit>("before");
        QTest::addColumn<int>("take");
        QTest::addColumn<RateLimit>("after");
        QTest::addColumn<int>("available");
        QTest::addColumn<qint64>("waitAfter");
        QTest::newRow("smaller burst clamps the tokens") << limit(RatePer::Minute, 10) << 2 << limit(RatePer::Minute, 5) << 5 << qint64(12000);
        QTest::newRow("larger burst keeps the tokens") << limit(RatePer::Minute, 5) << 5 << limit(RatePer::Minute, 10) << 0 << qint64(6000);
        QTest::newRow("partly used keeps the rest") << limit(RatePer::Minute, 10) << 4 << limit(RatePer::Minute, 20) << 6 << qint64(3000);
        QTest::newRow("new period keeps the token count") << limit(RatePer::Minute, 10) << 5 << limit(RatePer::Second, 10) << 5 << qint64(100);
        QTest::newRow("unchanged limit") << limit(RatePer::Hour, 3) << 1 << limit(RatePer::Hour, 3) << 2 << qint64(1200000);
    }
    void changedLimitReshapesTheBucket()
    {
        QFETCH(RateLimit, before);
        QFETCH(int, take);
        QFETCH(RateLimit, after);
        QFETCH(int, available);
        QFETCH(qint64, waitAfter);
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        for (int i = 0; i < take; ++i)
            QVERIFY(limiter.take({{kService, before}}).ok());
        int taken = 0;
        while (limiter.take({{kService, after}}).ok())
            ++taken;
        QCOMPARE(taken, available);
        QCOMPARE(limiter.retryAfterMs(kService, after), waitAfter);
    }

    void idleFullBucketsAreDropped()
    {
        ManualClock clock;
        RateLimiter limiter(clock.clock());
        const RateLimit perSecond = limit(RatePer::Second, 1);
        QVERIFY(limiter.take({{QStringLiteral("busy"), limit(RatePer::Hour, 1)}}).ok());
        // Many one-off keys over time: each is full again a second after its call.
        for (int i = 0; i < 10 * RateLimiter::kPruneInterval; ++i) {
            clock.set(qint64(i) * 1000);
            QVERIFY(limiter.take({{QStringLiteral("key%1").arg(i), perSecond}}).ok());
            QVERIFY(limiter.bucketCount() <= RateLimiter::kPruneInterval + 1);
        }
        clock.set(qint64(10 * RateLimiter::kPruneInterval) * 1000);
        limiter.prune();
        // Only the hour bucket still misses a token, and it is kept with its state.
        QCOMPARE(limiter.bucketCount(), 1);
        QVERIFY(!limiter.canTake(QStringLiteral("busy"), limit(RatePer::Hour, 1)));
        QVERIFY(limiter.canTake(QStringLiteral("key0"), perSecond));
    }

    void aClockSteppingBackGivesNoTokens()
    {
        ManualClock clock;
        clock.set(10000);
        RateLimiter limiter(clock.clock());
        const RateLimit one = limit(RatePer::Second, 1);
        QVERIFY(limiter.take({{kService, one}}).ok());
        clock.set(0); // held at 10000
        QCOMPARE(limiter.retryAfterMs(kService, one), qint64(1000));
        clock.set(9999); // still behind the last reading
        QCOMPARE(limiter.retryAfterMs(kService, one), qint64(1000));
        clock.set(10500);
        QCOMPARE(limiter.retryAfterMs(kService, one), qint64(500));
        clock.set(11000);
        QCOMPARE(limiter.retryAfterMs(kService, one), qint64(0));
    }

    void defaultClockIsMonotonic()
    {
        RateLimiter limiter;
        const RateLimit two = limit(RatePer::Day, 2);
        QVERIFY(limiter.take({{kService, two}}).ok());
        QVERIFY(limiter.take({{kService, two}}).ok());
        const qint64 wait = limiter.retryAfterMs(kService, two);
        QVERIFY(wait > 43000000 && wait <= 43200000);
    }
};

QTEST_APPLESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
