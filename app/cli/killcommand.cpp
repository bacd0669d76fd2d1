// `keyward kill [--service S | --agent A]` and `keyward resume [--service S | --agent A | --all]`
// (DESIGN.md "CLI").
//
// They act directly on state.json under the home's lock (run/lock); a running process that serves
// calls follows the file live (KillState) and stops every call the new switch covers, in flight
// ones included. A service must exist to be killed; an agent need not (stdio agents are named by
// their client and are not registered): the switch applies to any session calling under that
// name. Every kill and resume is recorded as a `change` row (method "kill" or "resume", path the
// target: "all", "service:<s>", "agent:<a>", or "everything" for `resume --all`), also when it
// changed nothing. A global kill succeeds even when config.json or state.json is unreadable
// (changeKillSwitches() says how), so the emergency brake always works.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/subcommand.h"

#include "config/configjson.h"
#include "config/homelock.h"
#include "core/keywardhome.h"
#include "core/names.h"
#include "policy/widening.h"
#include "state/statefile.h"

#include <optional>

namespace keyward::cli {

namespace {

using json = nlohmann::json;

const QString kNamePattern = QStringLiteral("[a-z0-9][a-z0-9_-]{0,63}");

struct Request {
    KillAction action = KillAction::Kill;
    KillTarget target;
};

// Parses the flags of `kill` (resume = false) or `resume`; an exit code to stop with, or nullopt.
std::optional<int> parseRequest(const QStringList &args, bool resume, Output &out, Request &request)
{
    QCommandLineParser parser;
    const QCommandLineOption service(QStringLiteral("service"),
                                     resume ? QStringLiteral("Resume the calls to this service.")
                                            : QStringLiteral("Stop every call to this service only."),
                                     QStringLiteral("S"));
    const QCommandLineOption agent(QStringLiteral("agent"),
                                   resume ? QStringLiteral("Resume the calls of this agent.")
                                          : QStringLiteral("Stop every call of this agent only (it need not be registered)."),
                                   QStringLiteral("A"));
    const QCommandLineOption all(QStringLiteral("all"), QStringLiteral("Clear every kill switch, not only the global one."));
    parser.addOption(service);
    parser.addOption(agent);
    if (resume)
        parser.addOption(all);
    const QString synopsis =
        resume ? QStringLiteral("Lift a kill switch. Without options: the global one only; --all: every one.")
               : QStringLiteral("Stop calls at once, in flight ones included: every call, or one service's or agent's.");
    if (const auto stop = parseSubcommand(parser, args, out, synopsis))
        return stop;
    const QString command = args.value(0);
    if (!parser.positionalArguments().isEmpty()) {
        return out.usageError(QStringLiteral("%1 takes no arguments; name a target with %2")
                                  .arg(command, resume ? QStringLiteral("--service S, --agent A or --all")
                                                       : QStringLiteral("--service S or --agent A")));
    }
    const int given = int(parser.isSet(service)) + int(parser.isSet(agent)) + int(resume && parser.isSet(all));
    if (given > 1) {
        return out.usageError(resume ? QStringLiteral("--service, --agent and --all exclude each other")
                                     : QStringLiteral("--service and --agent exclude each other"));
    }
    for (const QCommandLineOption *option : {&service, &agent}) {
        const QStringList values = parser.values(*option);
        if (values.size() > 1)
            return out.usageError(QStringLiteral("--%1 is given more than once").arg(option->names().first()));
        if (values.size() == 1 && !isValidName(values.first())) {
            return out.usageError(QStringLiteral("--%1 needs a name matching %2").arg(option->names().first(), kNamePattern));
        }
    }
    request.action = resume ? KillAction::Resume : KillAction::Kill;
    if (parser.isSet(service))
        request.target = KillTarget::service(parser.value(service));
    else if (parser.isSet(agent))
        request.target = KillTarget::agent(parser.value(agent));
    else if (resume && parser.isSet(all))
        request.action = KillAction::ResumeEverything;
    return std::nullopt;
}

QString auditTarget(const Request &request)
{
    if (request.action == KillAction::ResumeEverything)
        return QStringLiteral("everything");
    return request.target.rule().mid(int(qstrlen("kill:")));
}

// Messages on a terminal quote names with ' rather than the Markdown backticks agents get.
QString plain(QString text) { return text.replace(u'`', u'\''); }

QString capitalized(QString text)
{
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

json switchesToJson(const KillSwitches &switches)
{
    json services = json::array();
    for (const QString &service : switches.services)
        services.push_back(service.toStdString());
    json agents = json::array();
    for (const QString &agent : switches.agents)
        agents.push_back(agent.toStdString());
    return json{{"all", switches.all}, {"services", services}, {"agents", agents}};
}

// What happened, in a sentence without a trailing period: "Killed the service `api`".
QString describeOutcome(const Request &request, const KillChange &change)
{
    const QString what = request.target.describe();
    if (request.target.kind == KillTarget::Kind::All && request.action == KillAction::Resume) {
        return change.changed() ? QStringLiteral("Lifted the global kill switch")
                                : QStringLiteral("The global kill switch was not set");
    }
    switch (request.action) {
    case KillAction::Kill:
        return change.changed() || !change.setAside.isEmpty()
                   ? QStringLiteral("Killed %1").arg(what)
                   : QStringLiteral("%1 was already killed").arg(capitalized(what));
    case KillAction::Resume:
        return change.changed() ? QStringLiteral("Resumed %1").arg(what)
                                : QStringLiteral("%1 was not killed").arg(capitalized(what));
    case KillAction::ResumeEverything:
        return change.changed() ? QStringLiteral("Cleared every kill switch (%1)").arg(change.before.describe())
                                : QStringLiteral("No kill switch was set");
    }
    return {};
}

int run(const QStringList &args, bool resume)
{
    Output out;
    Request request;
    if (const auto stop = parseRequest(args, resume, out, request))
        return *stop;
    const KeywardHome home = KeywardHome::fromEnvironment();

    auto lock = HomeLock::acquire(home);
    if (!lock)
        return out.error(lock.error().code, lock.error().message);

    // The config is needed to check a service name; a global or agent kill works without it.
    const auto config = loadConfigFile(home.configFile());
    if (config)
        applyRetentionIfDue(home, *config, out);
    const bool isService = request.target.kind == KillTarget::Kind::Service && request.action != KillAction::ResumeEverything;
    const bool knownService = config && config->services.count(request.target.name) > 0;
    if (isService && request.action == KillAction::Kill) {
        if (!config)
            return out.error(config.error().code, config.error().message);
        if (!knownService) {
            return out.error(QStringLiteral("not_found"),
                             QStringLiteral("there is no service named '%1'; `keyward service list` shows the services")
                                 .arg(request.target.name));
        }
    }

    if (request.action != KillAction::Kill) {
        // Lifting a switch widens access: while the tray runs, the user confirms it there first.
        if (const auto current = readStateFile(home.stateFile()); current) {
            KillSwitches after = current->kill;
            if (request.action == KillAction::ResumeEverything)
                after.resumeEverything();
            else
                after.resume(request.target);
            const KillSwitches before = current->kill;
            const auto unchanged = [&home, &before] {
                const auto now = readStateFile(home.stateFile());
                return now && now->kill == before;
            };
            if (const auto stop = confirmWidening(home, out, resume ? QStringLiteral("resume") : QStringLiteral("kill"),
                                                  policy::wideningChanges(before, after), lock.value(), unchanged))
                return *stop;
        }
    }
    const auto change = changeKillSwitches(home.stateFile(), request.action, request.target);
    if (!change)
        return out.error(change.error().code, change.error().message);
    if (isService && request.action == KillAction::Resume && !change->changed() && !knownService) {
        return out.error(QStringLiteral("not_found"),
                         QStringLiteral("the service '%1' is neither killed nor configured (killed now: %2)")
                             .arg(request.target.name, plain(change->after.describe())));
    }

    const QString outcome = describeOutcome(request, *change);
    QString summary = outcome + QStringLiteral("; now killed: ") + change->after.describe();
    if (!change->setAside.isEmpty())
        summary += QStringLiteral("; the unreadable state.json was moved to ") + change->setAside;
    if (const auto failed = recordAdminChange(home, out, resume ? QStringLiteral("resume") : QStringLiteral("kill"),
                                              auditTarget(request), summary, outcome,
                                              isService ? request.target.name : QString()))
        return *failed;

    if (out.json()) {
        out.object({{"action", resume ? "resume" : "kill"},
                    {"target", auditTarget(request).toStdString()},
                    {"changed", change->changed()},
                    {"kill", switchesToJson(change->after)}});
        return ExitOk;
    }
    out.message(plain(outcome) + u'.');
    if (!change->setAside.isEmpty()) {
        out.message(QStringLiteral("keyward: warning: state.json was unreadable; it is kept as %1 and a fresh one "
                                   "was written")
                        .arg(change->setAside));
    }
    if (request.action == KillAction::Kill && request.target.kind == KillTarget::Kind::Agent &&
        !(config && config->agents.count(request.target.name))) {
        out.message(QStringLiteral("No agent named '%1' is registered; the switch applies to any session calling as "
                                   "'%1', now or later.")
                        .arg(request.target.name));
    }
    out.line(change->after.isEmpty() ? QStringLiteral("Nothing is killed.")
                                     : QStringLiteral("Killed now: ") + plain(change->after.describe()));
    return ExitOk;
}

} // namespace

int runKill(const QStringList &args) { return run(args, false); }

int runResume(const QStringList &args) { return run(args, true); }

} // namespace keyward::cli
