#include "policy/ratelimiter.h"

#include "config/units.h"

#include <QElapsedTimer>
#include <QMutexLocker>

#include <algorithm>
#include <memory>

namespace keyward::policy {

namespace {

qint64 periodMs(RatePer per)
{
    switch (per) {
    case RatePer::Second: return 1000;
    case RatePer::Minute: return 60 * 1000;
    case RatePer::Hour: return 60 * 60 * 1000;
    case RatePer::Day: return 24 * 60 * 60 * 1000;
    }
    return 60 * 1000;
}


bool usable(const RateLimit &limit) { return limit.n >= 1 && limit.burst >= 1; }

qint64 capacityUnits(const RateLimit &limit) { return usable(limit) ? qint64(limit.burst) * periodMs(limit.per) : 0; }

// -1 (never) sorts after every finite wait.
bool longerWait(qint64 a, qint64 b)
{
    if (a < 0)
        return b >= 0;
    return b >= 0 && a > b;
}

} // namespace

RateLimiter::RateLimiter(MonotonicClock clock) : m_clock(std::move(clock))
{
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer] { return timer->elapsed(); };
    }
    m_lastMs = m_clock();
}

qint64 RateLimiter::now() const
{
    // A clock that steps back is held at its last reading, so no bucket loses or gains tokens.
    m_lastMs = std::max(m_lastMs, m_clock());
    return m_lastMs;
}

RateLimiter::Bucket RateLimiter::current(const QString &key, const RateLimit &limit, qint64 nowMs) const
{
    const auto found = m_buckets.constFind(key);
    if (found == m_buckets.constEnd())
        return Bucket{limit, capacityUnits(limit), nowMs};

    Bucket bucket = *found;
    // Refill at the bucket's own rate up to now.
    const qint64 capacity = capacityUnits(bucket.limit);
    const qint64 elapsed = std::max<qint64>(0, nowMs - bucket.stampMs);
    if (usable(bucket.limit) && bucket.units < capacity) {
        const qint64 n = bucket.limit.n;
        const qint64 neededMs = (capacity - bucket.units + n - 1) / n;
        bucket.units = elapsed >= neededMs ? capacity : bucket.units + elapsed * n;
    }
    bucket.stampMs = nowMs;

    if (bucket.limit != limit) {
        // Hot reload: keep the tokens, in the new units, clamped to the new capacity.
        const qint64 oldPeriod = periodMs(bucket.limit.per);
        const qint64 newPeriod = periodMs(limit.per);
        qint64 units = bucket.units;
        if (oldPeriod != newPeriod)
            units = qint64(static_cast<long double>(units) * newPeriod / oldPeriod);
        bucket.units = std::clamp<qint64>(units, 0, capacityUnits(limit));
        bucket.limit = limit;
    }
    return bucket;
}

qint64 RateLimiter::waitMs(const Bucket &bucket, qint64 tokensNeeded)
{
    if (!usable(bucket.limit) || tokensNeeded > bucket.limit.burst)
        return -1;
    const qint64 neededUnits = tokensNeeded * periodMs(bucket.limit.per);
    if (bucket.units >= neededUnits)
        return 0;
    const qint64 n = bucket.limit.n;
    return (neededUnits - bucket.units + n - 1) / n;
}

std::optional<RateRefusal> RateLimiter::checkLocked(const QList<QPair<QString, RateLimit>> &buckets, qint64 nowMs) const
{
    std::optional<RateRefusal> refusal;
    for (qsizetype i = 0; i < buckets.size(); ++i) {
        const QString &key = buckets.at(i).first;
        // A key listed more than once needs that many tokens; judged at its first listing.
        bool seen = false;
        qint64 count = 0;
        for (qsizetype j = 0; j < buckets.size(); ++j) {
            if (buckets.at(j).first != key)
                continue;
            if (j < i)
                seen = true;
            ++count;
        }
        if (seen)
            continue;
        const RateLimit &limit = buckets.at(i).second;
        const qint64 wait = waitMs(current(key, limit, nowMs), count);
        if (wait != 0 && (!refusal || longerWait(wait, refusal->retryAfterMs)))
            refusal = RateRefusal{key, limit, wait};
    }
    return refusal;
}

bool RateLimiter::canTake(const QString &key, const RateLimit &limit) const
{
    return retryAfterMs(key, limit) == 0;
}

qint64 RateLimiter::retryAfterMs(const QString &key, const RateLimit &limit) const
{
    QMutexLocker locker(&m_mutex);
    return waitMs(current(key, limit, now()), 1);
}

std::optional<RateRefusal> RateLimiter::check(const QList<QPair<QString, RateLimit>> &buckets) const
{
    QMutexLocker locker(&m_mutex);
    return checkLocked(buckets, now());
}

Result<void> RateLimiter::take(const QList<QPair<QString, RateLimit>> &buckets, RateRefusal *refusal)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = now();
    if (const std::optional<RateRefusal> refused = checkLocked(buckets, nowMs)) {
        if (refusal)
            *refusal = *refused;
        const QString limit = describeLimit(refused->limit);
        const QString where = describeKey(refused->key);
        if (refused->retryAfterMs < 0) {
            return Error{QStringLiteral("rate_limited"),
                         QStringLiteral("rate limit %1 on %2 allows no call; raise the limit in the service's policy")
                             .arg(limit, where)};
        }
        const qint64 seconds = std::max<qint64>(1, (refused->retryAfterMs + 999) / 1000);
        return Error{QStringLiteral("rate_limited"),
                     QStringLiteral("rate limit %1 on %2 reached; retry in %3 s").arg(limit, where).arg(seconds)};
    }
    for (const auto &[key, limit] : buckets) {
        Bucket bucket = current(key, limit, nowMs);
        bucket.units -= periodMs(limit.per);
        m_buckets.insert(key, bucket);
    }
    if (++m_takesSincePrune >= kPruneInterval)
        pruneLocked(nowMs);
    return {};
}

int RateLimiter::pruneLocked(qint64 nowMs)
{
    m_takesSincePrune = 0;
    int dropped = 0;
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        const Bucket bucket = current(it.key(), it->limit, nowMs);
        if (usable(bucket.limit) && bucket.units >= capacityUnits(bucket.limit)) {
            it = m_buckets.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    return dropped;
}

int RateLimiter::prune()
{
    QMutexLocker locker(&m_mutex);
    return pruneLocked(now());
}

int RateLimiter::bucketCount() const
{
    QMutexLocker locker(&m_mutex);
    return int(m_buckets.size());
}

QString RateLimiter::describeLimit(const RateLimit &limit)
{
    QString text = QStringLiteral("%1/%2").arg(limit.n).arg(ratePerName(limit.per));
    if (limit.burst != limit.n)
        text += QStringLiteral(" (burst %1)").arg(limit.burst);
    return text;
}

QString RateLimiter::describeKey(const QString &key)
{
    QStringList parts;
    for (const QString &part : key.split(u'|')) {
        const qsizetype colon = part.indexOf(u':');
        parts.append(colon < 0 ? part : part.left(colon) + u' ' + part.mid(colon + 1));
    }
    return parts.join(QLatin1String(" for "));
}

} // namespace keyward::policy
