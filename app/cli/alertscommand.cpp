// `keyward alerts [--limit N] [--unseen] [--json]` and `keyward alerts seen [ID...]` (DESIGN.md
// "CLI"): the anomaly alerts the owner stored in the alerts table of audit.db. Listing prints the
// newest N alerts (default kDefaultLimit), oldest first as `keyward log` does; `seen` marks the given
// alerts (every unseen one without IDs) seen, which clears the tray's alert state, and tells a
// running owner so its tray follows at once.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/subcommand.h"

#include "alerts/alertstore.h"
#include "core/keywardhome.h"
#include "core/timespec.h"

#include <QFileInfo>

#include <algorithm>

namespace keyward::cli {

namespace {

using json = nlohmann::json;

constexpr int kDefaultLimit = 100;

json alertJson(const Alert &alert)
{
    return json{{"id", alert.id},
                {"time", formatRfc3339Ms(alert.time).toStdString()},
                {"severity", severityName(alert.severity).toStdString()},
                {"category", alert.category.toStdString()},
                {"agent", alert.agent.toStdString()},
                {"service", alert.service.toStdString()},
                {"message", alert.message.toStdString()},
                {"first_seq", alert.firstSeq},
                {"last_seq", alert.lastSeq},
                {"count", alert.count},
                {"seen", alert.seen},
                {"action_taken", alert.actionTaken ? json(alert.actionTaken->toStdString()) : json()}};
}

QString orDash(const QString &text) { return text.isEmpty() ? QStringLiteral("-") : text; }

// Two lines per alert: its facts, then its message (and what Keyward did).
QString alertText(const Alert &alert)
{
    QString text = QStringLiteral("#%1  %2  %3  %4  agent %5  service %6  x%7  seq %8-%9")
                       .arg(QString::number(alert.id), formatRfc3339Ms(alert.time), severityName(alert.severity).leftJustified(8),
                            alert.category, orDash(alert.agent), orDash(alert.service), QString::number(alert.count),
                            QString::number(alert.firstSeq), QString::number(alert.lastSeq));
    if (!alert.seen)
        text += QStringLiteral("  (new)");
    text += QStringLiteral("\n    ") + alert.message;
    if (alert.actionTaken)
        text += QStringLiteral("\n    Keyward did: ") + *alert.actionTaken;
    return text;
}

int list(const Output &out, const QString &path, int limit, bool onlyUnseen)
{
    if (!QFileInfo::exists(path)) {
        if (!out.json())
            out.message(QStringLiteral("No alerts yet."));
        return ExitOk;
    }
    AlertStore store(path);
    auto alerts = store.list(limit, onlyUnseen);
    if (!alerts)
        return out.error(alerts.error().code, alerts.error().message);
    QList<Alert> ordered = std::move(alerts).value();
    std::reverse(ordered.begin(), ordered.end());
    for (const Alert &alert : ordered) {
        if (out.json())
            out.object(alertJson(alert));
        else
            out.line(alertText(alert));
    }
    if (ordered.isEmpty() && !out.json())
        out.message(onlyUnseen ? QStringLiteral("No unseen alerts.") : QStringLiteral("No alerts yet."));
    return ExitOk;
}

int markSeen(const Output &out, const KeywardHome &home, const QStringList &idTexts)
{
    QList<qint64> ids;
    for (const QString &text : idTexts) {
        bool valid = false;
        const qint64 id = text.toLongLong(&valid);
        if (!valid || id < 1)
            return out.usageError(QStringLiteral("'%1' is not an alert id: give the numbers `keyward alerts` shows "
                                                 "after #, or none to mark every alert seen")
                                      .arg(text.left(32)));
        ids << id;
    }
    int marked = 0;
    if (QFileInfo::exists(home.auditDatabase())) {
        AlertStore store(home.auditDatabase());
        const auto done = store.markSeen(ids);
        if (!done)
            return out.error(done.error().code, done.error().message);
        marked = *done;
        tellOwnerToReload(home, out);
    }
    if (out.json())
        out.object({{"marked", marked}});
    else
        out.line(QStringLiteral("%1 alert%2 marked seen").arg(marked).arg(marked == 1 ? QString() : QStringLiteral("s")));
    return ExitOk;
}

} // namespace

int runAlerts(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("Only the newest N alerts (default %1).").arg(kDefaultLimit),
                                   QStringLiteral("N"));
    const QCommandLineOption unseen(QStringLiteral("unseen"), QStringLiteral("Only the alerts not yet seen."));
    parser.addOptions({limit, unseen});
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("Nothing to list the alerts; `seen [ID...]` to mark them seen (all "
                                                "without IDs)."),
                                 QStringLiteral("[seen [ID...]]"));
    Output out;
    if (const auto stop = parseSubcommand(
            parser, args, out,
            QStringLiteral("List the anomaly alerts (unusual agent behaviour), or mark them seen.")))
        return *stop;
    const QStringList positional = parser.positionalArguments();
    const KeywardHome home = KeywardHome::fromEnvironment();
    if (!positional.isEmpty()) {
        if (positional.first() != QLatin1String("seen"))
            return out.usageError(QStringLiteral("unknown alerts command: use `keyward alerts` to list them or "
                                                 "`keyward alerts seen [ID...]` to mark them seen"));
        if (parser.isSet(limit) || parser.isSet(unseen))
            return out.usageError(QStringLiteral("keyward alerts seen takes alert ids and --json only"));
        return markSeen(out, home, positional.mid(1));
    }
    int n = kDefaultLimit;
    if (parser.isSet(limit)) {
        bool valid = false;
        n = parser.value(limit).toInt(&valid);
        if (!valid || n < 1)
            return out.usageError(QStringLiteral("--limit '%1' is not a number of alerts: give a whole number, 1 or more")
                                      .arg(parser.value(limit).left(32)));
    }
    return list(out, home.auditDatabase(), n, parser.isSet(unseen));
}

} // namespace keyward::cli
