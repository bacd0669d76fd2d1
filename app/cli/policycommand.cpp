// `keyward policy set|show` (DESIGN.md "CLI", "Policy").
//
// `policy set` changes only the fields whose flags are given, either in the service's policy or,
// with --agent, in that agent's override (agentPoliciesJson). A list changed for an agent that has
// no override of that list yet (--allow, --remove-rule, --allow-header) starts from the list the
// agent has now (the service's), so "add a rule for this agent" keeps the rules it already had.
// Each read-modify-write of config.json holds the home's lock (run/lock), applies the audit
// retention when due, saves atomically and records one `change` row (method "policy set", path
// NAME or NAME/AGENT, reason a summary of what changed). A set that changes nothing saves nothing
// and records nothing.
//
// `policy show` prints the effective policy (policy::effectivePolicy) of the service, or of the
// service for one agent.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/subcommand.h"

#include "config/configjson.h"
#include "config/homelock.h"
#include "config/units.h"
#include "config/validation.h"
#include "core/keywardhome.h"
#include "core/names.h"
#include "policy/effectivepolicy.h"
#include "policy/widening.h"

#include <QCommandLineParser>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <tuple>

namespace keyward::cli {

namespace {

using json = nlohmann::json;

const QString kNamePattern = QStringLiteral("[a-z0-9][a-z0-9_-]{0,63}");

const char *actionName(RuleAction action)
{
    return action == RuleAction::Allow ? "allow" : action == RuleAction::Deny ? "deny" : "ask";
}


QString ruleText(const Rule &rule)
{
    return QStringLiteral("%1 %2 %3").arg(QString::fromLatin1(actionName(rule.action)), rule.method, rule.path);
}

QString rateText(const RateLimit &rate)
{
    QString text = QStringLiteral("%1/%2").arg(rate.n).arg(ratePerName(rate.per));
    if (rate.burst != rate.n)
        text += QStringLiteral(", burst %1").arg(rate.burst);
    return text;
}

// The policy object of config.json for `policy` (serviceToJson's mapping, so names and shapes
// cannot drift from the file's).
json policyJson(const Policy &policy)
{
    ServiceConfig holder;
    holder.policy = policy;
    return json::parse(serviceToJson(holder)["policy"].dump());
}

int usage(const Output &out, const QString &text) { return out.usageError(text); }

// Parses `keyward policy <action> NAME [options]`; exactly one positional, a service name.
std::optional<int> parseAction(QCommandLineParser &parser, const QStringList &args, Output &out,
                               const QString &synopsis, QString &name)
{
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The service name, %1.").arg(kNamePattern));
    if (const auto stop = parseSubcommand(parser, args, out, synopsis))
        return stop;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage(out, QStringLiteral("%1 needs a service NAME").arg(args.value(0)));
    if (positional.size() > 1)
        return usage(out, QStringLiteral("%1 takes one NAME; quote arguments that contain spaces").arg(args.value(0)));
    name = positional.first();
    if (!isValidName(name))
        return usage(out, QStringLiteral("NAME is not a valid service name: use %1").arg(kNamePattern));
    return std::nullopt;
}

// Reads --agent (optional, at most once, a valid agent name) into `agent`.
std::optional<int> readAgent(const QCommandLineParser &parser, const QCommandLineOption &option, const Output &out,
                             QString &agent)
{
    const QStringList values = parser.values(option);
    if (values.size() > 1)
        return usage(out, QStringLiteral("--agent is given more than once"));
    agent = values.value(0);
    if (!values.isEmpty() && !isValidName(agent))
        return usage(out, QStringLiteral("--agent is not a valid agent name: use %1").arg(kNamePattern));
    return std::nullopt;
}

// The service `name` of `config`, or an error (exit 1) listing the known services.
const ServiceConfig *findService(const Config &config, const QString &name, const Output &out, int &exitCode)
{
    const auto found = config.services.find(name);
    if (found != config.services.end())
        return &found->second;
    QStringList known;
    for (const auto &[service, unused] : config.services)
        known << service;
    exitCode = out.error(QStringLiteral("not_found"),
                         known.isEmpty()
                             ? QStringLiteral("there is no service named '%1' and no service yet; add one with `keyward service "
                                              "add NAME --base-url URL --auth bearer`")
                                   .arg(name)
                             : QStringLiteral("there is no service named '%1'; known services: %2").arg(name, known.join(QStringLiteral(", "))));
    return nullptr;
}

// ---- set ----------------------------------------------------------------------------------

struct SetOptions {
    QCommandLineOption agent{QStringLiteral("agent"), QStringLiteral("Change this agent's override instead of the service's policy."), QStringLiteral("A")};
    QCommandLineOption allow{QStringLiteral("allow"), QStringLiteral("Add an allow rule 'METHOD /path/glob' (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption deny{QStringLiteral("deny"), QStringLiteral("Add a deny rule 'METHOD /path/glob' (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption ask{QStringLiteral("ask"), QStringLiteral("Add an ask rule 'METHOD /path/glob' (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption removeRule{QStringLiteral("remove-rule"), QStringLiteral("Remove the rules on 'METHOD /path/glob', whatever their action (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption clearRules{QStringLiteral("clear-rules"), QStringLiteral("Remove every rule first (no rules = read-only).")};
    QCommandLineOption rate{QStringLiteral("rate"), QStringLiteral("Rate limit N/s|min|h|day[,burst=M], e.g. 60/min."), QStringLiteral("RATE")};
    QCommandLineOption noRate{QStringLiteral("no-rate"), QStringLiteral("No rate limit.")};
    QCommandLineOption schedule{QStringLiteral("schedule"), QStringLiteral("When calls are allowed, e.g. 'Mon-Fri 09:00-18:00; Sat 10:00-12:00'."), QStringLiteral("SCHEDULE")};
    QCommandLineOption noSchedule{QStringLiteral("no-schedule"), QStringLiteral("Calls allowed at any time.")};
    QCommandLineOption requireReason{QStringLiteral("require-reason"), QStringLiteral("Agents must give a reason with each call.")};
    QCommandLineOption noRequireReason{QStringLiteral("no-require-reason"), QStringLiteral("No reason needed.")};
    QCommandLineOption agents{QStringLiteral("agents"), QStringLiteral("Only these agents may call the service (comma-separated)."), QStringLiteral("A,B")};
    QCommandLineOption allAgents{QStringLiteral("all-agents"), QStringLiteral("Every agent may call the service.")};
    QCommandLineOption timeout{QStringLiteral("timeout"), QStringLiteral("Upstream timeout, e.g. 30s."), QStringLiteral("DURATION")};
    QCommandLineOption maxRequest{QStringLiteral("max-request"), QStringLiteral("Request body cap, e.g. 1MiB."), QStringLiteral("SIZE")};
    QCommandLineOption maxResponse{QStringLiteral("max-response"), QStringLiteral("Response size cap, e.g. 10MiB."), QStringLiteral("SIZE")};
    QCommandLineOption allowHeader{QStringLiteral("allow-header"), QStringLiteral("A header agents may send (repeatable)."), QStringLiteral("NAME")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({agent, allow, deny, ask, removeRule, clearRules, rate, noRate, schedule, noSchedule, requireReason,
                           noRequireReason, agents, allAgents, timeout, maxRequest, maxResponse, allowHeader});
    }
};

// What the flags of one `policy set` ask for; unset members leave the field alone.
struct PolicyChange {
    bool clearRules = false;
    QList<Rule> removeRules; // only method and path count
    QList<Rule> addRules;
    std::optional<std::optional<RateLimit>> rate;
    std::optional<QStringList> schedule;
    std::optional<bool> requireReason;
    std::optional<std::optional<QStringList>> agents;
    std::optional<int> timeoutMs;
    std::optional<qint64> maxRequestBytes;
    std::optional<qint64> maxResponseBytes;
    QStringList addHeaders;
};

Result<RateLimit> parseRate(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})/(s|min|h|day)(?:,burst=(\\d{1,9}))?$"));
    const auto match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return Error{QStringLiteral("usage"), QStringLiteral("expects N/s, N/min, N/h or N/day, optionally ,burst=M (e.g. 60/min,burst=10)")};
    RateLimit rate;
    rate.per = ratePerFromName(match.captured(2)).value_or(RatePer::Minute); // the pattern admits only valid names
    const qint64 n = match.captured(1).toLongLong();
    const qint64 burst = match.captured(3).isEmpty() ? n : match.captured(3).toLongLong();
    if (n < 1 || n > config_check::kMaxRate || burst < 1 || burst > config_check::kMaxRate)
        return Error{QStringLiteral("usage"), QStringLiteral("N and burst must be between 1 and %1").arg(config_check::kMaxRate)};
    rate.n = int(n);
    rate.burst = int(burst);
    return rate;
}

std::optional<int> changeFromFlags(const QCommandLineParser &parser, const SetOptions &o, const Output &out,
                                   PolicyChange &change)
{
    // Single-valued flags given twice are a mistake, not "last one wins".
    for (const QCommandLineOption *option : {&o.rate, &o.schedule, &o.agents, &o.timeout, &o.maxRequest, &o.maxResponse}) {
        if (parser.values(*option).size() > 1)
            return usage(out, QStringLiteral("--%1 is given more than once").arg(option->names().first()));
    }
    const std::pair<const QCommandLineOption *, const QCommandLineOption *> conflicts[] = {
        {&o.rate, &o.noRate},
        {&o.schedule, &o.noSchedule},
        {&o.requireReason, &o.noRequireReason},
        {&o.agents, &o.allAgents},
        {&o.clearRules, &o.removeRule},
    };
    for (const auto &[a, b] : conflicts) {
        if (parser.isSet(*a) && parser.isSet(*b))
            return usage(out, QStringLiteral("--%1 and --%2 cannot be used together").arg(a->names().first(), b->names().first()));
    }

    change.clearRules = parser.isSet(o.clearRules);
    for (const QString &text : parser.values(o.removeRule)) {
        const auto rule = config_check::parseRule(RuleAction::Deny, text);
        if (!rule)
            return usage(out, QStringLiteral("--remove-rule: %1").arg(rule.error().message));
        change.removeRules << *rule;
    }
    const std::pair<const QCommandLineOption *, RuleAction> ruleFlags[] = {
        {&o.allow, RuleAction::Allow}, {&o.deny, RuleAction::Deny}, {&o.ask, RuleAction::Ask}};
    for (const auto &[option, action] : ruleFlags) {
        for (const QString &text : parser.values(*option)) {
            const auto rule = config_check::parseRule(action, text);
            if (!rule)
                return usage(out, QStringLiteral("--%1: %2").arg(option->names().first(), rule.error().message));
            if (!change.addRules.contains(*rule))
                change.addRules << *rule;
        }
    }

    if (parser.isSet(o.rate)) {
        const auto rate = parseRate(parser.value(o.rate));
        if (!rate)
            return usage(out, QStringLiteral("--rate %1").arg(rate.error().message));
        change.rate = std::optional<RateLimit>(*rate);
    } else if (parser.isSet(o.noRate)) {
        change.rate = std::optional<RateLimit>();
    }

    if (parser.isSet(o.schedule)) {
        QStringList entries;
        for (const QString &part : parser.value(o.schedule).split(u';')) {
            const QString entry = part.simplified();
            if (entry.isEmpty())
                return usage(out, QStringLiteral("--schedule has an empty entry; separate entries with '; ' "
                                                 "(e.g. 'Mon-Fri 09:00-18:00; Sat 10:00-12:00')"));
            if (const QString problem = config_check::scheduleProblem(entry); !problem.isEmpty())
                return usage(out, QStringLiteral("--schedule %1").arg(problem));
            entries << entry;
        }
        change.schedule = entries;
    } else if (parser.isSet(o.noSchedule)) {
        change.schedule = QStringList();
    }

    if (parser.isSet(o.requireReason))
        change.requireReason = true;
    else if (parser.isSet(o.noRequireReason))
        change.requireReason = false;

    if (parser.isSet(o.agents)) {
        QStringList names;
        for (const QString &part : parser.value(o.agents).split(u',')) {
            const QString agent = part.trimmed();
            if (!isValidName(agent))
                return usage(out, QStringLiteral("--agents takes comma-separated agent names, each matching %1").arg(kNamePattern));
            if (names.contains(agent))
                return usage(out, QStringLiteral("--agents names an agent twice"));
            names << agent;
        }
        change.agents = std::optional<QStringList>(names);
    } else if (parser.isSet(o.allAgents)) {
        change.agents = std::optional<QStringList>();
    }

    if (parser.isSet(o.timeout)) {
        const auto ms = parseDurationMs(parser.value(o.timeout));
        if (!ms)
            return usage(out, QStringLiteral("--timeout %1").arg(ms.error().message));
        if (*ms < config_check::kMinTimeoutMs || *ms > config_check::kMaxTimeoutMs)
            return usage(out, QStringLiteral("--timeout must be between 100ms and 10m"));
        change.timeoutMs = int(*ms);
    }
    const std::tuple<const QCommandLineOption *, std::optional<qint64> *, qint64> sizes[] = {
        {&o.maxRequest, &change.maxRequestBytes, 0}, {&o.maxResponse, &change.maxResponseBytes, 1}};
    for (const auto &[option, target, minimum] : sizes) {
        if (!parser.isSet(*option))
            continue;
        const auto bytes = parseByteSize(parser.value(*option));
        if (!bytes)
            return usage(out, QStringLiteral("--%1 %2").arg(option->names().first(), bytes.error().message));
        if (*bytes < minimum || *bytes > config_check::kMaxBodyBytes)
            return usage(out, QStringLiteral("--%1 must be between %2 and 1GiB")
                                  .arg(option->names().first(), minimum == 0 ? QStringLiteral("0") : QStringLiteral("1 byte")));
        *target = *bytes;
    }

    for (const QString &name : parser.values(o.allowHeader)) {
        if (const QString problem = config_check::headerNameProblem(name); !problem.isEmpty())
            return usage(out, QStringLiteral("--allow-header %1").arg(problem));
        if (config_check::isSecurityHeader(name))
            return usage(out, QStringLiteral("--allow-header names a security-relevant header that agents may never send"));
        change.addHeaders << name;
    }

    const bool any = change.clearRules || !change.removeRules.isEmpty() || !change.addRules.isEmpty() || change.rate
        || change.schedule || change.requireReason || change.agents || change.timeoutMs || change.maxRequestBytes
        || change.maxResponseBytes || !change.addHeaders.isEmpty();
    if (!any)
        return usage(out, QStringLiteral("nothing to change: give at least one of --allow, --deny, --ask, --remove-rule, "
                                         "--clear-rules, --rate, --no-rate, --schedule, --no-schedule, --require-reason, "
                                         "--no-require-reason, --agents, --all-agents, --timeout, --max-request, "
                                         "--max-response, --allow-header"));
    return std::nullopt;
}

// Applies `change` to `policy`; returns the config.json names of the fields that changed and, in
// `summary`, what changed in words. A --remove-rule that matches no rule is an error (exit 1):
// the error's message names it.
Result<QStringList> applyChange(const PolicyChange &change, const AuthConfig &auth, Policy &policy, QStringList &summary)
{
    QStringList fields;
    auto touch = [&fields](const char *field) {
        if (!fields.contains(QLatin1String(field)))
            fields << QString::fromLatin1(field);
    };

    if (change.clearRules && !policy.rules.isEmpty()) {
        policy.rules.clear();
        touch("rules");
        summary << QStringLiteral("cleared rules");
    }
    for (const Rule &remove : change.removeRules) {
        const qsizetype removed = policy.rules.removeIf(
            [&remove](const Rule &rule) { return rule.method == remove.method && rule.path == remove.path; });
        if (removed == 0)
            return Error{QStringLiteral("not_found"),
                         QStringLiteral("--remove-rule: there is no rule on '%1 %2'; `keyward policy show` lists the rules")
                             .arg(remove.method, remove.path)};
        touch("rules");
        summary << QStringLiteral("removed rule %1 %2").arg(remove.method, remove.path);
    }
    for (const Rule &add : change.addRules) {
        if (policy.rules.contains(add))
            continue;
        policy.rules << add;
        touch("rules");
        summary << QStringLiteral("added ") + ruleText(add);
    }
    if (change.rate && *change.rate != policy.rate) {
        policy.rate = *change.rate;
        touch("rate");
        summary << (policy.rate ? QString(QStringLiteral("rate ") + rateText(*policy.rate)) : QStringLiteral("no rate limit"));
    }
    if (change.schedule && *change.schedule != policy.schedule) {
        policy.schedule = *change.schedule;
        touch("schedule");
        summary << (policy.schedule.isEmpty() ? QStringLiteral("no schedule")
                                              : QString(QStringLiteral("schedule ") + policy.schedule.join(QStringLiteral(", "))));
    }
    if (change.requireReason && *change.requireReason != policy.requireReason) {
        policy.requireReason = *change.requireReason;
        touch("requireReason");
        summary << (policy.requireReason ? QStringLiteral("reason required") : QStringLiteral("reason not required"));
    }
    if (change.agents && *change.agents != policy.agents) {
        policy.agents = *change.agents;
        touch("agents");
        summary << (policy.agents ? QString(QStringLiteral("agents ") + policy.agents->join(QStringLiteral(", "))) : QStringLiteral("all agents"));
    }
    if (change.timeoutMs && *change.timeoutMs != policy.timeoutMs) {
        policy.timeoutMs = *change.timeoutMs;
        touch("timeoutMs");
        summary << QStringLiteral("timeout ") + formatDurationMs(policy.timeoutMs);
    }
    if (change.maxRequestBytes && *change.maxRequestBytes != policy.maxRequestBytes) {
        policy.maxRequestBytes = *change.maxRequestBytes;
        touch("maxRequestBytes");
        summary << QStringLiteral("max request ") + formatByteSize(policy.maxRequestBytes);
    }
    if (change.maxResponseBytes && *change.maxResponseBytes != policy.maxResponseBytes) {
        policy.maxResponseBytes = *change.maxResponseBytes;
        touch("maxResponseBytes");
        summary << QStringLiteral("max response ") + formatByteSize(policy.maxResponseBytes);
    }
    for (const QString &header : change.addHeaders) {
        if (auth.type == AuthType::Header && header.compare(auth.header, Qt::CaseInsensitive) == 0)
            return Error{QStringLiteral("usage"),
                         QStringLiteral("--allow-header names the credential's own header, which agents may never send")};
        const bool present = std::any_of(policy.allowHeaders.cbegin(), policy.allowHeaders.cend(), [&header](const QString &h) {
            return h.compare(header, Qt::CaseInsensitive) == 0;
        });
        if (present)
            continue;
        policy.allowHeaders << header;
        touch("allowHeaders");
        summary << QStringLiteral("allowed header ") + header;
    }
    return fields;
}

// Shows `policy` (the effective policy of `name`, for `agent` when not empty).
void printPolicy(const Output &out, const QString &name, const QString &agent, const ServiceConfig &service,
                 const Policy &policy)
{
    const QStringList overridden = policy::overriddenFields(service, agent);
    if (out.json()) {
        json object = policyJson(policy);
        object["service"] = name.toStdString();
        object["agent"] = agent.isEmpty() ? json(nullptr) : json(agent.toStdString());
        json fields = json::array();
        for (const QString &field : overridden)
            fields.push_back(field.toStdString());
        object["overridden"] = fields;
        out.object(object);
        return;
    }
    auto field = [&out](const QString &label, const QString &value) { out.line(QString(label + u':').leftJustified(17) + value); };
    field(QStringLiteral("service"), name);
    if (!agent.isEmpty()) {
        field(QStringLiteral("agent"), overridden.isEmpty()
                                          ? QString(agent + QStringLiteral(" (no override: the service's policy)"))
                                          : QString(agent + QStringLiteral(" (overrides ") + overridden.join(QStringLiteral(", ")) + u')'));
    }
    if (policy::isInvalidOverride(policy)) {
        field(QStringLiteral("rules"), QStringLiteral("the agent's override is invalid: every call is denied until it is fixed"));
    } else if (policy.rules.isEmpty()) {
        field(QStringLiteral("rules"), QStringLiteral("none (read-only: GET and HEAD on every path)"));
    } else {
        out.line(QStringLiteral("rules:"));
        for (const Rule &rule : policy.rules)
            out.line(QStringLiteral("  ") + ruleText(rule));
    }
    field(QStringLiteral("rate"), policy.rate ? rateText(*policy.rate) : QStringLiteral("none"));
    field(QStringLiteral("schedule"), policy.schedule.isEmpty() ? QStringLiteral("any time") : policy.schedule.join(QStringLiteral("; ")));
    field(QStringLiteral("reason required"), policy.requireReason ? QStringLiteral("yes") : QStringLiteral("no"));
    field(QStringLiteral("agents"), policy.agents ? policy.agents->join(QStringLiteral(", ")) : QStringLiteral("all"));
    field(QStringLiteral("timeout"), formatDurationMs(policy.timeoutMs));
    field(QStringLiteral("max request"), formatByteSize(policy.maxRequestBytes));
    field(QStringLiteral("max response"), formatByteSize(policy.maxResponseBytes));
    field(QStringLiteral("allowed headers"),
          policy.allowHeaders.isEmpty() ? QStringLiteral("defaults only") : policy.allowHeaders.join(QStringLiteral(", ")));
    if (agent.isEmpty()) {
        QStringList agents;
        for (const auto &[overriding, unused] : service.agentPoliciesJson)
            agents << overriding;
        field(QStringLiteral("agent overrides"), agents.isEmpty() ? QStringLiteral("none") : agents.join(QStringLiteral(", ")));
    }
}

int runSet(const QStringList &args)
{
    Output out;
    QCommandLineParser parser;
    const SetOptions options;
    options.addTo(parser);
    QString name;
    if (const auto stop = parseAction(parser, args, out,
                                      QStringLiteral("Change a service's policy, or with --agent one agent's override; only "
                                                     "the fields whose flags are given change."),
                                      name))
        return *stop;
    QString agent;
    if (const auto stop = readAgent(parser, options.agent, out, agent))
        return *stop;
    PolicyChange change;
    if (const auto stop = changeFromFlags(parser, options, out, change))
        return *stop;

    const KeywardHome home = KeywardHome::fromEnvironment();
    // A missing service is reported with the known ones before anything is locked; the admin checks
    // again under the lock.
    {
        const auto current = loadConfigFile(home.configFile());
        if (!current)
            return out.error(current.error().code, current.error().message);
        int exitCode = ExitFailure;
        if (!findService(*current, name, out, exitCode))
            return exitCode;
    }
    std::unique_ptr<SecretStore> store;
    admin::ServiceAdmin admin = serviceAdmin(home, out, store);
    auto outcome = admin.changePolicy(name, agent, [&change](Policy &policy, const ServiceConfig &service, QStringList &summary) {
        return applyChange(change, service.auth, policy, summary);
    });
    if (!outcome)
        return out.error(outcome.error().code, outcome.error().message,
                         outcome.error().code == QLatin1String("usage") ? ExitUsage : ExitFailure);
    const QStringList &summary = outcome->summary;
    const QString target = agent.isEmpty() ? name : QString(name + u'/' + agent);
    if (!outcome->fields.isEmpty()) {
        if (!out.json())
            out.message(QStringLiteral("Changed the policy of '%1': %2.").arg(target, summary.join(QStringLiteral("; "))));
    } else if (!out.json()) {
        out.message(QStringLiteral("Nothing changed: the policy of '%1' already is as asked.").arg(target));
    }
    if (out.json()) {
        json object = policyJson(policy::effectivePolicy(outcome->service, agent));
        object["service"] = name.toStdString();
        object["agent"] = agent.isEmpty() ? json(nullptr) : json(agent.toStdString());
        object["changed"] = !outcome->fields.isEmpty();
        object["summary"] = summary.join(QStringLiteral("; ")).toStdString();
        out.object(object);
    }
    return ExitOk;
}

// ---- show ---------------------------------------------------------------------------------

int runShow(const QStringList &args)
{
    Output out;
    QCommandLineParser parser;
    const QCommandLineOption agentOption(QStringLiteral("agent"), QStringLiteral("Show the policy this agent is held to."),
                                         QStringLiteral("A"));
    parser.addOption(agentOption);
    QString name;
    if (const auto stop = parseAction(parser, args, out,
                                      QStringLiteral("Show a service's effective policy, or with --agent the one that agent "
                                                     "is held to."),
                                      name))
        return *stop;
    QString agent;
    if (const auto stop = readAgent(parser, agentOption, out, agent))
        return *stop;
    const auto config = loadConfigFile(KeywardHome::fromEnvironment().configFile());
    if (!config)
        return out.error(config.error().code, config.error().message);
    int exitCode = ExitFailure;
    const ServiceConfig *service = findService(*config, name, out, exitCode);
    if (!service)
        return exitCode;
    printPolicy(out, name, agent, *service, policy::effectivePolicy(*service, agent));
    return ExitOk;
}

const char *const kActionsHelp =
    "Usage: keyward policy <action> NAME [options]\n\n"
    "Actions:\n"
    "  set NAME [--agent A] [flags]   change the service's policy, or with --agent that agent's\n"
    "                                 override; only the fields whose flags are given change\n"
    "  show NAME [--agent A]          show the effective policy (for that agent)\n\n"
    "Each action takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

} // namespace

int runPolicy(const QStringList &args)
{
    return dispatchAction(args, kActionsHelp, {QStringLiteral("set"), QStringLiteral("show")},
                          {{QStringLiteral("set"), runSet}, {QStringLiteral("show"), runShow}});
}

} // namespace keyward::cli
