#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QString>

#include <functional>
#include <optional>

namespace keyward::policy {

// Token buckets for policy `rate` (DESIGN.md "Policy"), keyed by a string the caller chooses;
// the gate uses "service:<name>" and "service:<name>|agent:<agent>".
//
// A bucket for RateLimit{per, n, burst} holds at most `burst` tokens and refills `n` tokens per
// `per` continuously (exact integer arithmetic, no rounding drift). A key never seen, or dropped
// while idle, starts full. A limit with n < 1 or burst < 1 refuses every call (fail safe;
// config validation rejects such limits).
// Hot reload: when a key is used with a different RateLimit, its bucket keeps its tokens (after
// refilling at the old rate up to now), clamped to the new capacity.
// Memory: a bucket that has refilled completely is indistinguishable from a missing one, so such
// idle buckets are dropped (every kPruneInterval take() calls, or by prune()).
// Thread-safe.

using MonotonicClock = std::function<qint64()>; // milliseconds, never decreasing

// Why take() refused: the bucket that was empty (the one with the longest wait when several
// were) and the wait until every bucket of the call holds a token again; -1 = never (n or
// burst < 1).
struct RateRefusal {
    QString key;
    RateLimit limit;
    qint64 retryAfterMs = 0;
};

class RateLimiter {
public:
    static constexpr int kPruneInterval = 256;

    // `clock` defaults to a steady clock started at construction.
    explicit RateLimiter(MonotonicClock clock = {});

    // True when the bucket holds a whole token now. Consumes nothing.
    bool canTake(const QString &key, const RateLimit &limit) const;
    // Milliseconds until the bucket holds a whole token (0 = now, -1 = never). Consumes nothing.
    qint64 retryAfterMs(const QString &key, const RateLimit &limit) const;
    // What take() would refuse with now, nullopt when it would succeed. Consumes nothing.
    std::optional<RateRefusal> check(const QList<QPair<QString, RateLimit>> &buckets) const;

    // Atomically takes one token from every bucket, or none when any is short. A refusal has code
    // `rate_limited` and a message such as "rate limit 60/min on service github reached; retry in
    // 12 s"; `refusal`, when given, receives the details. A key listed twice costs two tokens.
    Result<void> take(const QList<QPair<QString, RateLimit>> &buckets, RateRefusal *refusal = nullptr);

    // Drops every bucket that is full now. Returns how many were dropped.
    int prune();
    // Buckets currently held (for tests and diagnostics).
    int bucketCount() const;

    // "60/min" (per names as in config.json: s, min, h, day); burst shown when it differs from n.
    static QString describeLimit(const RateLimit &limit);
    // "service:github|agent:bot" → "service github for agent bot".
    static QString describeKey(const QString &key);

private:
    // Tokens are kept in units of 1/periodMs token, so a millisecond adds exactly n units.
    struct Bucket {
        RateLimit limit;
        qint64 units = 0;
        qint64 stampMs = 0;
    };

    qint64 now() const;
    // The bucket for `key` brought up to `nowMs` and shaped for `limit` (not stored).
    Bucket current(const QString &key, const RateLimit &limit, qint64 nowMs) const;
    static qint64 waitMs(const Bucket &bucket, qint64 tokensNeeded);
    std::optional<RateRefusal> checkLocked(const QList<QPair<QString, RateLimit>> &buckets, qint64 nowMs) const;
    int pruneLocked(qint64 nowMs);

    MonotonicClock m_clock;
    mutable QMutex m_mutex;
    QHash<QString, Bucket> m_buckets;
    mutable qint64 m_lastMs = 0;
    int m_takesSincePrune = 0;
};

} // namespace keyward::policy
