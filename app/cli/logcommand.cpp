#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "audit/auditrowjson.h"
#include "cli/subcommand.h"

#include "audit/auditchain.h"
#include "audit/auditlog.h"
#include "config/configjson.h"
#include "core/keywardhome.h"
#include "core/names.h"
#include "core/timespec.h"

#include <QFileInfo>
#include <QThread>

#include <csignal>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <poll.h>
#include <unistd.h>
#endif

namespace keyward::cli {

namespace {

using json = nlohmann::json;

const QStringList kDecisions = {QStringLiteral("allowed"),  QStringLiteral("denied"), QStringLiteral("killed"),
                                QStringLiteral("approved"), QStringLiteral("error"),  QStringLiteral("change"),
                                QStringLiteral("anchor")};

constexpr int kFollowIntervalMs = 250;

volatile std::sig_atomic_t g_stopFollowing = 0;

extern "C" void stopFollowing(int) { g_stopFollowing = 1; }

QString orDash(const QString &text) { return text.isEmpty() ? QStringLiteral("-") : text; }

// One row as text: time, decision, agent, service, method, path, status, rule; change and anchor
// rows add their reason.
QString rowText(const AuditRow &row)
{
    QString text =
        QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8")
            .arg(formatRfc3339Ms(row.time), row.decision.leftJustified(8), orDash(row.agent), orDash(row.service),
                 orDash(row.method), orDash(row.path), row.status ? QString::number(*row.status) : QStringLiteral("-"),
                 orDash(row.rule.value_or(QString())));
    if (row.reason && (row.decision == QLatin1String("change") || row.decision == QLatin1String("anchor")))
        text += QStringLiteral("  (") + *row.reason + u')';
    return text;
}

void printRows(const Output &out, const QList<AuditRow> &rows)
{
    for (const AuditRow &row : rows) {
        if (out.json())
            out.object(auditRowJson(row));
        else
            out.line(rowText(row));
    }
}

// True when nobody reads our stdout any more (the reading end of a pipe closed or a write failed).
bool stdoutClosed()
{
    if (std::ferror(stdout))
        return true;
#ifdef Q_OS_UNIX
    pollfd fd{STDOUT_FILENO, 0, 0};
    if (::poll(&fd, 1, 0) > 0 && (fd.revents & (POLLERR | POLLHUP | POLLNVAL)))
        return true;
#endif
    return false;
}

int auditFailure(const Output &out, const Error &error) { return out.error(error.code, error.message); }

int listRows(const Output &out, const QString &path, AuditFilter filter, bool follow)
{
    AuditLog audit(path);
    qint64 lastSeq = 0;
    if (QFileInfo::exists(path)) {
        auto rows = audit.query(filter);
        if (!rows)
            return auditFailure(out, rows.error());
        printRows(out, *rows);
        if (!rows->isEmpty())
            lastSeq = rows->constLast().seq;
    }
    if (!follow)
        return ExitOk;

    g_stopFollowing = 0;
    const auto previousInt = std::signal(SIGINT, stopFollowing);
    const auto previousTerm = std::signal(SIGTERM, stopFollowing);
#ifdef SIGPIPE
    const auto previousPipe = std::signal(SIGPIPE, SIG_IGN);
#endif
    filter.limit.reset();
    int exitCode = ExitOk;
    while (!g_stopFollowing && !stdoutClosed()) {
        QThread::msleep(kFollowIntervalMs);
        if (g_stopFollowing || !QFileInfo::exists(path))
            continue;
        filter.afterSeq = lastSeq;
        auto rows = audit.query(filter);
        if (!rows) {
            exitCode = auditFailure(out, rows.error());
            break;
        }
        printRows(out, *rows);
        if (!rows->isEmpty())
            lastSeq = rows->constLast().seq;
    }
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
#ifdef SIGPIPE
    std::signal(SIGPIPE, previousPipe);
#endif
    return exitCode;
}

int verifyChain(const Output &out, const QString &path)
{
    if (!QFileInfo::exists(path)) {
        if (out.json())
            out.object({{"ok", true}, {"rows", 0}, {"message", "no audit yet"}});
        else
            out.line(QStringLiteral("ok: no audit yet"));
        return ExitOk;
    }
    AuditLog audit(path);
    const auto report = audit.verify();
    if (!report)
        return auditFailure(out, report.error());
    if (out.json()) {
        json object{
            {"ok", report->ok}, {"rows", report->rows}, {"first_seq", report->firstSeq}, {"last_seq", report->lastSeq}};
        if (!report->ok) {
            object["bad_seq"] = *report->badSeq;
            object["problem"] = report->problem.toStdString();
        }
        out.object(object);
    } else if (report->ok && report->rows == 0) {
        out.line(QStringLiteral("ok: no audit yet"));
    } else if (report->ok) {
        out.line(QStringLiteral("ok: %1 rows verified (seq %2 to %3)")
                     .arg(report->rows)
                     .arg(report->firstSeq)
                     .arg(report->lastSeq));
    } else {
        out.line(QStringLiteral("bad row: seq %1: %2").arg(*report->badSeq).arg(report->problem));
    }
    return report->ok ? ExitOk : ExitFailure;
}

// `keyward log purge`: an admin change. Applies the retention when due first, then purges and,
// when rows went, records a `change` row after the anchor (so the chain still verifies: the
// change row links to the anchor's prev_hash when the anchor is the newest row).
int purgeRows(const Output &out, const KeywardHome &home, const QDateTime &before)
{
    const QString path = home.auditDatabase();
    const QString cutoff = formatRfc3339Ms(before);
    if (!QFileInfo::exists(path)) {
        if (out.json())
            out.object({{"removed", 0}, {"before", cutoff.toStdString()}});
        else
            out.line(QStringLiteral("no audit yet: nothing to purge"));
        return ExitOk;
    }
    if (const auto config = loadConfigFile(home.configFile()))
        applyRetentionIfDue(home, *config, out);
    else
        out.message(QStringLiteral("keyward: warning: the audit retention was not applied: ") + config.error().message);
    AuditLog audit(path);
    const auto removed = audit.purgeBefore(before, QStringLiteral("log purge"));
    if (!removed)
        return auditFailure(out, removed.error());
    if (*removed > 0) {
        if (const auto failed = recordAdminChange(
                home, out, QStringLiteral("log purge"), QStringLiteral("audit"),
                QStringLiteral("removed %1 rows before %2").arg(*removed).arg(cutoff),
                QStringLiteral("Removed %1 rows before %2 (an anchor row records it)").arg(*removed).arg(cutoff)))
            return *failed;
    }
    if (out.json())
        out.object({{"removed", *removed}, {"before", cutoff.toStdString()}});
    else if (*removed == 0)
        out.line(QStringLiteral("no rows before %1: nothing removed").arg(cutoff));
    else
        out.line(QStringLiteral("removed %1 rows before %2 (an anchor row records it)").arg(*removed).arg(cutoff));
    return ExitOk;
}

} // namespace

int runLog(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("Only the newest N rows."),
                                   QStringLiteral("N"));
    const QCommandLineOption service(QStringLiteral("service"), QStringLiteral("Only rows of this service."),
                                     QStringLiteral("S"));
    const QCommandLineOption agent(QStringLiteral("agent"), QStringLiteral("Only rows of this agent."),
                                   QStringLiteral("A"));
    const QCommandLineOption decision(QStringLiteral("decision"),
                                      QStringLiteral("Only rows with this decision: ") +
                                          kDecisions.join(QStringLiteral(", ")) + u'.',
                                      QStringLiteral("D"));
    const QCommandLineOption since(QStringLiteral("since"),
                                   QStringLiteral("Only rows at or after T (RFC 3339, or an age such as 15m, 2h, 7d)."),
                                   QStringLiteral("T"));
    const QCommandLineOption follow(QStringLiteral("follow"),
                                    QStringLiteral("Keep printing new rows until interrupted."));
    const QCommandLineOption before(
        QStringLiteral("before"),
        QStringLiteral("With purge: remove the rows older than T (RFC 3339 or an age such as 90d)."),
        QStringLiteral("T"));
    parser.addOptions({limit, service, agent, decision, since, follow, before});
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("Nothing to list rows, `verify` to check the hash chain, `purge` to remove old rows."),
        QStringLiteral("[verify | purge]"));
    Output out;
    if (const auto stop =
            parseSubcommand(parser, args, out, QStringLiteral("Show, verify or purge the tamper-evident audit log.")))
        return *stop;

    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1)
        return out.usageError(QStringLiteral("keyward log takes at most one command (verify or purge)"));
    const QString command = positional.value(0);
    const KeywardHome home = KeywardHome::fromEnvironment();
    const QString path = home.auditDatabase();
    const bool filters = parser.isSet(limit) || parser.isSet(service) || parser.isSet(agent) ||
                         parser.isSet(decision) || parser.isSet(since) || parser.isSet(follow);

    if (command == QLatin1String("verify")) {
        if (filters || parser.isSet(before))
            return out.usageError(QStringLiteral("keyward log verify takes no options but --json"));
        return verifyChain(out, path);
    }
    if (command == QLatin1String("purge")) {
        if (filters)
            return out.usageError(QStringLiteral("keyward log purge takes only --before T"));
        if (!parser.isSet(before))
            return out.usageError(
                QStringLiteral("keyward log purge needs --before T (RFC 3339 or an age such as 90d)"));
        const auto cutoff = parseTimeSpec(parser.value(before));
        if (!cutoff)
            return out.usageError(QStringLiteral("--before: ") + cutoff.error().message);
        return purgeRows(out, home, *cutoff);
    }
    if (!command.isEmpty())
        return out.usageError(QStringLiteral("unknown log command '%1': use verify or purge").arg(command));
    if (parser.isSet(before))
        return out.usageError(QStringLiteral("--before only goes with `keyward log purge`"));

    AuditFilter filter;
    if (parser.isSet(limit)) {
        bool valid = false;
        const int n = parser.value(limit).toInt(&valid);
        if (!valid || n < 1)
            return out.usageError(QStringLiteral("--limit '%1' is not a number of rows: give a whole number, 1 or more")
                                      .arg(parser.value(limit)));
        filter.limit = n;
    }
    if (parser.isSet(service)) {
        filter.service = parser.value(service);
        if (!isValidName(filter.service))
            return out.usageError(
                QStringLiteral("--service '%1' is not a valid name: use [a-z0-9][a-z0-9_-]{0,63}").arg(filter.service));
    }
    if (parser.isSet(agent)) {
        filter.agent = parser.value(agent);
        if (!isValidName(filter.agent))
            return out.usageError(
                QStringLiteral("--agent '%1' is not a valid name: use [a-z0-9][a-z0-9_-]{0,63}").arg(filter.agent));
    }
    if (parser.isSet(decision)) {
        filter.decision = parser.value(decision);
        if (!kDecisions.contains(filter.decision))
            return out.usageError(QStringLiteral("--decision '%1' is not a decision: use one of %2")
                                      .arg(filter.decision, kDecisions.join(QStringLiteral(", "))));
    }
    if (parser.isSet(since)) {
        const auto time = parseTimeSpec(parser.value(since));
        if (!time)
            return out.usageError(QStringLiteral("--since: ") + time.error().message);
        filter.since = *time;
    }
    return listRows(out, path, filter, parser.isSet(follow));
}

} // namespace keyward::cli
