// `keyward service add|list|show|remove|rotate|enable|disable` (DESIGN.md "CLI").
//
// Admin changes act directly on this home: each read-modify-write of config.json holds the home's
// lock file (run/lock). Secrets go to the SecretStore before the config names them, and leave it
// before the config forgets them, so the config never points at a service without a secret for
// longer than a failed command. Each action that changes something applies the audit retention
// when due once it holds the lock, and records a `change` row (agent "cli") right after the
// change succeeded; a failure to record is reported (exit 1) saying the change itself was made.

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/secretinput.h"
#include "cli/subcommand.h"

#include "admin/serviceadmin.h"
#include "config/configjson.h"
#include "config/homelock.h"
#include "config/units.h"
#include "config/validation.h"
#include "core/keywardhome.h"
#include "core/names.h"
#include "policy/widening.h"
#include "secrets/secretstore.h"
#include "templates/servicetemplates.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QSslCertificate>

#include <cstring>
#include <memory>

namespace keyward::cli {

namespace {

using json = nlohmann::json;

const QString kNamePattern = QStringLiteral("[a-z0-9][a-z0-9_-]{0,63}");

using admin::wipe;
using admin::describeRules;

std::string authName(AuthType type) { return admin::authTypeName(type).toStdString(); }

json toJson(const nlohmann::ordered_json &ordered) { return json::parse(ordered.dump()); }

// What every subcommand needs: the home, the output and the parsed arguments.
struct Context {
    KeywardHome home = KeywardHome::fromEnvironment();
    Output out;
};

// The usage error of a flag: "--flag <phrase>".
int flagError(const Output &out, const char *flag, const QString &phrase)
{
    return out.usageError(QStringLiteral("--%1 %2").arg(QString::fromLatin1(flag), phrase));
}

// Parses `keyward service <action>` with its options; exactly `positional` arguments, the first
// one a service name. Returns an exit code to stop with, or nullopt with `name` set.
std::optional<int> parseAction(QCommandLineParser &parser, const QStringList &args, Context &ctx,
                               const QString &synopsis, QString &name)
{
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The service name, %1.").arg(kNamePattern));
    if (const auto stop = parseSubcommand(parser, args, ctx.out, synopsis))
        return stop;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return ctx.out.usageError(QStringLiteral("%1 needs a service NAME").arg(args.value(0)));
    if (positional.size() > 1)
        return ctx.out.usageError(QStringLiteral("%1 takes one NAME; quote arguments that contain spaces").arg(args.value(0)));
    name = positional.first();
    if (!isValidName(name))
        return ctx.out.usageError(QStringLiteral("NAME is not a valid service name: use %1").arg(kNamePattern));
    return std::nullopt;
}

std::optional<int> parseListAction(QCommandLineParser &parser, const QStringList &args, Context &ctx, const QString &synopsis)
{
    if (const auto stop = parseSubcommand(parser, args, ctx.out, synopsis))
        return stop;
    if (!parser.positionalArguments().isEmpty())
        return ctx.out.usageError(QStringLiteral("%1 takes no arguments").arg(args.value(0)));
    return std::nullopt;
}

Result<Config> loadConfig(const Context &ctx) { return loadConfigFile(ctx.home.configFile()); }

int notFound(const Output &out, const QString &name)
{
    return out.error(QStringLiteral("not_found"),
                     QStringLiteral("there is no service named '%1'; `keyward service list` shows the services").arg(name));
}

// Reports an error of the ServiceAdmin: a missing service as notFound(), the rest as they are.
int adminError(const Output &out, const QString &name, const Error &error)
{
    if (error.code == QLatin1String(admin::admin_errors::kNotFound))
        return notFound(out, name);
    return out.error(error.code, error.message);
}

// Reads the secret of `name` from stdin or the terminal; refuses what cannot go into a header or
// query parameter.
Result<QByteArray> readServiceSecret(const QString &name)
{
    auto secret = readSecret(QStringLiteral("Secret for %1 (input hidden): ").arg(name));
    if (!secret)
        return secret.error();
    QByteArray value = std::move(secret).value();
    if (value.contains('\r') || value.contains('\n') || value.contains('\0')) {
        wipe(value);
        return Error{QStringLiteral("invalid_secret"),
                     QStringLiteral("the secret contains a line break or NUL byte; pass only the key itself")};
    }
    return value;
}

// ---- add ----------------------------------------------------------------------------------

// Fills `service` from the flags of `service add`; returns an exit code on a usage error.
struct AddOptions {
    QCommandLineOption baseUrl{QStringLiteral("base-url"), QStringLiteral("The API's base URL (https://...)."), QStringLiteral("URL")};
    QCommandLineOption auth{QStringLiteral("auth"), QStringLiteral("How the secret is sent: bearer, basic, header or query."), QStringLiteral("TYPE")};
    QCommandLineOption header{QStringLiteral("header"), QStringLiteral("With --auth header: the header that carries the secret."), QStringLiteral("NAME")};
    QCommandLineOption prefix{QStringLiteral("prefix"), QStringLiteral("With --auth header: text put before the secret."), QStringLiteral("P")};
    QCommandLineOption param{QStringLiteral("param"), QStringLiteral("With --auth query: the query parameter that carries the secret."), QStringLiteral("NAME")};
    QCommandLineOption username{QStringLiteral("username"), QStringLiteral("With --auth basic: the user name; the secret is the password."), QStringLiteral("U")};
    QCommandLineOption description{QStringLiteral("description"), QStringLiteral("What the service is, shown to agents."), QStringLiteral("TEXT")};
    QCommandLineOption caFile{QStringLiteral("ca-file"), QStringLiteral("PEM file of extra CA certificates to trust for this service."), QStringLiteral("PEM")};
    QCommandLineOption setHeader{QStringLiteral("set-header"), QStringLiteral("A fixed header sent on every call, 'Name: value' (repeatable)."), QStringLiteral("HEADER")};
    QCommandLineOption testPath{QStringLiteral("test-path"), QStringLiteral("Path that `keyward service test` GETs, e.g. /user."), QStringLiteral("PATH")};
    QCommandLineOption timeout{QStringLiteral("timeout"), QStringLiteral("Upstream timeout, e.g. 30s (default 30s)."), QStringLiteral("DURATION")};
    QCommandLineOption maxResponse{QStringLiteral("max-response"), QStringLiteral("Response size cap, e.g. 10MiB (default 10MiB)."), QStringLiteral("SIZE")};
    QCommandLineOption allow{QStringLiteral("allow"), QStringLiteral("Allow rule 'METHOD /path/glob' (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption deny{QStringLiteral("deny"), QStringLiteral("Deny rule 'METHOD /path/glob' (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption ask{QStringLiteral("ask"), QStringLiteral("Ask rule 'METHOD /path/glob': approve each call in the tray (repeatable)."), QStringLiteral("RULE")};
    QCommandLineOption templateId{QStringLiteral("template"),
                                  QStringLiteral("Start from a template (`keyward service templates` lists them); the other flags "
                                                 "override its values, and rules and headers given are added to its own."),
                                  QStringLiteral("ID")};
    QCommandLineOption field{QStringLiteral("field"),
                             QStringLiteral("With --template: a value the template needs, ID=VALUE (repeatable), e.g. "
                                            "--field accountSid=AC..."),
                             QStringLiteral("ID=VALUE")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({baseUrl, auth, header, prefix, param, username, description, caFile, setHeader, testPath,
                           timeout, maxResponse, allow, deny, ask, templateId, field});
    }
};

// Applies the flags of `service add` to `service`: without a template (`fromTemplate` false)
// `service` is empty and --base-url and --auth are required; with one, `service` holds the
// template's values and each flag given overrides the value it names (--auth resets the auth
// fields to the flags given with it), while rules and fixed headers given are added (a fixed
// header of the same name replaces the template's). Returns an exit code on a usage error.
std::optional<int> serviceFromFlags(const QCommandLineParser &parser, const AddOptions &o, const Output &out,
                                    ServiceConfig &service, bool fromTemplate)
{
    // Single-valued flags given twice are a mistake, not "last one wins".
    for (const QCommandLineOption *option : {&o.baseUrl, &o.auth, &o.header, &o.prefix, &o.param, &o.username,
                                             &o.description, &o.caFile, &o.testPath, &o.timeout, &o.maxResponse,
                                             &o.templateId}) {
        if (parser.values(*option).size() > 1)
            return out.usageError(QStringLiteral("--%1 is given more than once").arg(option->names().first()));
    }

    if (parser.isSet(o.baseUrl)) {
        const QString baseUrl = config_check::withoutTrailingSlash(parser.value(o.baseUrl).trimmed());
        if (const QString problem = config_check::baseUrlProblem(baseUrl); !problem.isEmpty())
            return flagError(out, "base-url", problem);
        service.baseUrl = baseUrl;
    } else if (!fromTemplate) {
        return out.usageError(QStringLiteral("--base-url is required (e.g. --base-url https://api.example.com/v1), "
                                             "or start from a --template"));
    }

    if (parser.isSet(o.auth)) {
        const QString auth = parser.value(o.auth);
        if (auth == QLatin1String("bearer"))
            service.auth.type = AuthType::Bearer;
        else if (auth == QLatin1String("basic"))
            service.auth.type = AuthType::Basic;
        else if (auth == QLatin1String("header"))
            service.auth.type = AuthType::Header;
        else if (auth == QLatin1String("query"))
            service.auth.type = AuthType::Query;
        else
            return flagError(out, "auth", QStringLiteral("must be bearer, basic, header or query"));
        service.auth.header = parser.value(o.header);
        service.auth.prefix = parser.value(o.prefix);
        service.auth.param = parser.value(o.param);
        service.auth.username = parser.value(o.username);
    } else if (!fromTemplate) {
        return out.usageError(QStringLiteral("--auth is required: bearer, basic, header or query"));
    } else {
        // The template's auth type stays; a flag given replaces that one field.
        const std::pair<const QCommandLineOption *, QString *> authFlags[] = {{&o.header, &service.auth.header},
                                                                              {&o.prefix, &service.auth.prefix},
                                                                              {&o.param, &service.auth.param},
                                                                              {&o.username, &service.auth.username}};
        for (const auto &[option, target] : authFlags) {
            if (parser.isSet(*option))
                *target = parser.value(*option);
        }
    }
    QString field;
    if (QString problem = config_check::authProblem(service.auth, &field); !problem.isEmpty()) {
        const QString phrase = problem.startsWith(QLatin1String("is only used with auth type"))
            ? problem.replace(QLatin1String("auth type "), QLatin1String("--auth "))
            : problem.replace(QLatin1String("with auth type "), QLatin1String("with --auth "));
        return flagError(out, field.toLatin1().constData(), phrase);
    }

    if (parser.isSet(o.description))
        service.description = parser.value(o.description);
    if (const QString problem = config_check::descriptionProblem(service.description); !problem.isEmpty())
        return flagError(out, "description", problem);

    if (parser.isSet(o.caFile)) {
        const QFileInfo file(parser.value(o.caFile));
        if (!file.isFile() || !file.isReadable())
            return flagError(out, "ca-file", QStringLiteral("names no readable file"));
        if (QSslCertificate::fromPath(file.absoluteFilePath(), QSsl::Pem).isEmpty())
            return flagError(out, "ca-file", QStringLiteral("contains no PEM certificate (-----BEGIN CERTIFICATE-----)"));
        service.caFile = file.absoluteFilePath();
    }

    QStringList flagHeaders; // lowercased names given by --set-header
    for (const QString &text : parser.values(o.setHeader)) {
        const qsizetype colon = text.indexOf(u':');
        if (colon <= 0)
            return flagError(out, "set-header", QStringLiteral("expects 'Name: value', e.g. --set-header 'anthropic-version: 2023-06-01'"));
        const QString name = text.left(colon).trimmed();
        const QString value = text.mid(colon + 1).trimmed();
        if (value.isEmpty())
            return flagError(out, "set-header", QStringLiteral("needs a value after the colon"));
        if (const QString problem = config_check::fixedHeaderProblem(name, value, service.auth); !problem.isEmpty())
            return flagError(out, "set-header", problem);
        if (flagHeaders.contains(name.toLower()))
            return flagError(out, "set-header", QStringLiteral("sets the same header twice"));
        flagHeaders << name.toLower();
        service.setHeaders.removeIf([&name](const QPair<QString, QString> &existing) {
            return existing.first.compare(name, Qt::CaseInsensitive) == 0;
        });
        service.setHeaders.append({name, value});
    }

    if (parser.isSet(o.testPath)) {
        service.testPath = parser.value(o.testPath);
        if (const QString problem = config_check::requestPathProblem(service.testPath); !problem.isEmpty())
            return flagError(out, "test-path", problem);
    }

    if (parser.isSet(o.timeout)) {
        const auto ms = parseDurationMs(parser.value(o.timeout));
        if (!ms)
            return flagError(out, "timeout", ms.error().message);
        if (*ms < config_check::kMinTimeoutMs || *ms > config_check::kMaxTimeoutMs)
            return flagError(out, "timeout", QStringLiteral("must be between 100ms and 10m"));
        service.policy.timeoutMs = int(*ms);
    }
    if (parser.isSet(o.maxResponse)) {
        const auto bytes = parseByteSize(parser.value(o.maxResponse));
        if (!bytes)
            return flagError(out, "max-response", bytes.error().message);
        if (*bytes < 1 || *bytes > config_check::kMaxBodyBytes)
            return flagError(out, "max-response", QStringLiteral("must be between 1 byte and 1GiB"));
        service.policy.maxResponseBytes = *bytes;
    }

    const std::pair<const QCommandLineOption *, RuleAction> ruleFlags[] = {
        {&o.allow, RuleAction::Allow}, {&o.deny, RuleAction::Deny}, {&o.ask, RuleAction::Ask}};
    for (const auto &[option, action] : ruleFlags) {
        for (const QString &text : parser.values(*option)) {
            const auto rule = config_check::parseRule(action, text);
            if (!rule)
                return out.usageError(QStringLiteral("--%1: %2").arg(option->names().first(), rule.error().message));
            if (!service.policy.rules.contains(*rule))
                service.policy.rules << *rule;
        }
    }
    return std::nullopt;
}

// Starts `service` from --template with its --field values; leaves `templateId` empty (and
// `service` untouched) without a template or with "custom", which is the plain flags. Returns an
// exit code on a usage error.
std::optional<int> serviceFromTemplateFlags(const QCommandLineParser &parser, const AddOptions &o, const Output &out,
                                            ServiceConfig &service, QString &templateId)
{
    const QString id = parser.value(o.templateId);
    const QStringList fieldArgs = parser.values(o.field);
    const ServiceTemplate *tmpl = nullptr;
    if (parser.isSet(o.templateId)) {
        tmpl = findServiceTemplate(id);
        if (!tmpl) {
            return out.usageError(QStringLiteral("--template: there is no template '%1'; the templates are: %2")
                                      .arg(id.left(64), serviceTemplateIds().join(QStringLiteral(", "))));
        }
    }
    if (!fieldArgs.isEmpty() && (!tmpl || tmpl->fields.isEmpty())) {
        return out.usageError(tmpl ? QStringLiteral("--field: the %1 template has no fields").arg(tmpl->id)
                                   : QStringLiteral("--field is only used with --template"));
    }
    if (!tmpl || tmpl->isCustom())
        return std::nullopt;

    TemplateInput input;
    for (const QString &text : fieldArgs) {
        const qsizetype equals = text.indexOf(u'=');
        if (equals <= 0)
            return flagError(out, "field", QStringLiteral("expects ID=VALUE, e.g. --field accountSid=AC..."));
        const QString fieldId = text.left(equals).trimmed();
        if (input.fields.count(fieldId))
            return flagError(out, "field", QStringLiteral("gives %1 twice").arg(fieldId.left(64)));
        input.fields[fieldId] = text.mid(equals + 1);
    }
    auto instantiated = instantiateTemplate(*tmpl, input);
    if (!instantiated) {
        QString message = instantiated.error().message;
        if (instantiated.error().code == QLatin1String(template_errors::kMissingField))
            message += QStringLiteral(" Give it with --field ID=VALUE.");
        return out.usageError(message);
    }
    service = std::move(instantiated).value();
    templateId = tmpl->id;
    return std::nullopt;
}

int runAdd(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    const AddOptions options;
    options.addTo(parser);
    QString name;
    if (const auto stop = parseAction(parser, args, ctx,
                                      QStringLiteral("Add a service. The secret is read from stdin, or asked for on a terminal; "
                                                     "never pass it as an argument."),
                                      name))
        return *stop;
    const Output &out = ctx.out;
    ServiceConfig service;
    QString templateId;
    if (const auto stop = serviceFromTemplateFlags(parser, options, out, service, templateId))
        return *stop;
    if (const auto stop = serviceFromFlags(parser, options, out, service, !templateId.isEmpty()))
        return *stop;

    // Refuse a taken name before asking for the secret; checked again under the lock below.
    auto current = loadConfig(ctx);
    if (!current)
        return out.error(current.error().code, current.error().message);
    auto exists = [&name, &out]() {
        return out.error(QStringLiteral("exists"),
                         QStringLiteral("a service named '%1' already exists; remove it first, or use `keyward service "
                                        "rotate %1` to replace its secret")
                             .arg(name));
    };
    if (current->services.count(name))
        return exists();
    {
        Config candidate = *current;
        candidate.services[name] = service;
        if (auto valid = validateConfig(candidate); !valid)
            return out.error(valid.error().code, valid.error().message);
    }

    auto secret = readServiceSecret(name);
    if (!secret)
        return out.error(secret.error().code, secret.error().message);
    QByteArray secretBytes = std::move(secret).value();

    std::unique_ptr<SecretStore> store;
    admin::ServiceAdmin admin = serviceAdmin(ctx.home, out, store);
    const auto added = runStoreCall([&](SecretStore::DoneCallback done) {
        admin.addService(name, service, std::move(secretBytes), templateId, done);
    });
    wipe(secretBytes);
    if (!added) {
        if (added.error().code == QLatin1String(admin::admin_errors::kExists))
            return exists();
        return out.error(added.error().code, added.error().message);
    }
    const Config &config = *current;
    if (out.json()) {
        json object = toJson(serviceToJson(service));
        object["name"] = name.toStdString();
        out.object(object);
    } else {
        out.message(QStringLiteral("Added service '%1'; its secret is in %2.").arg(name, secretStoreLabel(config)));
    }
    return ExitOk;
}

// ---- list and show ------------------------------------------------------------------------

int runList(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    if (const auto stop = parseListAction(parser, args, ctx, QStringLiteral("List the services (--json: JSON Lines).")))
        return *stop;
    const auto config = loadConfig(ctx);
    if (!config)
        return ctx.out.error(config.error().code, config.error().message);

    if (ctx.out.json()) {
        for (const auto &[name, service] : config->services) {
            ctx.out.object({{"name", name.toStdString()},
                            {"description", service.description.toStdString()},
                            {"baseUrl", service.baseUrl.toStdString()},
                            {"auth", authName(service.auth.type)},
                            {"enabled", service.enabled}});
        }
        return ExitOk;
    }
    if (config->services.empty()) {
        ctx.out.message(QStringLiteral("No services yet; add one with `keyward service add NAME --base-url URL --auth bearer`."));
        return ExitOk;
    }
    QList<QStringList> rows = {{QStringLiteral("NAME"), QStringLiteral("AUTH"), QStringLiteral("STATE"),
                                QStringLiteral("BASE URL"), QStringLiteral("DESCRIPTION")}};
    for (const auto &[name, service] : config->services) {
        rows.append({name, admin::authTypeName(service.auth.type),
                     service.enabled ? QStringLiteral("enabled") : QStringLiteral("disabled"), service.baseUrl,
                     service.description});
    }
    ctx.out.table(rows);
    return ExitOk;
}

int runTemplates(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    if (const auto stop = parseListAction(parser, args, ctx,
                                          QStringLiteral("List the service templates for `service add NAME --template ID` "
                                                         "(--json: JSON Lines with every detail).")))
        return *stop;
    if (ctx.out.json()) {
        for (const ServiceTemplate &t : serviceTemplates()) {
            json fields = json::array();
            for (const TemplateField &field : t.fields) {
                fields.push_back({{"id", field.id.toStdString()},
                                  {"label", field.label.toStdString()},
                                  {"help", field.help.toStdString()},
                                  {"example", field.example.toStdString()}});
            }
            ctx.out.object({{"id", t.id.toStdString()},
                            {"name", t.displayName.toStdString()},
                            {"baseUrl", t.baseUrl.toStdString()},
                            {"auth", authName(t.auth.type)},
                            {"keyPage", t.keyPageUrl.toStdString()},
                            {"keyHint", t.keyHint.toStdString()},
                            {"testPath", t.testPath.toStdString()},
                            {"fields", fields}});
        }
        return ExitOk;
    }
    QList<QStringList> rows = {{QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("AUTH"),
                                QStringLiteral("BASE URL"), QStringLiteral("KEY PAGE")}};
    for (const ServiceTemplate &t : serviceTemplates()) {
        rows.append({t.id, t.displayName, admin::authTypeName(t.auth.type),
                     t.isCustom() ? QStringLiteral("(--base-url)") : t.baseUrl, t.keyPageUrl});
    }
    ctx.out.table(rows);
    ctx.out.message(QStringLiteral("Use one with `keyward service add NAME --template ID`; `--json` shows each template's "
                                   "key hint and fields."));
    return ExitOk;
}

int runShow(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    QString name;
    if (const auto stop = parseAction(parser, args, ctx, QStringLiteral("Show one service's configuration (never its secret)."), name))
        return *stop;
    const auto config = loadConfig(ctx);
    if (!config)
        return ctx.out.error(config.error().code, config.error().message);
    const auto found = config->services.find(name);
    if (found == config->services.end())
        return notFound(ctx.out, name);
    const ServiceConfig &service = found->second;

    if (ctx.out.json()) {
        json object = toJson(serviceToJson(service));
        object["name"] = name.toStdString();
        ctx.out.object(object);
        return ExitOk;
    }
    QString auth = admin::authTypeName(service.auth.type);
    if (service.auth.type == AuthType::Header) {
        auth += QStringLiteral(" (header %1%2)")
                    .arg(service.auth.header,
                         service.auth.prefix.isEmpty() ? QString() : QStringLiteral(", prefix \"%1\"").arg(service.auth.prefix));
    } else if (service.auth.type == AuthType::Query) {
        auth += QStringLiteral(" (parameter %1)").arg(service.auth.param);
    } else if (service.auth.type == AuthType::Basic) {
        auth += QStringLiteral(" (user %1)").arg(service.auth.username);
    }
    QStringList headers;
    for (const auto &[header, value] : service.setHeaders)
        headers << header + QStringLiteral(": ") + value;
    const Policy &policy = service.policy;
    static const char *pers[] = {"s", "min", "h", "day"};
    const QString rate = policy.rate ? QStringLiteral("%1/%2, burst %3")
                                           .arg(policy.rate->n)
                                           .arg(QString::fromLatin1(pers[int(policy.rate->per)]))
                                           .arg(policy.rate->burst)
                                     : QStringLiteral("none");
    QStringList overrides;
    for (const auto &[agent, text] : service.agentPoliciesJson)
        overrides << agent;

    const QList<QPair<QString, QString>> fields = {
        {QStringLiteral("name"), name},
        {QStringLiteral("description"), service.description},
        {QStringLiteral("base URL"), service.baseUrl},
        {QStringLiteral("state"), service.enabled ? QStringLiteral("enabled") : QStringLiteral("disabled")},
        {QStringLiteral("auth"), auth},
        {QStringLiteral("CA file"), service.caFile.isEmpty() ? QStringLiteral("none (system store)") : service.caFile},
        {QStringLiteral("fixed headers"), headers.isEmpty() ? QStringLiteral("none") : headers.join(QStringLiteral("; "))},
        {QStringLiteral("test path"), service.testPath.isEmpty() ? QStringLiteral("none (HEAD on the base URL)") : service.testPath},
        {QStringLiteral("rules"), describeRules(policy)},
        {QStringLiteral("rate"), rate},
        {QStringLiteral("schedule"), policy.schedule.isEmpty() ? QStringLiteral("any time") : policy.schedule.join(QStringLiteral("; "))},
        {QStringLiteral("reason required"), policy.requireReason ? QStringLiteral("yes") : QStringLiteral("no")},
        {QStringLiteral("agents"), policy.agents ? policy.agents->join(QStringLiteral(", ")) : QStringLiteral("all")},
        {QStringLiteral("timeout"), formatDurationMs(policy.timeoutMs)},
        {QStringLiteral("max request"), formatByteSize(policy.maxRequestBytes)},
        {QStringLiteral("max response"), formatByteSize(policy.maxResponseBytes)},
        {QStringLiteral("allowed headers"), policy.allowHeaders.isEmpty() ? QStringLiteral("defaults only") : policy.allowHeaders.join(QStringLiteral(", "))},
        {QStringLiteral("agent overrides"), overrides.isEmpty() ? QStringLiteral("none") : overrides.join(QStringLiteral(", "))},
    };
    for (const auto &[label, value] : fields)
        ctx.out.line(QString(label + u':').leftJustified(17) + value);
    return ExitOk;
}

// ---- remove, rotate, enable, disable ------------------------------------------------------

int runRemove(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    QString name;
    if (const auto stop = parseAction(parser, args, ctx, QStringLiteral("Remove a service and its secret."), name))
        return *stop;
    std::unique_ptr<SecretStore> store;
    admin::ServiceAdmin admin = serviceAdmin(ctx.home, ctx.out, store);
    const auto removed = runStoreCall([&](SecretStore::DoneCallback done) { admin.removeService(name, done); });
    if (!removed)
        return adminError(ctx.out, name, removed.error());
    if (ctx.out.json())
        ctx.out.object({{"name", name.toStdString()}, {"removed", true}});
    else
        ctx.out.message(QStringLiteral("Removed service '%1' and its secret.").arg(name));
    return ExitOk;
}

int runRotate(const QStringList &args)
{
    Context ctx;
    QCommandLineParser parser;
    QString name;
    if (const auto stop = parseAction(parser, args, ctx,
                                      QStringLiteral("Replace a service's secret with one read from stdin (or a terminal prompt)."), name))
        return *stop;
    const auto current = loadConfig(ctx);
    if (!current)
        return ctx.out.error(current.error().code, current.error().message);
    if (!current->services.count(name))
        return notFound(ctx.out, name);

    auto secret = readServiceSecret(name);
    if (!secret)
        return ctx.out.error(secret.error().code, secret.error().message);
    QByteArray secretBytes = std::move(secret).value();

    std::unique_ptr<SecretStore> store;
    admin::ServiceAdmin admin = serviceAdmin(ctx.home, ctx.out, store);
    const auto rotated = runStoreCall([&](SecretStore::DoneCallback done) {
        admin.rotateSecret(name, std::move(secretBytes), done);
    });
    wipe(secretBytes);
    if (!rotated)
        return adminError(ctx.out, name, rotated.error());
    if (ctx.out.json())
        ctx.out.object({{"name", name.toStdString()}, {"rotated", true}});
    else
        ctx.out.message(QStringLiteral("Replaced the secret of '%1'.").arg(name));
    return ExitOk;
}

int runSetEnabled(const QStringList &args, bool enabled)
{
    Context ctx;
    QCommandLineParser parser;
    QString name;
    const QString synopsis = enabled ? QStringLiteral("Enable a service.")
                                     : QStringLiteral("Disable a service: every call to it is answered with `disabled`.");
    if (const auto stop = parseAction(parser, args, ctx, synopsis, name))
        return *stop;
    std::unique_ptr<SecretStore> store;
    admin::ServiceAdmin admin = serviceAdmin(ctx.home, ctx.out, store);
    const auto changed = admin.setEnabled(name, enabled);
    if (!changed)
        return adminError(ctx.out, name, changed.error());
    const QString state = enabled ? QStringLiteral("enabled") : QStringLiteral("disabled");
    if (changed.value()) {
        if (!ctx.out.json())
            ctx.out.message(QStringLiteral("Service '%1' is now %2.").arg(name, state));
    } else if (!ctx.out.json()) {
        ctx.out.message(QStringLiteral("Service '%1' was already %2.").arg(name, state));
    }
    if (ctx.out.json())
        ctx.out.object({{"name", name.toStdString()}, {"enabled", enabled}});
    return ExitOk;
}

const char *const kActionsHelp =
    "Usage: keyward service <action> [options]\n\n"
    "Actions:\n"
    "  add NAME --base-url URL --auth bearer|basic|header|query [options]\n"
    "  add NAME --template ID [--field ID=VALUE]... [options]\n"
    "                      add a service; the secret is read from stdin or a terminal prompt\n"
    "  templates           list the templates for add --template (GitHub, Stripe, OpenAI...)\n"
    "  list                list the services\n"
    "  show NAME           show one service's configuration (never its secret)\n"
    "  remove NAME         remove a service and its secret\n"
    "  rotate NAME         replace a service's secret (read from stdin or a terminal prompt)\n"
    "  enable NAME         enable a service\n"
    "  disable NAME        disable a service: every call to it is answered with `disabled`\n"
    "  test NAME           make one real call through the full gate (GET the test path, or HEAD)\n\n"
    "Each action takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

} // namespace

int runService(const QStringList &args)
{
    static const std::map<QString, Action> actions = {
        {QStringLiteral("add"), runAdd},
        {QStringLiteral("list"), runList},
        {QStringLiteral("show"), runShow},
        {QStringLiteral("remove"), runRemove},
        {QStringLiteral("rotate"), runRotate},
        {QStringLiteral("enable"), [](const QStringList &a) { return runSetEnabled(a, true); }},
        {QStringLiteral("disable"), [](const QStringList &a) { return runSetEnabled(a, false); }},
        {QStringLiteral("test"), runServiceTest},
        {QStringLiteral("templates"), runTemplates},
    };
    return dispatchAction(args, kActionsHelp,
                          {QStringLiteral("add"), QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("remove"),
                           QStringLiteral("rotate"), QStringLiteral("enable"), QStringLiteral("disable"), QStringLiteral("test"),
                           QStringLiteral("templates")},
                          actions);
}

} // namespace keyward::cli
