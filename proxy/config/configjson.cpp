#include "config/configjson.h"

#include "alerts/alertsettings.h"

#include "config/validation.h"
#include "core/logging.h"
#include "core/names.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <limits>
#include <string_view>

namespace keyward {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr QFile::Permissions kFileMode = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions kDirMode = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr qint64 kMaxConfigBytes = 16 * 1024 * 1024;

// Thrown inside this file only, turned into an Error by every public function.
struct SchemaError {
    std::string pointer;
    QString problem;
};

[[noreturn]] void fail(const std::string &pointer, const QString &problem) { throw SchemaError{pointer, problem}; }

std::string escapeKey(std::string_view key)
{
    std::string escaped;
    for (const char c : key) {
        if (c == '~')
            escaped += "~0";
        else if (c == '/')
            escaped += "~1";
        else
            escaped += c;
    }
    return escaped;
}

std::string child(const std::string &pointer, std::string_view key) { return pointer + '/' + escapeKey(key); }
std::string child(const std::string &pointer, const char *key) { return child(pointer, std::string_view(key)); }
std::string child(const std::string &pointer, const std::string &key) { return child(pointer, std::string_view(key)); }
std::string child(const std::string &pointer, const QString &key) { return child(pointer, key.toStdString()); }
std::string child(const std::string &pointer, qsizetype index) { return pointer + '/' + std::to_string(index); }

Error toError(const SchemaError &e)
{
    const QString where = e.pointer.empty() ? QStringLiteral("the top level") : QString::fromStdString(e.pointer);
    return Error{QString::fromLatin1(config_errors::kInvalid), where + QStringLiteral(": ") + e.problem};
}

QString rangeProblem(qint64 value, qint64 min, qint64 max)
{
    if (value < min || value > max)
        return QStringLiteral("must be between %1 and %2").arg(min).arg(max);
    return {};
}

void checkRange(qint64 value, const std::string &pointer, qint64 min, qint64 max)
{
    const QString problem = rangeProblem(value, min, max);
    if (!problem.isEmpty())
        fail(pointer, problem);
}

bool isRfc3339(const QString &text)
{
    return text.contains(u'T') && QDateTime::fromString(text, Qt::ISODateWithMs).isValid();
}

// ---- reading JSON ------------------------------------------------------------------------

void requireObject(const json &value, const std::string &pointer)
{
    if (!value.is_object())
        fail(pointer, QStringLiteral("expected an object"));
}

void checkKeys(const json &object, const std::string &pointer, std::initializer_list<std::string_view> allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(it.key())) != allowed.end())
            continue;
        QStringList names;
        for (const auto name : allowed)
            names << QString::fromLatin1(name.data(), qsizetype(name.size()));
        fail(child(pointer, it.key()), QStringLiteral("unknown key; allowed here: ") + names.join(QStringLiteral(", ")));
    }
}

const json *find(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

QString stringAt(const json &value, const std::string &pointer)
{
    if (!value.is_string())
        fail(pointer, QStringLiteral("expected a string"));
    return QString::fromStdString(value.get<std::string>());
}

QString optionalString(const json &object, const char *key, const std::string &pointer)
{
    const json *value = find(object, key);
    return value ? stringAt(*value, child(pointer, key)) : QString();
}

QString requiredString(const json &object, const char *key, const std::string &pointer)
{
    const json *value = find(object, key);
    if (!value)
        fail(child(pointer, key), QStringLiteral("is required"));
    return stringAt(*value, child(pointer, key));
}

// A string or null (null and absent both give the empty string).
QString nullableString(const json &object, const char *key, const std::string &pointer)
{
    const json *value = find(object, key);
    if (!value || value->is_null())
        return {};
    if (!value->is_string())
        fail(child(pointer, key), QStringLiteral("expected a string or null"));
    return QString::fromStdString(value->get<std::string>());
}

bool optionalBool(const json &object, const char *key, const std::string &pointer, bool fallback)
{
    const json *value = find(object, key);
    if (!value)
        return fallback;
    if (!value->is_boolean())
        fail(child(pointer, key), QStringLiteral("expected true or false"));
    return value->get<bool>();
}

qint64 integerAt(const json &value, const std::string &pointer, qint64 min, qint64 max)
{
    if (!value.is_number_integer())
        fail(pointer, QStringLiteral("expected a whole number"));
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<qint64>::max()))
        fail(pointer, rangeProblem(std::numeric_limits<qint64>::max(), min, max));
    const qint64 number = value.get<qint64>();
    checkRange(number, pointer, min, max);
    return number;
}

qint64 optionalInteger(const json &object, const char *key, const std::string &pointer, qint64 fallback, qint64 min,
                       qint64 max)
{
    const json *value = find(object, key);
    return value ? integerAt(*value, child(pointer, key), min, max) : fallback;
}

template <typename E>
using Choices = std::initializer_list<std::pair<const char *, E>>;

template <typename E>
E choiceAt(const json &value, const std::string &pointer, Choices<E> choices)
{
    QStringList names;
    for (const auto &[name, choice] : choices) {
        if (value.is_string() && value.get<std::string>() == name)
            return choice;
        names << QString::fromLatin1(name);
    }
    fail(pointer, QStringLiteral("expected one of ") + names.join(QStringLiteral(", ")));
}

template <typename E>
const char *nameOf(E value, Choices<E> choices)
{
    for (const auto &[name, choice] : choices) {
        if (choice == value)
            return name;
    }
    return "";
}

QStringList stringListAt(const json &value, const std::string &pointer)
{
    if (!value.is_array())
        fail(pointer, QStringLiteral("expected an array of strings"));
    QStringList list;
    for (std::size_t i = 0; i < value.size(); ++i)
        list << stringAt(value[i], child(pointer, qsizetype(i)));
    return list;
}

// The enums and their names in the file.
const Choices<AuthType> kAuthTypes = {
    {"bearer", AuthType::Bearer}, {"basic", AuthType::Basic}, {"header", AuthType::Header}, {"query", AuthType::Query}};
const Choices<RuleAction> kActions = {{"allow", RuleAction::Allow}, {"deny", RuleAction::Deny}, {"ask", RuleAction::Ask}};
const Choices<RatePer> kPers = {{"s", RatePer::Second}, {"min", RatePer::Minute}, {"h", RatePer::Hour}, {"day", RatePer::Day}};
const Choices<SecretStoreKind> kStores = {{"keychain", SecretStoreKind::Keychain}, {"file", SecretStoreKind::File}};

// A policy object; fields left out keep the defaults (so an agent's override object, which holds
// only the fields it overrides, reads with the same function).
Policy policyFromJson(const json &value, const std::string &pointer)
{
    requireObject(value, pointer);
    checkKeys(value, pointer,
              {"rules", "rate", "schedule", "requireReason", "agents", "timeoutMs", "maxRequestBytes",
               "maxResponseBytes", "allowHeaders"});
    Policy policy;
    if (const json *rules = find(value, "rules")) {
        const std::string rulesPointer = child(pointer, "rules");
        if (!rules->is_array())
            fail(rulesPointer, QStringLiteral("expected an array of rules"));
        for (std::size_t i = 0; i < rules->size(); ++i) {
            const json &item = (*rules)[i];
            const std::string itemPointer = child(rulesPointer, qsizetype(i));
            requireObject(item, itemPointer);
            checkKeys(item, itemPointer, {"action", "method", "path"});
            const json *action = find(item, "action");
            if (!action)
                fail(child(itemPointer, "action"), QStringLiteral("is required: one of allow, deny, ask"));
            Rule rule;
            rule.action = choiceAt(*action, child(itemPointer, "action"), kActions);
            rule.method = requiredString(item, "method", itemPointer);
            rule.path = requiredString(item, "path", itemPointer);
            policy.rules << rule;
        }
    }
    if (const json *rate = find(value, "rate"); rate && !rate->is_null()) {
        const std::string ratePointer = child(pointer, "rate");
        if (!rate->is_object())
            fail(ratePointer, QStringLiteral("expected null (no limit) or {\"per\": \"min\", \"n\": 60}"));
        checkKeys(*rate, ratePointer, {"per", "n", "burst"});
        const json *per = find(*rate, "per");
        const json *n = find(*rate, "n");
        if (!per)
            fail(child(ratePointer, "per"), QStringLiteral("is required: one of s, min, h, day"));
        if (!n)
            fail(child(ratePointer, "n"), QStringLiteral("is required"));
        RateLimit limit;
        limit.per = choiceAt(*per, child(ratePointer, "per"), kPers);
        limit.n = int(integerAt(*n, child(ratePointer, "n"), 1, config_check::kMaxRate));
        limit.burst = int(optionalInteger(*rate, "burst", ratePointer, limit.n, 1, config_check::kMaxRate));
        policy.rate = limit;
    }
    if (const json *schedule = find(value, "schedule"))
        policy.schedule = stringListAt(*schedule, child(pointer, "schedule"));
    policy.requireReason = optionalBool(value, "requireReason", pointer, false);
    if (const json *agents = find(value, "agents"); agents && !agents->is_null()) {
        if (!agents->is_array())
            fail(child(pointer, "agents"), QStringLiteral("expected null (every agent) or an array of agent names"));
        policy.agents = stringListAt(*agents, child(pointer, "agents"));
    }
    policy.timeoutMs = int(optionalInteger(value, "timeoutMs", pointer, Policy::kDefaultTimeoutMs,
                                           config_check::kMinTimeoutMs, config_check::kMaxTimeoutMs));
    policy.maxRequestBytes = optionalInteger(value, "maxRequestBytes", pointer, Policy::kDefaultMaxRequestBytes, 0,
                                             config_check::kMaxBodyBytes);
    policy.maxResponseBytes = optionalInteger(value, "maxResponseBytes", pointer, Policy::kDefaultMaxResponseBytes, 1,
                                              config_check::kMaxBodyBytes);
    if (const json *headers = find(value, "allowHeaders"))
        policy.allowHeaders = stringListAt(*headers, child(pointer, "allowHeaders"));
    return policy;
}

ServiceConfig serviceFromJson(const json &value, const std::string &pointer)
{
    requireObject(value, pointer);
    checkKeys(value, pointer,
              {"description", "baseUrl", "enabled", "auth", "caFile", "setHeaders", "testPath", "policy",
               "agentPolicies"});
    ServiceConfig service;
    service.description = optionalString(value, "description", pointer);
    service.baseUrl = requiredString(value, "baseUrl", pointer);
    service.enabled = optionalBool(value, "enabled", pointer, true);

    const json *auth = find(value, "auth");
    const std::string authPointer = child(pointer, "auth");
    if (!auth)
        fail(authPointer, QStringLiteral("is required (at least {\"type\": \"bearer\"})"));
    requireObject(*auth, authPointer);
    checkKeys(*auth, authPointer, {"type", "header", "prefix", "param", "username"});
    const json *type = find(*auth, "type");
    if (!type)
        fail(child(authPointer, "type"), QStringLiteral("is required: one of bearer, basic, header, query"));
    service.auth.type = choiceAt(*type, child(authPointer, "type"), kAuthTypes);
    service.auth.header = optionalString(*auth, "header", authPointer);
    service.auth.prefix = optionalString(*auth, "prefix", authPointer);
    service.auth.param = optionalString(*auth, "param", authPointer);
    service.auth.username = optionalString(*auth, "username", authPointer);

    service.caFile = nullableString(value, "caFile", pointer);
    if (const json *headers = find(value, "setHeaders")) {
        const std::string headersPointer = child(pointer, "setHeaders");
        if (!headers->is_object())
            fail(headersPointer, QStringLiteral("expected an object of header names and values"));
        for (auto it = headers->begin(); it != headers->end(); ++it)
            service.setHeaders.append({QString::fromStdString(it.key()), stringAt(it.value(), child(headersPointer, it.key()))});
    }
    service.testPath = optionalString(value, "testPath", pointer);
    if (const json *policy = find(value, "policy"))
        service.policy = policyFromJson(*policy, child(pointer, "policy"));
    if (const json *overrides = find(value, "agentPolicies")) {
        const std::string overridesPointer = child(pointer, "agentPolicies");
        if (!overrides->is_object())
            fail(overridesPointer, QStringLiteral("expected an object of agent names and policy fields"));
        for (auto it = overrides->begin(); it != overrides->end(); ++it) {
            requireObject(it.value(), child(overridesPointer, it.key()));
            service.agentPoliciesJson[QString::fromStdString(it.key())] = QString::fromStdString(it.value().dump());
        }
    }
    return service;
}

AgentConfig agentFromJson(const json &value, const std::string &pointer)
{
    requireObject(value, pointer);
    checkKeys(value, pointer, {"tokenHash", "created", "expires"});
    AgentConfig agent;
    agent.tokenHash = requiredString(value, "tokenHash", pointer);
    agent.created = requiredString(value, "created", pointer);
    agent.expires = nullableString(value, "expires", pointer);
    return agent;
}

RunRef runRefFromJson(const json &value, const std::string &pointer)
{
    requireObject(value, pointer);
    checkKeys(value, pointer, {"env", "command"});
    RunRef ref;
    ref.env = requiredString(value, "env", pointer);
    const json *command = find(value, "command");
    if (!command)
        fail(child(pointer, "command"), QStringLiteral("is required"));
    ref.command = stringListAt(*command, child(pointer, "command"));
    return ref;
}

Settings settingsFromJson(const json &value, const std::string &pointer)
{
    requireObject(value, pointer);
    checkKeys(value, pointer, {"secretStore", "http", "retentionDays", "auditBodies", "auditBodyCap", "notifications"});
    Settings settings;
    if (const json *store = find(value, "secretStore"))
        settings.secretStore = choiceAt(*store, child(pointer, "secretStore"), kStores);
    if (const json *http = find(value, "http")) {
        const std::string httpPointer = child(pointer, "http");
        requireObject(*http, httpPointer);
        checkKeys(*http, httpPointer, {"enabled", "port"});
        settings.httpEnabled = optionalBool(*http, "enabled", httpPointer, false);
        settings.httpPort = int(optionalInteger(*http, "port", httpPointer, Settings::kDefaultHttpPort, 1, 65535));
    }
    settings.retentionDays = int(optionalInteger(value, "retentionDays", pointer, settings.retentionDays, 1,
                                                 config_check::kMaxRetentionDays));
    settings.auditBodies = optionalBool(value, "auditBodies", pointer, true);
    settings.auditBodyCap = optionalInteger(value, "auditBodyCap", pointer, settings.auditBodyCap, 0,
                                            config_check::kMaxAuditBodyCap);
    if (const json *notifications = find(value, "notifications")) {
        requireObject(*notifications, child(pointer, "notifications"));
        // Its fields (alerts/alertsettings.h) are checked here so a bad value names its pointer.
        std::string where;
        if (const auto parsed = alertSettingsFromJson(*notifications, &where); !parsed)
            fail(child(pointer, "notifications") + where, parsed.error().message);
        settings.notificationsJson = QString::fromStdString(notifications->dump());
    }
    return settings;
}

// ---- value checks (shared by loading and in-memory configs) -------------------------------

void checkProblem(const QString &problem, const std::string &pointer)
{
    if (!problem.isEmpty())
        fail(pointer, problem);
}

void validateNames(const QStringList &names, const std::string &pointer)
{
    QSet<QString> seen;
    for (qsizetype i = 0; i < names.size(); ++i) {
        if (!isValidName(names.at(i)))
            fail(child(pointer, i), QStringLiteral("agent names match [a-z0-9][a-z0-9_-]{0,63}"));
        if (seen.contains(names.at(i)))
            fail(child(pointer, i), QStringLiteral("is listed twice"));
        seen.insert(names.at(i));
    }
}

void validatePolicy(const Policy &policy, const AuthConfig &auth, const std::string &pointer)
{
    const std::string rulesPointer = child(pointer, "rules");
    for (qsizetype i = 0; i < policy.rules.size(); ++i) {
        checkProblem(config_check::ruleMethodProblem(policy.rules.at(i).method), child(child(rulesPointer, i), "method"));
        checkProblem(config_check::rulePathProblem(policy.rules.at(i).path), child(child(rulesPointer, i), "path"));
    }
    if (policy.rate) {
        checkRange(policy.rate->n, child(child(pointer, "rate"), "n"), 1, config_check::kMaxRate);
        checkRange(policy.rate->burst, child(child(pointer, "rate"), "burst"), 1, config_check::kMaxRate);
    }
    for (qsizetype i = 0; i < policy.schedule.size(); ++i)
        checkProblem(config_check::scheduleProblem(policy.schedule.at(i)), child(child(pointer, "schedule"), i));
    if (policy.agents)
        validateNames(*policy.agents, child(pointer, "agents"));
    checkRange(policy.timeoutMs, child(pointer, "timeoutMs"), config_check::kMinTimeoutMs, config_check::kMaxTimeoutMs);
    checkRange(policy.maxRequestBytes, child(pointer, "maxRequestBytes"), 0, config_check::kMaxBodyBytes);
    checkRange(policy.maxResponseBytes, child(pointer, "maxResponseBytes"), 1, config_check::kMaxBodyBytes);
    for (qsizetype i = 0; i < policy.allowHeaders.size(); ++i) {
        const QString &name = policy.allowHeaders.at(i);
        const std::string itemPointer = child(child(pointer, "allowHeaders"), i);
        checkProblem(config_check::headerNameProblem(name), itemPointer);
        if (config_check::isSecurityHeader(name))
            fail(itemPointer, QStringLiteral("names a security-relevant header that agents may never send"));
        if (auth.type == AuthType::Header && name.compare(auth.header, Qt::CaseInsensitive) == 0)
            fail(itemPointer, QStringLiteral("names the credential's own header, which agents may never send"));
    }
}

void validateService(const QString &name, const ServiceConfig &service, const std::string &pointer)
{
    if (!isValidName(name))
        fail(pointer, QStringLiteral("service names match [a-z0-9][a-z0-9_-]{0,63}"));
    checkProblem(config_check::descriptionProblem(service.description), child(pointer, "description"));
    checkProblem(config_check::baseUrlProblem(service.baseUrl), child(pointer, "baseUrl"));
    QString field;
    const QString authProblem = config_check::authProblem(service.auth, &field);
    if (!authProblem.isEmpty())
        fail(child(child(pointer, "auth"), field), authProblem);
    if (!service.caFile.isEmpty() && !QDir::isAbsolutePath(service.caFile))
        fail(child(pointer, "caFile"), QStringLiteral("must be an absolute path to a PEM file, or null"));
    QSet<QString> seen;
    for (const auto &[header, value] : service.setHeaders) {
        const std::string headerPointer = child(child(pointer, "setHeaders"), header);
        checkProblem(config_check::fixedHeaderProblem(header, value, service.auth), headerPointer);
        if (seen.contains(header.toLower()))
            fail(headerPointer, QStringLiteral("is set twice (header names are case-insensitive)"));
        seen.insert(header.toLower());
    }
    if (!service.testPath.isEmpty())
        checkProblem(config_check::requestPathProblem(service.testPath), child(pointer, "testPath"));
    validatePolicy(service.policy, service.auth, child(pointer, "policy"));
    for (const auto &[agent, text] : service.agentPoliciesJson) {
        const std::string agentPointer = child(child(pointer, "agentPolicies"), agent);
        if (!isValidName(agent))
            fail(agentPointer, QStringLiteral("agent names match [a-z0-9][a-z0-9_-]{0,63}"));
        const json overrides = json::parse(text.toStdString(), nullptr, false);
        if (overrides.is_discarded())
            fail(agentPointer, QStringLiteral("is not valid JSON"));
        validatePolicy(policyFromJson(overrides, agentPointer), service.auth, agentPointer);
    }
}

void validate(const Config &config)
{
    for (const auto &[name, service] : config.services)
        validateService(name, service, child("/services", name));
    for (const auto &[name, agent] : config.agents) {
        const std::string pointer = child("/agents", name);
        if (!isValidName(name))
            fail(pointer, QStringLiteral("agent names match [a-z0-9][a-z0-9_-]{0,63}"));
        if (agent.tokenHash.isEmpty() || agent.tokenHash.contains(u' '))
            fail(child(pointer, "tokenHash"), QStringLiteral("must be a non-empty hash without spaces"));
        if (!isRfc3339(agent.created))
            fail(child(pointer, "created"), QStringLiteral("must be an RFC 3339 time (e.g. 2025-01-31T12:00:00Z)"));
        if (!agent.expires.isEmpty() && !isRfc3339(agent.expires))
            fail(child(pointer, "expires"), QStringLiteral("must be null or an RFC 3339 time (e.g. 2025-04-30T12:00:00Z)"));
    }
    static const QRegularExpression envName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
    for (const auto &[name, ref] : config.runRefs) {
        const std::string pointer = child("/runRefs", name);
        if (!isValidName(name))
            fail(pointer, QStringLiteral("reference names match [a-z0-9][a-z0-9_-]{0,63}"));
        if (!envName.match(ref.env).hasMatch())
            fail(child(pointer, "env"), QStringLiteral("must be an environment variable name (letters, digits, _)"));
        if (ref.command.isEmpty() || ref.command.first().isEmpty())
            fail(child(pointer, "command"), QStringLiteral("must name the program first, then its arguments"));
    }
    const Settings &settings = config.settings;
    checkRange(settings.httpPort, "/settings/http/port", 1, 65535);
    checkRange(settings.retentionDays, "/settings/retentionDays", 1, config_check::kMaxRetentionDays);
    checkRange(settings.auditBodyCap, "/settings/auditBodyCap", 0, config_check::kMaxAuditBodyCap);
    const json notifications = json::parse(settings.notificationsJson.toStdString(), nullptr, false);
    if (!notifications.is_object())
        fail("/settings/notifications", QStringLiteral("expected an object"));
    std::string where;
    if (const auto parsed = alertSettingsFromJson(notifications, &where); !parsed)
        fail("/settings/notifications" + where, parsed.error().message);
}

// ---- writing JSON -------------------------------------------------------------------------

ojson nullOr(const QString &text) { return text.isEmpty() ? ojson(nullptr) : ojson(text.toStdString()); }

ojson stringArray(const QStringList &list)
{
    ojson array = ojson::array();
    for (const QString &item : list)
        array.push_back(item.toStdString());
    return array;
}

// Stored JSON text re-emitted with sorted keys, so the output does not depend on how it was typed.
ojson storedObject(const QString &text)
{
    const json parsed = json::parse(text.toStdString(), nullptr, false);
    return ojson::parse(parsed.is_object() ? parsed.dump() : std::string("{}"));
}

ojson policyToJson(const Policy &policy)
{
    ojson out = ojson::object();
    ojson rules = ojson::array();
    for (const Rule &rule : policy.rules) {
        ojson item = ojson::object();
        item["action"] = nameOf(rule.action, kActions);
        item["method"] = rule.method.toStdString();
        item["path"] = rule.path.toStdString();
        rules.push_back(std::move(item));
    }
    out["rules"] = std::move(rules);
    if (policy.rate) {
        ojson rate = ojson::object();
        rate["per"] = nameOf(policy.rate->per, kPers);
        rate["n"] = policy.rate->n;
        rate["burst"] = policy.rate->burst;
        out["rate"] = std::move(rate);
    } else {
        out["rate"] = nullptr;
    }
    out["schedule"] = stringArray(policy.schedule);
    out["requireReason"] = policy.requireReason;
    out["agents"] = policy.agents ? stringArray(*policy.agents) : ojson(nullptr);
    out["timeoutMs"] = policy.timeoutMs;
    out["maxRequestBytes"] = policy.maxRequestBytes;
    out["maxResponseBytes"] = policy.maxResponseBytes;
    out["allowHeaders"] = stringArray(policy.allowHeaders);
    return out;
}

Error ioError(const QString &text) { return Error{QString::fromLatin1(config_errors::kIo), text}; }

} // namespace

// ---- public -------------------------------------------------------------------------------

Result<Config> configFromJson(const nlohmann::json &root)
{
    try {
        requireObject(root, "");
        const json *version = find(root, "version");
        if (!version)
            fail("/version", QStringLiteral("is missing; a Keyward config starts with {\"version\": 1, ...}"));
        const qint64 number = integerAt(*version, "/version", 1, std::numeric_limits<qint64>::max());
        if (number > Config::kVersion) {
            return Error{QString::fromLatin1(config_errors::kVersion),
                         QStringLiteral("/version: the file was written by a newer Keyward (config version %1, this one "
                                        "reads up to %2); upgrade Keyward")
                             .arg(number)
                             .arg(Config::kVersion)};
        }
        // Version 1 is the first. A file of an older version would be migrated here, one step at
        // a time, before the schema is checked.

        checkKeys(root, "", {"version", "services", "agents", "runRefs", "settings"});
        Config config;
        if (const json *services = find(root, "services")) {
            requireObject(*services, "/services");
            for (auto it = services->begin(); it != services->end(); ++it)
                config.services[QString::fromStdString(it.key())] = serviceFromJson(it.value(), child("/services", it.key()));
        }
        if (const json *agents = find(root, "agents")) {
            requireObject(*agents, "/agents");
            for (auto it = agents->begin(); it != agents->end(); ++it)
                config.agents[QString::fromStdString(it.key())] = agentFromJson(it.value(), child("/agents", it.key()));
        }
        if (const json *refs = find(root, "runRefs")) {
            requireObject(*refs, "/runRefs");
            for (auto it = refs->begin(); it != refs->end(); ++it)
                config.runRefs[QString::fromStdString(it.key())] = runRefFromJson(it.value(), child("/runRefs", it.key()));
        }
        if (const json *settings = find(root, "settings"))
            config.settings = settingsFromJson(*settings, "/settings");
        validate(config);
        return config;
    } catch (const SchemaError &e) {
        return toError(e);
    }
}

Result<Config> parseConfig(const QByteArray &text)
{
    auto parsed = parseConfigText(text);
    if (!parsed)
        return parsed.error();
    return configFromJson(*parsed);
}

nlohmann::ordered_json serviceToJson(const ServiceConfig &service)
{
    ojson out = ojson::object();
    out["description"] = service.description.toStdString();
    out["baseUrl"] = service.baseUrl.toStdString();
    out["enabled"] = service.enabled;
    ojson auth = ojson::object();
    auth["type"] = nameOf(service.auth.type, kAuthTypes);
    auth["header"] = service.auth.header.toStdString();
    auth["prefix"] = service.auth.prefix.toStdString();
    auth["param"] = service.auth.param.toStdString();
    auth["username"] = service.auth.username.toStdString();
    out["auth"] = std::move(auth);
    out["caFile"] = nullOr(service.caFile);
    // Sorted by name, as a parsed file yields them, so saving and reloading is the identity.
    std::map<std::string, std::string> headers;
    for (const auto &[name, value] : service.setHeaders)
        headers[name.toStdString()] = value.toStdString();
    ojson setHeaders = ojson::object();
    for (const auto &[name, value] : headers)
        setHeaders[name] = value;
    out["setHeaders"] = std::move(setHeaders);
    out["testPath"] = service.testPath.toStdString();
    out["policy"] = policyToJson(service.policy);
    ojson overrides = ojson::object();
    for (const auto &[agent, text] : service.agentPoliciesJson)
        overrides[agent.toStdString()] = storedObject(text);
    out["agentPolicies"] = std::move(overrides);
    return out;
}

nlohmann::ordered_json configToJson(const Config &config)
{
    ojson out = ojson::object();
    out["version"] = Config::kVersion;
    ojson services = ojson::object();
    for (const auto &[name, service] : config.services)
        services[name.toStdString()] = serviceToJson(service);
    out["services"] = std::move(services);

    ojson agents = ojson::object();
    for (const auto &[name, agent] : config.agents) {
        ojson item = ojson::object();
        item["tokenHash"] = agent.tokenHash.toStdString();
        item["created"] = agent.created.toStdString();
        item["expires"] = nullOr(agent.expires);
        agents[name.toStdString()] = std::move(item);
    }
    out["agents"] = std::move(agents);

    ojson refs = ojson::object();
    for (const auto &[name, ref] : config.runRefs) {
        ojson item = ojson::object();
        item["env"] = ref.env.toStdString();
        item["command"] = stringArray(ref.command);
        refs[name.toStdString()] = std::move(item);
    }
    out["runRefs"] = std::move(refs);

    const Settings &settings = config.settings;
    ojson settingsJson = ojson::object();
    settingsJson["secretStore"] = nameOf(settings.secretStore, kStores);
    ojson http = ojson::object();
    http["enabled"] = settings.httpEnabled;
    http["port"] = settings.httpPort;
    settingsJson["http"] = std::move(http);
    settingsJson["retentionDays"] = settings.retentionDays;
    settingsJson["auditBodies"] = settings.auditBodies;
    settingsJson["auditBodyCap"] = settings.auditBodyCap;
    settingsJson["notifications"] = storedObject(settings.notificationsJson);
    out["settings"] = std::move(settingsJson);
    return out;
}

QByteArray serializeConfig(const Config &config)
{
    const std::string text = configToJson(config).dump(2, ' ', false, ojson::error_handler_t::replace);
    return QByteArray::fromStdString(text) + '\n';
}

Result<void> validateConfig(const Config &config)
{
    try {
        validate(config);
        return {};
    } catch (const SchemaError &e) {
        return toError(e);
    }
}

Result<PolicyOverride> policyOverrideFromJson(const QString &text)
{
    const json value = json::parse(text.toStdString(), nullptr, false);
    if (value.is_discarded())
        return Error{QString::fromLatin1(config_errors::kInvalid), QStringLiteral("the override is not valid JSON")};
    try {
        PolicyOverride result;
        result.policy = policyFromJson(value, "");
        validatePolicy(result.policy, AuthConfig{}, "");
        for (const char *field : {"rules", "rate", "schedule", "requireReason", "agents", "timeoutMs", "maxRequestBytes",
                                  "maxResponseBytes", "allowHeaders"}) {
            if (value.contains(field))
                result.fields << QString::fromLatin1(field);
        }
        return result;
    } catch (const SchemaError &e) {
        return toError(e);
    }
}

Result<Config> loadConfigFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return Config{};
    if (!file.open(QIODevice::ReadOnly))
        return ioError(QStringLiteral("%1: cannot be read (%2); check its owner and permissions").arg(path, file.errorString()));
    if (file.size() > kMaxConfigBytes)
        return ioError(QStringLiteral("%1: is larger than 16 MiB; restore config.json.bak").arg(path));
    auto config = parseConfig(file.readAll());
    if (!config)
        return Error{config.error().code, path + QStringLiteral(": ") + config.error().message};
    return config;
}

Result<void> saveConfigFile(const QString &path, const Config &config)
{
    if (auto valid = validateConfig(config); !valid)
        return valid;

    const QFileInfo info(path);
    const QString dir = info.absolutePath();
    if (!QDir().mkpath(dir))
        return ioError(QStringLiteral("cannot create the directory %1; check the permissions of its parent").arg(dir));
    QFile::setPermissions(dir, kDirMode);

    auto writeAtomically = [](const QString &target, const QByteArray &bytes) -> Result<void> {
        QSaveFile out(target);
        if (!out.open(QIODevice::WriteOnly))
            return ioError(QStringLiteral("cannot write %1 (%2); check the directory's permissions").arg(target, out.errorString()));
        out.setPermissions(kFileMode); // the temporary file, before it holds anything
        if (out.write(bytes) != bytes.size() || !out.commit())
            return ioError(QStringLiteral("cannot write %1 (%2); check free disk space").arg(target, out.errorString()));
        QFile::setPermissions(target, kFileMode);
        return {};
    };

    if (info.exists()) {
        QFile previous(path);
        if (!previous.open(QIODevice::ReadOnly))
            return ioError(QStringLiteral("cannot read %1 to back it up (%2); check its permissions").arg(path, previous.errorString()));
        if (auto backedUp = writeAtomically(path + QStringLiteral(".bak"), previous.readAll()); !backedUp)
            return backedUp;
    }
    if (auto written = writeAtomically(path, serializeConfig(config)); !written)
        return written;
    logger("core.config")->info("saved {} ({} services)", path.toStdString(), config.services.size());
    return {};
}

} // namespace keyward
