// Alert evaluation cost per audited call with every rule on (AlertEngine::observe on a mix of
// allowed calls, 5xx answers and denials of 20 agents over 10 services, an expected-hours schedule
// set so outside_schedule evaluates it too) against the cost of the audit append itself
// (AuditLog::append of the same rows to a real audit.db, committed each), measured in the same run;
// and the memory of the volume baselines for 100 agents × 50 services (the engine's own estimate
// and the process's RSS growth while filling them).

#include "bench.h"

#include "alerts/alertengine.h"
#include "audit/auditlog.h"

#include <QFile>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>

namespace keyward::bench {

namespace {

using Clock = std::chrono::steady_clock;

double nsSince(Clock::time_point start, int count)
{
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count()) / count;
}

AuditRow callRow(int i)
{
    AuditRow row;
    row.agent = QStringLiteral("agent-%1").arg(i % 20);
    row.client = QStringLiteral("bench");
    row.service = QStringLiteral("service-%1").arg(i % 10);
    row.method = QStringLiteral("GET");
    row.path = QStringLiteral("/repos/acme/project%1/issues").arg(i % 50);
    row.queryKeys = {QStringLiteral("page")};
    row.durationMs = 12;
    row.bytesOut = 512;
    if (i % 50 == 7) {
        row.decision = QStringLiteral("denied");
        row.rule = QStringLiteral("deny GET /admin/**");
    } else {
        row.decision = QStringLiteral("allowed");
        row.rule = QStringLiteral("allow GET /**");
        row.status = i % 100 == 3 ? 503 : 200;
    }
    return row;
}

// Resident set size of this process in KiB (Linux /proc; 0 elsewhere).
qint64 rssKiB()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * 4 : 0;
}

} // namespace

int runAlertsBenchmark(int calls)
{
    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "bench alerts: no temporary directory\n");
        return 1;
    }
    QList<AuditRow> rows;
    rows.reserve(calls);
    for (int i = 0; i < calls; ++i)
        rows.append(callRow(i));

    // Baseline: the audit append of each row (one committed transaction each, as every call).
    AuditLog audit(dir.filePath(QStringLiteral("audit.db")));
    if (const auto opened = audit.open(); !opened) {
        std::fprintf(stderr, "bench alerts: %s\n", qPrintable(opened.error().message));
        return 1;
    }
    auto start = Clock::now();
    for (const AuditRow &row : rows) {
        if (!audit.append(row)) {
            std::fprintf(stderr, "bench alerts: the audit append failed\n");
            return 1;
        }
    }
    const double append = nsSince(start, calls);

    // Every rule on, 30 calls a second of simulated time.
    AlertSettings settings = AlertSettings::defaults();
    settings.rules[QStringLiteral("outside_schedule")].schedule = QStringList{QStringLiteral("Mon-Sun 00:00-24:00")};
    QDateTime now = QDateTime::currentDateTimeUtc();
    AlertEngine engine(settings, [&now] { return now; });
    qint64 alerts = 0;
    start = Clock::now();
    for (int i = 0; i < calls; ++i) {
        AuditRow row = rows[i];
        row.seq = i + 1;
        now = now.addMSecs(33);
        alerts += engine.observe(row).size();
    }
    const double evaluate = nsSince(start, calls);
    std::printf("bench alerts: %d audited calls, audit append %.0f ns/call, alert evaluation (every rule) %.0f ns/call, "
                "ratio %.3f (%lld alert events)\n",
                calls, append, evaluate, evaluate / append, alerts);

    // Baselines of 100 agents × 50 services, two minutes of calls each (so each baseline has a sample).
    const qint64 rssBefore = rssKiB();
    AlertEngine wide(AlertSettings::defaults(), [&now] { return now; });
    qint64 seq = 0;
    for (int minute = 0; minute < 2; ++minute) {
        now = now.addSecs(60);
        for (int a = 0; a < 100; ++a) {
            for (int s = 0; s < 50; ++s) {
                AuditRow row = callRow(a);
                row.agent = QStringLiteral("agent-%1").arg(a);
                row.service = QStringLiteral("service-%1").arg(s);
                row.seq = ++seq;
                wide.observe(row);
            }
        }
    }
    const qint64 rssAfter = rssKiB();
    const qint64 bytes = wide.approximateMemoryBytes();
    std::printf("bench alerts_memory: %d agents, %d baselines (100 agents x 50 services): engine estimate %.1f KiB "
                "(%.0f bytes per baseline incl. agents and patterns), RSS growth %lld KiB\n",
                wide.agentCount(), wide.baselineCount(), double(bytes) / 1024, double(bytes) / wide.baselineCount(),
                rssAfter - rssBefore);
    return 0;
}

} // namespace keyward::bench
