// `keyward clients list|scan|configure|migrate|undo` (DESIGN.md "CLI", issue 7): a thin layer over
// proxy/clients/. Every change is planned first (clientplanner.h), shown as a unified diff on
// stdout (secrets masked), confirmed on the terminal unless --yes, backed up without secrets, and
// written atomically under the client's lock with a compare right before the replace. A file that
// changed underneath is planned again (a few times) when Keyward's change is the same.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/secretinput.h"
#include "cli/subcommand.h"

#include "audit/auditlog.h"
#include "clients/clientactions.h"
#include "clients/clientbackups.h"
#include "clients/clientfile.h"
#include "clients/clientplanner.h"
#include "clients/clientregistry.h"
#include "clients/secretscanner.h"
#include "agents/agenttokens.h"
#include "config/configjson.h"
#include "core/keywardhome.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QPointer>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

namespace keyward::cli {

namespace {

using json = nlohmann::json;
using namespace keyward::clients;


struct Context {
    KeywardHome home = KeywardHome::fromEnvironment();
    ClientEnvironment env = ClientEnvironment::fromProcess();
    Output out;
};

QString keywardBinary() { return QCoreApplication::applicationFilePath(); }

// The clients named on the command line (validated), or nullopt after a usage error was printed.
std::optional<std::vector<const ClientDescriptor *>> namedClients(const QStringList &names, const Output &out, int &exit)
{
    std::vector<const ClientDescriptor *> clients;
    for (const QString &name : names) {
        const ClientDescriptor *client = findClient(name);
        if (!client) {
            exit = out.usageError(QStringLiteral("unknown client '%1': use one of %2")
                                      .arg(name.left(64), clientIds().join(QStringLiteral(" "))));
            return std::nullopt;
        }
        if (std::find(clients.begin(), clients.end(), client) == clients.end())
            clients.push_back(client);
    }
    return clients;
}

std::vector<const ClientDescriptor *> allClients()
{
    std::vector<const ClientDescriptor *> clients;
    for (const ClientDescriptor &client : clientRegistry())
        clients.push_back(&client);
    return clients;
}

// What list and scan know about one client.
struct Inspection {
    ClientLocation location;
    std::optional<Error> error;
    bool configured = false;
    int servers = 0;
    std::vector<SecretFinding> findings;
};

Inspection inspect(const ClientDescriptor &client, const ClientEnvironment &env)
{
    Inspection result;
    result.location = locateClient(client, env);
    if (!result.location.fileExists)
        return result;
    auto file = readClientFile(result.location.configFile);
    if (!file) {
        result.error = file.error();
        return result;
    }
    if (!file->exists)
        return result;
    auto document = parseConfig(client.format, file->bytes.toStdString());
    if (!document) {
        result.error = Error{document.error().code, QStringLiteral("%1: %2").arg(file->target, document.error().message)};
        return result;
    }
    const json servers = serversOf(client, *document);
    result.servers = int(servers.size());
    result.configured = servers.contains(kKeywardEntry);
    result.findings = scanDocument(client, *document);
    return result;
}

int runList(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    if (const auto stop = parseSubcommand(parser, args, ctx.out,
                                          QStringLiteral("List the MCP clients Keyward knows, where their config is, "
                                                         "whether they use Keyward and how many plaintext secrets they hold.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return ctx.out.usageError(QStringLiteral("%1 takes no arguments").arg(args.value(0)));
    QList<QStringList> rows = {{QStringLiteral("CLIENT"), QStringLiteral("NAME"), QStringLiteral("INSTALLED"), QStringLiteral("CONFIGURED"),
                                QStringLiteral("SERVERS"), QStringLiteral("SECRETS"), QStringLiteral("PATH")}};
    for (const ClientDescriptor *client : allClients()) {
        const Inspection info = inspect(*client, ctx.env);
        if (ctx.out.json()) {
            json item = {{"id", client->id.toStdString()},
                         {"name", client->name.toStdString()},
                         {"path", info.location.configFile.toStdString()},
                         {"installed", info.location.installed},
                         {"exists", info.location.fileExists},
                         {"configured", info.configured},
                         {"servers", info.servers},
                         {"secrets", info.findings.size()}};
            if (info.error)
                item["error"] = {{"code", info.error->code.toStdString()}, {"message", info.error->message.toStdString()}};
            ctx.out.object(item);
            continue;
        }
        const auto yesNo = [](bool value) { return value ? QStringLiteral("yes") : QStringLiteral("no"); };
        rows.append({client->id, client->name, yesNo(info.location.installed), info.error ? QStringLiteral("?") : yesNo(info.configured),
                     info.error ? QStringLiteral("?") : QString::number(info.servers),
                     info.error ? QStringLiteral("?") : QString::number(info.findings.size()), info.location.configFile});
        if (info.error)
            ctx.out.message(QStringLiteral("keyward: warning: %1").arg(info.error->message));
    }
    if (ctx.out.json())
        return ExitOk;
    ctx.out.table(rows);
    return ExitOk;
}

int runScan(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("CLIENT"), QStringLiteral("Clients to scan (default: every installed one)."),
                                 QStringLiteral("[CLIENT...]"));
    if (const auto stop = parseSubcommand(parser, args, ctx.out,
                                          QStringLiteral("Find plaintext secrets in the MCP servers of the installed "
                                                         "clients (values are never shown: ghp_…(40 chars)).")))
        return *stop;
    int exit = ExitOk;
    auto named = namedClients(parser.positionalArguments(), ctx.out, exit);
    if (!named)
        return exit;
    const auto clients = named->empty() ? allClients() : *named;
    int total = 0;
    for (const ClientDescriptor *client : clients) {
        const Inspection info = inspect(*client, ctx.env);
        if (info.error) {
            ctx.out.message(QStringLiteral("keyward: warning: %1 was not scanned: %2").arg(client->id, info.error->message));
            continue;
        }
        for (const SecretFinding &finding : info.findings) {
            ++total;
            if (ctx.out.json()) {
                ctx.out.object({{"client", client->id.toStdString()},
                                {"path", info.location.configFile.toStdString()},
                                {"server", finding.server},
                                {"place", secretPlaceName(finding.place).toStdString()},
                                {"name", finding.name},
                                {"masked", maskSecret(finding.secret).toStdString()},
                                {"reason", finding.reason.toStdString()}});
            } else {
                ctx.out.line(QStringLiteral("%1  %2  %3 %4  %5  (%6)")
                                 .arg(client->id, QString::fromStdString(finding.server), secretPlaceName(finding.place),
                                      QString::fromStdString(finding.name), maskSecret(finding.secret), finding.reason));
            }
        }
    }
    if (!ctx.out.json()) {
        ctx.out.message(total == 0 ? QStringLiteral("No plaintext secrets found.")
                                   : QStringLiteral("%1 plaintext secret(s) found; `keyward clients migrate` moves those in "
                                                    "\"env\" into %2.")
                                         .arg(total)
                                         .arg(QStringLiteral("the keychain")));
    }
    return ExitOk;
}

// Asks "Apply ...? [y/N]" on the terminal.
bool confirmOnTerminal(const QString &question)
{
    std::fprintf(stderr, "%s [y/N] ", question.toUtf8().constData());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

struct ChangeOptions {
    bool yes = false;
};


// Waits (local event loop) for one change started by `start` from proxy/clients/clientactions.h:
// the review shows the notes and the diff and asks on the terminal unless --yes; the outcome is
// reported here.
using StartChange = std::function<void(ReviewPlan, ChangeFinished)>;

struct ChangeOutcome {
    bool failed = false;
    bool changed = false;
    QString backupFile;
};

void report(const Context &ctx, const ClientDescriptor &client, const ClientPlan *plan, const ChangeOutcome &outcome,
            const std::optional<Error> &error)
{
    if (!ctx.out.json()) {
        if (error)
            ctx.out.message(QStringLiteral("keyward: %1: %2").arg(client.id, error->message));
        return;
    }
    json item = {{"client", client.id.toStdString()}, {"changed", outcome.changed}};
    if (plan) {
        item["path"] = plan->file.path.toStdString();
        item["target"] = plan->file.target.toStdString();
        item["action"] = plan->action.toStdString();
        item["diff"] = plan->diff.toStdString();
        json notes = json::array();
        for (const QString &note : plan->notes)
            notes.push_back(note.toStdString());
        item["notes"] = notes;
    }
    if (!outcome.backupFile.isEmpty())
        item["backup"] = outcome.backupFile.toStdString();
    if (error)
        item["error"] = {{"code", error->code.toStdString()}, {"message", error->message.toStdString()}};
    ctx.out.object(item);
}

ReviewPlan terminalReview(const Context &ctx, const ClientDescriptor &client, const ChangeOptions &options)
{
    return [&ctx, &client, options](const ClientPlan &plan) -> Result<void> {
        if (!ctx.out.json()) {
            for (const QString &note : plan.notes)
                ctx.out.message(QStringLiteral("%1: %2").arg(client.id, note));
        }
        if (!plan.changesFile()) {
            if (!ctx.out.json() && plan.notes.isEmpty())
                ctx.out.message(QStringLiteral("%1: nothing to change").arg(client.id));
            return {};
        }
        if (!ctx.out.json())
            ctx.out.line(plan.diff.endsWith(u'\n') ? plan.diff.chopped(1) : plan.diff);
        if (options.yes)
            return {};
        if (!stdinIsTerminal()) {
            return Error{QStringLiteral("not_confirmed"),
                         QStringLiteral("not applied: stdin is not a terminal, so Keyward cannot ask; "
                                        "review the diff and pass --yes to apply it")};
        }
        if (!confirmOnTerminal(QStringLiteral("Apply this change to %1?").arg(plan.file.target)))
            return Error{QStringLiteral("not_confirmed"), QStringLiteral("not applied: not confirmed")};
        return {};
    };
}

ChangeOutcome runChange(const Context &ctx, const ClientDescriptor &client, const ChangeOptions &options,
                        const StartChange &start)
{
    std::optional<ClientChangeOutcome> result;
    QEventLoop loop;
    start(terminalReview(ctx, client, options), [&](ClientChangeOutcome done) {
        result = std::move(done);
        loop.quit();
    });
    if (!result)
        loop.exec();
    ChangeOutcome outcome;
    outcome.failed = result->error.has_value();
    outcome.changed = result->changed;
    outcome.backupFile = result->backupFile;
    const ClientPlan *plan = result->plan ? &*result->plan : nullptr;
    if (outcome.changed && plan && !ctx.out.json()) {
        ctx.out.message(!outcome.backupFile.isEmpty()
                            ? QStringLiteral("%1: wrote %2 (backup: %3)").arg(client.id, plan->file.target, outcome.backupFile)
                        : plan->removeFile ? QStringLiteral("%1: removed %2").arg(client.id, plan->file.target)
                                           : QStringLiteral("%1: wrote %2").arg(client.id, plan->file.target));
    }
    report(ctx, client, plan, outcome, result->error);
    return outcome;
}

// The home's secret store, opened on first use (the file store may ask for its passphrase then).
class LazyStore {
public:
    explicit LazyStore(const KeywardHome &home) : m_home(home) {}

    Result<SecretStore *> get()
    {
        if (!m_store) {
            auto config = loadConfigFile(m_home.configFile());
            if (!config)
                return config.error();
            auto store = makeSecretStore(m_home, *config);
            if (!store)
                return store.error();
            m_store = std::move(store).value();
        }
        return m_store.get();
    }

private:
    KeywardHome m_home;
    std::unique_ptr<SecretStore> m_store;
};

// What the CLI's client changes act with: the change rows are by agent "cli", and a running owner
// is told to follow.
ClientActionServices cliServices(const Context &ctx, AuditLog &audit, LazyStore &store)
{
    ClientActionServices services;
    services.home = ctx.home;
    services.audit = &audit;
    services.store = [&store]() { return store.get(); };
    services.who = QStringLiteral("cli");
    services.configChanged = [&ctx]() { tellOwnerToReload(ctx.home, ctx.out); };
    return services;
}

// The clients a change applies to: those named, or every installed one.
std::vector<const ClientDescriptor *> targets(const std::vector<const ClientDescriptor *> &named, const Context &ctx)
{
    if (!named.empty())
        return named;
    std::vector<const ClientDescriptor *> installed;
    for (const ClientDescriptor *client : allClients()) {
        if (locateClient(*client, ctx.env).installed)
            installed.push_back(client);
    }
    return installed;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::memset(bytes.data(), 0, size_t(bytes.size()));
    bytes.clear();
}

// `configure --http` of one client: reuses the agent token already in place when it still
// authenticates (so a second run changes nothing), else issues one and stores its hash as agent
// <client id> right before the file is written.
bool configureHttp(const Context &ctx, const ClientDescriptor &client, const ChangeOptions &options)
{
    const ClientLocation location = locateClient(client, ctx.env);
    if (client.httpToken == HttpTokenStyle::None) {
        report(ctx, client, nullptr, {},
               Error{QStringLiteral("not_supported"),
                     QStringLiteral("%1 takes no HTTP server with headers; configure it without --http").arg(client.name)});
        return false;
    }
    auto config = loadConfigFile(ctx.home.configFile());
    if (!config) {
        report(ctx, client, nullptr, {}, config.error());
        return false;
    }
    const QString url = QStringLiteral("http://127.0.0.1:%1/mcp").arg(config->settings.httpPort);
    if (!config->settings.httpEnabled && !ctx.out.json()) {
        ctx.out.message(QStringLiteral("keyward: warning: Keyward's HTTP endpoint is off (settings.http.enabled); %1 "
                                       "reaches it only while `keyward serve --http %2` runs or once it is enabled")
                            .arg(client.name)
                            .arg(config->settings.httpPort));
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QByteArray token;
    bool reuse = false;
    if (auto file = readClientFile(location.configFile); file && file->exists) {
        if (auto document = parseConfig(client.format, file->bytes.toStdString())) {
            const QByteArray existing = agentTokenInEntry(client, *document);
            const json entry = serversOf(client, *document).value(kKeywardEntry, json());
            if (client.httpToken == HttpTokenStyle::PlainHeader) {
                auto agent = existing.isEmpty() ? Result<QString>(Error{}) : authenticateAgent(*config, existing, now);
                reuse = agent && *agent == client.id;
                if (reuse)
                    token = existing;
            } else {
                reuse = config->agents.count(client.id) && entry == httpEntry(client, url, {});
            }
        }
    }
    std::optional<IssuedAgentToken> issued;
    if (!reuse) {
        issued = issueAgentToken(now);
        token = issued->token;
    }
    const QByteArray written = client.httpToken == HttpTokenStyle::PlainHeader ? token : QByteArray();
    const auto storeAgent = [&](const ClientPlan &) -> Result<void> {
        if (!issued)
            return {};
        auto locked = lockAndLoadConfig(ctx.home, ctx.out);
        if (!locked)
            return locked.error();
        Config &current = locked.value().config;
        const bool replaced = current.agents.count(client.id) > 0;
        current.agents[client.id] = issued->config;
        if (auto saved = saveConfigFile(ctx.home.configFile(), current); !saved)
            return saved.error();
        if (recordAdminChange(ctx.home, ctx.out, QStringLiteral("clients configure"), client.id,
                              replaced ? QStringLiteral("agent token replaced for its HTTP entry")
                                       : QStringLiteral("agent token issued for its HTTP entry"),
                              QStringLiteral("Issued an agent token for %1").arg(client.id))) {
            return Error{QStringLiteral("audit_error"), QStringLiteral("the change could not be audited; the file was not changed")};
        }
        return {};
    };
    const auto afterWrite = [&](const ClientPlan &plan, const ClientBackup *) {
        if (!issued || client.httpToken == HttpTokenStyle::PlainHeader)
            return;
        // The entry was already in place but its agent was gone: the new agent is stored now.
        if (!plan.changesFile()) {
            if (auto stored = storeAgent(plan); !stored) {
                ctx.out.error(stored.error().code, stored.error().message);
                return;
            }
        }
        // The token goes where the client reads it from, not into its file: shown this once.
        if (ctx.out.json()) {
            ctx.out.object({{"client", client.id.toStdString()}, {"agent", client.id.toStdString()}, {"token", token.toStdString()}});
        } else {
            ctx.out.line(QString::fromLatin1(token));
        }
        if (client.httpToken == HttpTokenStyle::VsCodeInput) {
            ctx.out.message(QStringLiteral("%1: VS Code asks for \"Keyward agent token\" the first time it starts the "
                                           "keyward server: paste the token printed above (shown only this once; VS Code "
                                           "keeps it in its secret storage)")
                                .arg(client.id));
        } else {
            ctx.out.message(QStringLiteral("%1: set %2 to the token printed above in the environment Codex starts from "
                                           "(e.g. your shell profile); it is shown only this once")
                                .arg(client.id, QString::fromLatin1(kCodexTokenVariable)));
        }
    };
    const auto outcome = runChange(ctx, client, options, [&](ReviewPlan review, ChangeFinished finished) {
        ClientChangeSteps steps;
        steps.plan = [&](const ClientFileState &file) { return planConfigureHttp(client, location, file, url, written); };
        steps.review = std::move(review);
        steps.beforeWrite = [&](const ClientPlan &plan, std::function<void(Result<void>)> done) { done(storeAgent(plan)); };
        steps.afterWrite = afterWrite;
        clients::changeClient(ctx.home, client, location, std::move(steps), std::move(finished));
    });
    if (issued)
        wipe(issued->token);
    wipe(token);
    return !outcome.failed;
}

int runConfigure(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Apply without asking."));
    const QCommandLineOption http(QStringLiteral("http"),
                                  QStringLiteral("Point the client at Keyward's HTTP endpoint with an agent token of its "
                                                 "own instead of starting `keyward mcp` (clients with headers only)."));
    parser.addOption(yes);
    parser.addOption(http);
    parser.addPositionalArgument(QStringLiteral("CLIENT"), QStringLiteral("Clients to configure (default: every installed one)."),
                                 QStringLiteral("[CLIENT...]"));
    if (const auto stop = parseSubcommand(parser, args, ctx.out,
                                          QStringLiteral("Add a `keyward` MCP server (this binary, `mcp --agent <client>`) "
                                                         "to each client's config, showing the diff first.")))
        return *stop;
    int exit = ExitOk;
    auto named = namedClients(parser.positionalArguments(), ctx.out, exit);
    if (!named)
        return exit;
    const auto clients = targets(*named, ctx);
    if (clients.empty()) {
        ctx.out.message(QStringLiteral("No MCP client is installed here (%1).").arg(clientIds().join(QStringLiteral(", "))));
        return ExitOk;
    }
    ChangeOptions options;
    options.yes = parser.isSet(yes);
    const QString binary = keywardBinary();
    AuditLog audit(ctx.home.auditDatabase());
    LazyStore store(ctx.home);
    const ClientActionServices services = cliServices(ctx, audit, store);
    bool failed = false;
    for (const ClientDescriptor *client : clients) {
        if (parser.isSet(http)) {
            failed = !configureHttp(ctx, *client, options) || failed;
            continue;
        }
        const ClientLocation location = locateClient(*client, ctx.env);
        const auto outcome = runChange(ctx, *client, options, [&](ReviewPlan review, ChangeFinished finished) {
            configureClient(services, *client, location, binary, std::move(review), std::move(finished));
        });
        failed = failed || outcome.failed;
    }
    return failed ? ExitFailure : ExitOk;
}

int runMigrate(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Apply without asking."));
    const QCommandLineOption viaProxy(QStringLiteral("via-proxy"),
                                      QStringLiteral("Route servers that take an API base URL through Keyward's /proxy "
                                                     "instead (no server is known to support it yet)."));
    parser.addOption(yes);
    parser.addOption(viaProxy);
    parser.addPositionalArgument(QStringLiteral("CLIENT"), QStringLiteral("Clients to migrate (default: every installed one)."),
                                 QStringLiteral("[CLIENT...]"));
    if (const auto stop = parseSubcommand(parser, args, ctx.out,
                                          QStringLiteral("Move the plaintext secrets in the servers' \"env\" into the "
                                                         "keychain; each server then starts through `keyward run`.")))
        return *stop;
    int exit = ExitOk;
    auto named = namedClients(parser.positionalArguments(), ctx.out, exit);
    if (!named)
        return exit;
    if (parser.isSet(viaProxy)) {
        return ctx.out.error(QStringLiteral("not_supported"),
                             QStringLiteral("--via-proxy: no known MCP server takes its API base URL from its config in a "
                                            "way Keyward can route through /proxy yet; run migrate without --via-proxy "
                                            "(the key then moves to the keychain and reaches only the recorded command)"));
    }
    const auto clients = targets(*named, ctx);
    ChangeOptions options;
    options.yes = parser.isSet(yes);
    const QString binary = keywardBinary();
    AuditLog audit(ctx.home.auditDatabase());
    LazyStore store(ctx.home);
    const ClientActionServices services = cliServices(ctx, audit, store);
    bool failed = false;
    for (const ClientDescriptor *client : clients) {
        const ClientLocation location = locateClient(*client, ctx.env);
        const auto outcome = runChange(ctx, *client, options, [&](ReviewPlan review, ChangeFinished finished) {
            migrateClient(services, *client, location, binary, std::nullopt, std::move(review), std::move(finished));
        });
        failed = failed || outcome.failed;
    }
    return failed ? ExitFailure : ExitOk;
}

int runUndo(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Apply without asking."));
    parser.addOption(yes);
    parser.addPositionalArgument(QStringLiteral("CLIENT"), QStringLiteral("The client whose last Keyward change to undo."));
    if (const auto stop = parseSubcommand(parser, args, ctx.out,
                                          QStringLiteral("Undo Keyward's last change to a client's config: the original "
                                                         "bytes when the file is as Keyward left it, else only Keyward's "
                                                         "own additions are taken back.")))
        return *stop;
    if (parser.positionalArguments().size() != 1)
        return ctx.out.usageError(QStringLiteral("%1 takes one CLIENT: %2").arg(args.value(0), clientIds().join(QStringLiteral(" "))));
    int exit = ExitOk;
    auto named = namedClients(parser.positionalArguments(), ctx.out, exit);
    if (!named)
        return exit;
    const ClientDescriptor &client = *named->front();
    auto backup = latestBackup(ctx.home, client);
    if (!backup)
        return ctx.out.error(backup.error().code, backup.error().message);
    AuditLog audit(ctx.home.auditDatabase());
    LazyStore store(ctx.home);
    const ClientActionServices services = cliServices(ctx, audit, store);
    ChangeOptions options;
    options.yes = parser.isSet(yes);
    bool marked = false;
    const auto outcome = runChange(ctx, client, options, [&](ReviewPlan review, ChangeFinished finished) {
        undoClient(services, client, ctx.env, *backup, std::move(review), std::move(finished),
                   [&](const std::optional<Error> &error) {
                       if (error)
                           ctx.out.message(QStringLiteral("keyward: warning: %1").arg(error->message));
                       marked = true;
                   });
    });
    if (outcome.failed)
        return ExitFailure;
    if (!ctx.out.json() && marked && backup->action == QLatin1String("migrate")) {
        ctx.out.message(QStringLiteral("The secrets stay in the keychain as well (env/<ref>); `keyward reset` or the "
                                       "keychain's own tools remove them."));
    }
    return ExitOk;
}

const char *const kActionsHelp =
    "Usage: keyward clients <action> [options]\n\n"
    "Actions:\n"
    "  list                              the MCP clients, their config file, whether they use Keyward,\n"
    "                                    how many servers and plaintext secrets they have\n"
    "  scan [CLIENT...]                  the plaintext secrets in the clients' servers, masked\n"
    "  configure [CLIENT...] [--yes] [--http]\n"
    "                                    add a `keyward` server to each client (no CLIENT: every installed one);\n"
    "                                    --http: Keyward's HTTP endpoint with an agent token (VS Code: a password\n"
    "                                    input; Codex: KEYWARD_AGENT_TOKEN; others: written in the file)\n"
    "  migrate [CLIENT...] [--yes]       move the secrets in servers' env into the keychain; each server then\n"
    "                                    starts through `keyward run --env VAR=@ref -- <its command>`\n"
    "  undo CLIENT [--yes]               undo Keyward's last change to CLIENT's config\n\n"
    "CLIENT: claude-desktop cursor vscode windsurf claude-code codex zed.\n"
    "Every change shows a diff first and asks (on a terminal) unless --yes; a backup without secrets goes to\n"
    "backups/<client>/ in Keyward's data directory.\n"
    "Each action takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

} // namespace

int runClients(const QStringList &args)
{
    static const std::map<QString, Action> actions = {
        {QStringLiteral("list"), runList},           {QStringLiteral("scan"), runScan},
        {QStringLiteral("configure"), runConfigure}, {QStringLiteral("migrate"), runMigrate},
        {QStringLiteral("undo"), runUndo},
    };
    return dispatchAction(args, kActionsHelp,
                          {QStringLiteral("list"), QStringLiteral("scan"), QStringLiteral("configure"),
                           QStringLiteral("migrate"), QStringLiteral("undo")},
                          actions);
}

} // namespace keyward::cli
