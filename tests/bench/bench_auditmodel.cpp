// audit_model: the audit browser's model (gui/models/auditmodel.h) over a 1,000,000-row audit.db.
//
// The rows are generated with direct SQLite inserts in one transaction (shape and value spread of
// real rows, but fake hashes: this chain does NOT verify, the benchmark never asks it to). Figures:
//   - first paint: AuditModel construction until its first page is loaded;
//   - filter: setFilter() until its first page is loaded (several filters, from common to none);
//   - fetchMore: the next page after the first;
// each against the baseline: open a QSqlDatabase connection and read a bare
// `SELECT <list columns> FROM audit ORDER BY seq DESC LIMIT 200` through QSqlQuery. The median of
// several runs is printed. Targets (issue 6): first paint <= 1 s, filter <= 300 ms.

#include "bench.h"

#include "audit/auditlog.h"
#include "audit/auditsearch.h"
#include "core/timespec.h"
#include "models/auditmodel.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimeZone>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace keyward::bench {

namespace {

constexpr int kRuns = 5;

const char *const kServices[] = {"github", "stripe", "openai", "anthropic", "slack", "notion",
                                 "linear", "sendgrid", "twilio", "maps", "cloudflare", "airtable"};
const char *const kDecisions[] = {"allowed", "allowed", "allowed", "allowed", "allowed", "allowed",
                                  "allowed", "denied",  "approved", "error"};
const int kStatuses[] = {200, 200, 200, 200, 201, 204, 304, 404, 429, 500};

// Every 1000th row belongs to this service, so a filter on it must look far back for a page.
const QString kRareService = QStringLiteral("rare-service");

QString fakeHash(qint64 n)
{
    return QStringLiteral("%1").arg(quint64(n) * 0x9E3779B97F4A7C15ULL, 16, 16, QLatin1Char('0')).repeated(4);
}

bool generate(const QString &path, int rows)
{
    {
        AuditLog log(path); // the real schema, with whatever indexes open() creates
        if (auto opened = log.open(); !opened) {
            std::fprintf(stderr, "bench audit_model: %s\n", qPrintable(opened.error().message));
            return false;
        }
    }
    const QString connection = QStringLiteral("bench-generate");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery query(db);
        ok = ok && query.exec(QStringLiteral("PRAGMA synchronous=OFF")) && query.exec(QStringLiteral("BEGIN"));
        ok = ok && query.prepare(QStringLiteral(
                       "INSERT INTO audit (seq, time, agent, client, service, method, path, query_keys, status, "
                       "duration_ms, bytes_in, bytes_out, decision, rule, reason, request_body, response_body, "
                       "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        const QDateTime start(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
        QString previous = QString(64, u'0');
        for (int i = 1; ok && i <= rows; ++i) {
            const QString service = i % 1000 == 0 ? kRareService : QString::fromLatin1(kServices[i % 12]);
            const QString decision = QString::fromLatin1(kDecisions[(i / 7) % 10]);
            const bool call = decision != QLatin1String("denied");
            const QString hash = fakeHash(i);
            query.addBindValue(qint64(i));
            query.addBindValue(formatRfc3339Ms(start.addMSecs(qint64(i) * 2500)));
            query.addBindValue(QStringLiteral("agent-%1").arg(i % 10));
            query.addBindValue(QStringLiteral("claude-code"));
            query.addBindValue(service);
            query.addBindValue(i % 4 == 0 ? QStringLiteral("POST") : QStringLiteral("GET"));
            query.addBindValue(QStringLiteral("/v1/items/%1").arg(i % 5000));
            query.addBindValue(QStringLiteral("[\"page\"]"));
            query.addBindValue(call ? QVariant(kStatuses[i % 10]) : QVariant(QMetaType::fromType<int>()));
            query.addBindValue(qint64(20 + i % 300));
            query.addBindValue(qint64(i % 4 == 0 ? 120 : 0));
            query.addBindValue(qint64(800 + i % 2000));
            query.addBindValue(decision);
            query.addBindValue(call ? QVariant(QStringLiteral("allow GET /v1/items/**"))
                                    : QVariant(QMetaType::fromType<QString>()));
            query.addBindValue(call ? QVariant(QMetaType::fromType<QString>())
                                    : QVariant(QStringLiteral("no rule matches")));
            query.addBindValue(QVariant(QMetaType::fromType<QString>()));
            query.addBindValue(QStringLiteral("{\"id\":%1,\"name\":\"item\"}").arg(i));
            query.addBindValue(previous);
            query.addBindValue(hash);
            ok = query.exec();
            previous = hash;
        }
        if (!ok)
            std::fprintf(stderr, "bench audit_model: generating failed: %s\n", qPrintable(query.lastError().text()));
        query.finish();
        ok = ok && query.exec(QStringLiteral("COMMIT"));
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

double medianMs(const std::function<void()> &work)
{
    std::vector<double> times;
    for (int run = 0; run < kRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        work();
        times.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// The baseline: a fresh connection and a bare first page through QSqlQuery. Returns rows read.
int bareFirstPage(const QString &path, const QString &where, const QVariantList &values)
{
    static int counter = 0;
    const QString connection = QStringLiteral("bench-bare-%1").arg(++counter);
    int rows = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery query(db);
            query.setForwardOnly(true);
            query.prepare(QStringLiteral("SELECT seq, time, agent, client, service, method, path, status, "
                                         "duration_ms, decision, rule FROM audit ") +
                          where + QStringLiteral(" ORDER BY seq DESC LIMIT 200"));
            for (const QVariant &value : values)
                query.addBindValue(value);
            query.exec();
            while (query.next()) {
                for (int column = 0; column < 11; ++column)
                    query.value(column);
                ++rows;
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return rows;
}

double countMs(const QString &path, const QString &where, const QVariantList &values, qint64 *count)
{
    const QString connection = QStringLiteral("bench-count");
    double ms = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        db.open();
        ms = medianMs([&] {
            QSqlQuery query(db);
            query.prepare(QStringLiteral("SELECT count(*) FROM audit ") + where);
            for (const QVariant &value : values)
                query.addBindValue(value);
            query.exec();
            query.next();
            *count = query.value(0).toLongLong();
        });
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ms;
}

} // namespace

int runAuditModelBenchmark(int rows)
{
    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "bench audit_model: no temporary directory\n");
        return 1;
    }
    const QString path = dir.filePath(QStringLiteral("audit.db"));
    QElapsedTimer generation;
    generation.start();
    if (!generate(path, rows))
        return 1;
    std::printf("bench audit_model: %d rows generated by direct inserts in %.1f s, %.0f MB (fake hashes: the chain "
                "does not verify)\n",
                rows, double(generation.elapsed()) / 1000.0, double(QFileInfo(path).size()) / 1e6);

    int bareRows = 0;
    const double baseline = medianMs([&] { bareRows = bareFirstPage(path, QString(), {}); });
    std::printf("bench audit_model: baseline (new connection + bare SELECT ... ORDER BY seq DESC LIMIT 200, %d rows) "
                "%.2f ms\n",
                bareRows, baseline);

    int shown = 0;
    const double firstPaint = medianMs([&] {
        gui::AuditModel model(path);
        shown = model.rowCount();
    });
    std::printf("bench audit_model: first paint (construct + first page, %d rows) %.2f ms = %.1fx baseline "
                "(target <= 1000 ms: %s)\n",
                shown, firstPaint, firstPaint / baseline, firstPaint <= 1000 ? "met" : "MISSED");

    gui::AuditModel model(path);
    const double fetch = medianMs([&] { model.fetchMore(); });
    std::printf("bench audit_model: fetchMore (next 200 rows, unfiltered, %d rows loaded after) %.2f ms = %.1fx "
                "baseline\n",
                model.rowCount(), fetch, fetch / baseline);

    struct Case {
        const char *name;
        AuditSearch search;
    };
    std::vector<Case> cases;
    {
        AuditSearch s;
        s.service = QStringLiteral("stripe");
        s.text = QStringLiteral("items/9");
        cases.push_back({"service = stripe + text 'items/9'", s});
        s = AuditSearch{};
        s.service = QStringLiteral("github");
        cases.push_back({"service = github", s});
        s = AuditSearch{};
        s.decision = QStringLiteral("denied");
        s.agent = QStringLiteral("agent-3");
        cases.push_back({"decision = denied + agent-3", s});
        s = AuditSearch{};
        s.status = StatusRange{500, 599};
        cases.push_back({"status 5xx", s});
        s = AuditSearch{};
        s.text = QStringLiteral("items/42");
        cases.push_back({"text 'items/42' only", s});
        s = AuditSearch{};
        s.service = kRareService;
        cases.push_back({"service = rare (0.1% of rows)", s});
        s = AuditSearch{};
        s.from = QDateTime(QDate(2026, 1, 10), QTime(0, 0), QTimeZone::utc());
        s.to = QDateTime(QDate(2026, 1, 11), QTime(0, 0), QTimeZone::utc());
        cases.push_back({"one day, far back", s});
        s = AuditSearch{};
        s.service = kRareService;
        s.text = QStringLiteral("no-such-text");
        cases.push_back({"rare service + text matching nothing", s});
        s = AuditSearch{};
        s.text = QStringLiteral("no-such-text");
        cases.push_back({"text matching nothing (full scan)", s});
    }
    double worstFilter = 0;
    for (const Case &c : cases) {
        const double applied = medianMs([&] { model.setFilter(c.search); });
        const int firstPage = model.rowCount();
        const double more = model.canFetchMore() ? medianMs([&] { model.fetchMore(); }) : 0.0;
        const SqlCondition condition = c.search.condition();
        const double bare = medianMs([&] {
            bareFirstPage(path, QStringLiteral("WHERE ") + condition.sql, condition.values);
        });
        worstFilter = std::max(worstFilter, applied);
        std::printf("bench audit_model: filter %-38s first page (%3d rows) %8.2f ms = %6.1fx baseline "
                    "(bare filtered query %8.2f ms), fetchMore %7.2f ms (target <= 300 ms: %s)\n",
                    c.name, firstPage, applied, applied / baseline, bare, more, applied <= 300 ? "met" : "MISSED");
    }

    qint64 total = 0;
    const double countAll = countMs(path, QString(), {}, &total);
    qint64 github = 0;
    const double countGithub = countMs(path, QStringLiteral("WHERE service = ?"), {QStringLiteral("github")}, &github);
    std::printf("bench audit_model: for reference, count(*) of %lld rows %.2f ms, of service = github (%lld rows) "
                "%.2f ms: the model never counts\n",
                static_cast<long long>(total), countAll, static_cast<long long>(github), countGithub);
    std::printf("bench audit_model: first paint %.1f ms (target 1000), worst filter %.1f ms (target 300)\n", firstPaint,
                worstFilter);
    return 0;
}

} // namespace keyward::bench
