#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

namespace keyward {

class AuditLog;

// Applies `settings.retentionDays` to the audit log at most once a day (DESIGN.md "Audit":
// retention deletes from the oldest end and leaves an `anchor` row).
//
// The time of the last run lives in audit.db's `meta` table under kLastRunKey (outside the hash
// chain), so every process using the file (admin commands, `keyward mcp`, the owner) shares it:
// the first one to look after a day has passed applies retention and the others skip it. Two
// processes racing at the same moment may both apply it; the second removes nothing (a purge only
// removes rows older than the cutoff, and the first already did), so "once a day" bounds the cost,
// never the correctness. Not thread-safe beyond AuditLog's own rules.
class RetentionPolicy {
public:
    using Clock = std::function<QDateTime()>;

    static constexpr std::chrono::hours kInterval{24};
    // The meta key holding the last run, as RFC 3339 UTC with milliseconds.
    static constexpr const char *kLastRunKey = "retention.lastRun";

    // `clock` gives the current time; empty means QDateTime::currentDateTimeUtc(). Tests inject one.
    explicit RetentionPolicy(Clock clock = {});

    QDateTime now() const;

    // True when no run is recorded, or the recorded one is not within [now - kInterval, now]
    // (a day or more ago, or in the future because the clock was set back).
    Result<bool> isDue(AuditLog &audit) const;

    // When due: removes the rows older than now - `days` (AuditLog::purgeBefore with "retention")
    // and then records now as the last run; returns the number of rows removed (0 included).
    // When not due: touches nothing and returns nullopt. `days` <= 0 keeps every row, and the run
    // is still recorded. A failed purge records nothing, so the next call tries again.
    Result<std::optional<int>> applyIfDue(AuditLog &audit, int days) const;

private:
    Clock m_clock;
};

// Runs RetentionPolicy::applyIfDue for a long-running process (`keyward mcp`, the owner): once
// when started and then every `checkInterval` (an hour by default, so a day is not missed across
// sleep or restarts; the policy itself keeps it to once a day). `audit` must outlive this object
// and be used on its thread. `days` is asked at every check, so a changed settings.retentionDays
// applies at the next one. Emits applied() after each run that was due, failed() when one failed;
// both from the thread's event loop (start() itself runs the first check synchronously and emits
// from there too).
class RetentionScheduler : public QObject {
    Q_OBJECT
public:
    static constexpr std::chrono::minutes kCheckInterval{60};

    RetentionScheduler(AuditLog &audit, std::function<int()> days, RetentionPolicy policy = RetentionPolicy(),
                       QObject *parent = nullptr);

    void start(std::chrono::milliseconds checkInterval = kCheckInterval);
    void stop();
    bool isActive() const { return m_timer.isActive(); }

    // One check now, as the timer does it (emits like it too).
    Result<std::optional<int>> checkNow();

Q_SIGNALS:
    // Retention was due and ran; `removed` rows went (0 when none were old enough).
    void applied(int removed);
    // Retention was due but failed; it is tried again at the next check.
    void failed(const keyward::Error &error);

private:
    AuditLog &m_audit;
    std::function<int()> m_days;
    RetentionPolicy m_policy;
    QTimer m_timer;
};

} // namespace keyward
