#include "audit/retention.h"

#include "audit/auditlog.h"
#include "core/logging.h"
#include "core/timespec.h"

namespace keyward {

namespace {

const QString kLastRun = QString::fromLatin1(RetentionPolicy::kLastRunKey);

} // namespace

RetentionPolicy::RetentionPolicy(Clock clock) : m_clock(std::move(clock)) {}

QDateTime RetentionPolicy::now() const { return m_clock ? m_clock().toUTC() : QDateTime::currentDateTimeUtc(); }

Result<bool> RetentionPolicy::isDue(AuditLog &audit) const
{
    const auto stored = audit.metaValue(kLastRun);
    if (!stored)
        return stored.error();
    if (!stored->has_value())
        return true;
    const QDateTime last = QDateTime::fromString(**stored, Qt::ISODateWithMs);
    if (!last.isValid())
        return true;
    const QDateTime current = now();
    return last > current || last.addSecs(std::chrono::seconds(kInterval).count()) <= current;
}

Result<std::optional<int>> RetentionPolicy::applyIfDue(AuditLog &audit, int days) const
{
    const auto due = isDue(audit);
    if (!due)
        return due.error();
    if (!*due)
        return std::optional<int>();
    const QDateTime current = now();
    int removed = 0;
    if (days > 0) {
        const auto purged = audit.purgeBefore(current.addDays(-days), QStringLiteral("retention"));
        if (!purged)
            return purged.error();
        removed = *purged;
    }
    if (auto recorded = audit.setMetaValue(kLastRun, formatRfc3339Ms(current)); !recorded)
        return recorded.error();
    logger("core.audit")->debug("retention of {} days applied: {} rows removed", days, removed);
    return std::optional<int>(removed);
}

RetentionScheduler::RetentionScheduler(AuditLog &audit, std::function<int()> days, RetentionPolicy policy,
                                       QObject *parent)
    : QObject(parent), m_audit(audit), m_days(std::move(days)), m_policy(std::move(policy))
{
    connect(&m_timer, &QTimer::timeout, this, [this] { checkNow(); });
}

void RetentionScheduler::start(std::chrono::milliseconds checkInterval)
{
    m_timer.start(checkInterval);
    checkNow();
}

void RetentionScheduler::stop() { m_timer.stop(); }

Result<std::optional<int>> RetentionScheduler::checkNow()
{
    const auto result = m_policy.applyIfDue(m_audit, m_days ? m_days() : 0);
    if (!result) {
        logger("core.audit")->warn("audit retention failed: {}", result.error().message.toStdString());
        Q_EMIT failed(result.error());
    } else if (result->has_value()) {
        Q_EMIT applied(**result);
    }
    return result;
}

} // namespace keyward
