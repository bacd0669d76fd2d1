// `keyward agent add|list|remove` (DESIGN.md "CLI"): the identities of HTTP agents.
//
// `add` prints the new token once on stdout and stores only its hash (agenttokens.h); nothing
// else ever prints a token or its hash, and the audit row of each change names the agent only.
// Each read-modify-write of config.json holds the home's lock file (run/lock), applies the audit
// retention when due and records a `change` row (agent "cli") right after the change.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/subcommand.h"

#include "agents/agenttokens.h"
#include "config/configjson.h"
#include "config/homelock.h"
#include "core/keywardhome.h"
#include "core/names.h"
#include "core/timespec.h"

#include <QRegularExpression>

#include <cstring>
#include <memory>

namespace keyward::cli {

namespace {

using json = nlohmann::json;

const QString kNamePattern = QStringLiteral("[a-z0-9][a-z0-9_-]{0,63}");

struct Context {
    KeywardHome home = KeywardHome::fromEnvironment();
    Output out;
};

std::optional<int> parseNamed(QCommandLineParser &parser, const QStringList &args, Context &ctx, const QString &synopsis,
                              QString &name)
{
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The agent name, %1.").arg(kNamePattern));
    if (const auto stop = parseSubcommand(parser, args, ctx.out, synopsis))
        return stop;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return ctx.out.usageError(QStringLiteral("%1 needs an agent NAME").arg(args.value(0)));
    if (positional.size() > 1)
        return ctx.out.usageError(QStringLiteral("%1 takes one NAME").arg(args.value(0)));
    name = positional.first();
    // The word is not echoed: it could be a token pasted in the wrong place.
    if (!isValidName(name))
        return ctx.out.usageError(QStringLiteral("NAME is not a valid agent name: use %1").arg(kNamePattern));
    return std::nullopt;
}

int notFound(const Output &out, const QString &name)
{
    return out.error(QStringLiteral("not_found"),
                     QStringLiteral("there is no agent named '%1'; `keyward agent list` shows the agents").arg(name));
}

Result<LockedConfig> lockAndLoad(const Context &ctx) { return lockAndLoadConfig(ctx.home, ctx.out); }

// --expires: a relative time counts forward from now (`90d` = in 90 days), an RFC 3339 time must
// be in the future.
Result<QDateTime> parseExpiry(const QString &text, const QDateTime &now)
{
    static const QRegularExpression relative(QStringLiteral("^\\s*[0-9]+[smhdw]\\s*$"));
    const auto parsed = parseTimeSpec(text, now);
    if (!parsed) {
        return Error{QStringLiteral("usage"),
                     QStringLiteral("--expires is not a time: use a duration such as 90d, 12h or 2w, or an RFC 3339 "
                                    "time such as 2027-01-31T12:00:00Z")};
    }
    QDateTime expiry = *parsed;
    if (relative.match(text).hasMatch()) {
        const qint64 seconds = parsed->secsTo(now);
        if (seconds <= 0)
            return Error{QStringLiteral("usage"), QStringLiteral("--expires must be a positive duration such as 90d")};
        expiry = now.addSecs(seconds);
    }
    if (!expiry.isValid() || expiry.date().year() > 9999)
        return Error{QStringLiteral("usage"), QStringLiteral("--expires is too far in the future: give at most a few years")};
    if (expiry <= now)
        return Error{QStringLiteral("usage"), QStringLiteral("--expires is in the past: give a future time or a duration such as 90d")};
    return expiry;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::memset(bytes.data(), 0, size_t(bytes.size()));
    bytes.clear();
}

int runAdd(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    const QCommandLineOption expires(QStringLiteral("expires"),
                                     QStringLiteral("When the token stops working: a duration from now (90d, 12h) or an "
                                                    "RFC 3339 time. Default: never."),
                                     QStringLiteral("T"));
    parser.addOption(expires);
    QString name;
    if (const auto stop = parseNamed(parser, args, ctx,
                                     QStringLiteral("Add an agent and print its token (kwa_...) once; only its hash is "
                                                    "stored."),
                                     name))
        return *stop;
    const Output &out = ctx.out;
    if (parser.values(expires).size() > 1)
        return out.usageError(QStringLiteral("--expires is given more than once"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime expiry;
    if (parser.isSet(expires)) {
        auto parsed = parseExpiry(parser.value(expires), now);
        if (!parsed)
            return out.usageError(parsed.error().message);
        expiry = *parsed;
    }

    auto locked = lockAndLoad(ctx);
    if (!locked)
        return out.error(locked.error().code, locked.error().message);
    Config &config = locked.value().config;
    if (config.agents.count(name)) {
        return out.error(QStringLiteral("exists"),
                         QStringLiteral("an agent named '%1' already exists; to give it a new token run `keyward agent "
                                        "remove %1`, then `keyward agent add %1`")
                             .arg(name));
    }
    IssuedAgentToken issued = issueAgentToken(now, expiry);
    config.agents[name] = issued.config;
    if (auto saved = saveConfigFile(ctx.home.configFile(), config); !saved) {
        wipe(issued.token);
        return out.error(saved.error().code, saved.error().message);
    }
    const QString expiresText = issued.config.expires.isEmpty() ? QStringLiteral("never") : issued.config.expires;
    if (const auto failed = recordAdminChange(ctx.home, out, QStringLiteral("agent add"), name,
                                              QStringLiteral("token issued, expires %1").arg(expiresText),
                                              QStringLiteral("Added agent '%1' (its token was not shown)").arg(name))) {
        wipe(issued.token);
        return *failed;
    }

    if (out.json()) {
        out.object({{"agent", name.toStdString()},
                    {"token", issued.token.toStdString()},
                    {"expires", issued.config.expires.isEmpty() ? json(nullptr) : json(issued.config.expires.toStdString())}});
    } else {
        out.line(QString::fromLatin1(issued.token));
    }
    wipe(issued.token);
    out.message(QStringLiteral("Added agent '%1' (token expires: %2). The token printed on stdout is shown only this once: give it to "
                               "the agent as `Authorization: Bearer <token>` for Keyward's HTTP endpoint "
                               "(http://127.0.0.1:PORT/mcp, or /proxy/<service>/ for SDKs); `keyward agent remove %1` "
                               "revokes it.")
                    .arg(name, expiresText));
    return ExitOk;
}

int runList(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    if (const auto stop = parseSubcommand(parser, args, ctx.out, QStringLiteral("List the agents (--json: JSON Lines).")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return ctx.out.usageError(QStringLiteral("%1 takes no arguments").arg(args.value(0)));
    const auto config = loadConfigFile(ctx.home.configFile());
    if (!config)
        return ctx.out.error(config.error().code, config.error().message);
    const QDateTime now = QDateTime::currentDateTimeUtc();

    if (ctx.out.json()) {
        for (const auto &[name, agent] : config->agents) {
            ctx.out.object({{"name", name.toStdString()},
                            {"created", agent.created.toStdString()},
                            {"expires", agent.expires.isEmpty() ? json(nullptr) : json(agent.expires.toStdString())},
                            {"expired", agentTokenExpired(agent, now)}});
        }
        return ExitOk;
    }
    if (config->agents.empty()) {
        ctx.out.message(QStringLiteral("No agents yet; add one with `keyward agent add NAME`."));
        return ExitOk;
    }
    QList<QStringList> rows = {{QStringLiteral("NAME"), QStringLiteral("CREATED"), QStringLiteral("EXPIRES"), QStringLiteral("STATE")}};
    for (const auto &[name, agent] : config->agents) {
        rows.append({name, agent.created, agent.expires.isEmpty() ? QStringLiteral("never") : agent.expires,
                     agentTokenExpired(agent, now) ? QStringLiteral("expired") : QStringLiteral("active")});
    }
    ctx.out.table(rows);
    return ExitOk;
}

int runRemove(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    QString name;
    if (const auto stop = parseNamed(parser, args, ctx, QStringLiteral("Remove an agent; its token stops working."), name))
        return *stop;
    auto locked = lockAndLoad(ctx);
    if (!locked)
        return ctx.out.error(locked.error().code, locked.error().message);
    Config &config = locked.value().config;
    if (!config.agents.count(name))
        return notFound(ctx.out, name);
    config.agents.erase(name);
    if (auto saved = saveConfigFile(ctx.home.configFile(), config); !saved)
        return ctx.out.error(saved.error().code, saved.error().message);
    if (const auto failed = recordAdminChange(ctx.home, ctx.out, QStringLiteral("agent remove"), name,
                                              QStringLiteral("removed; its token no longer works"),
                                              QStringLiteral("Removed agent '%1'").arg(name)))
        return *failed;
    if (ctx.out.json())
        ctx.out.object({{"name", name.toStdString()}, {"removed", true}});
    else
        ctx.out.message(QStringLiteral("Removed agent '%1'; its token no longer works.").arg(name));
    return ExitOk;
}

const char *const kActionsHelp =
    "Usage: keyward agent <action> [options]\n\n"
    "Actions:\n"
    "  add NAME [--expires T]  add an agent and print its token (kwa_...) once; only its hash is stored\n"
    "                          T: a duration from now (90d, 12h, 2w) or an RFC 3339 time\n"
    "  list                    list the agents (never a token or its hash)\n"
    "  remove NAME             remove an agent; its token stops working\n\n"
    "Each action takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

} // namespace

int runAgent(const QStringList &args)
{
    static const std::map<QString, Action> actions = {
        {QStringLiteral("add"), runAdd},
        {QStringLiteral("list"), runList},
        {QStringLiteral("remove"), runRemove},
    };
    return dispatchAction(args, kActionsHelp, {QStringLiteral("add"), QStringLiteral("list"), QStringLiteral("remove")},
                          actions);
}

} // namespace keyward::cli
