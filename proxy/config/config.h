#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <map>
#include <optional>

namespace keyward {

// The in-memory form of config.json (DESIGN.md "Files"). Plain structs with named defaults; the
// JSON mapping, validation and migration live in configjson.h. Never holds a secret.

enum class RuleAction { Allow, Deny, Ask };

// `METHOD /path/glob` relative to the service's base path: `*` is one segment, `**` any depth,
// method `*` any; methods uppercase.
struct Rule {
    RuleAction action = RuleAction::Allow;
    QString method;
    QString path;

    bool operator==(const Rule &) const = default;
};

enum class RatePer { Second, Minute, Hour, Day };

// A token bucket: `n` calls per `per`, holding at most `burst` (defaults to n).
struct RateLimit {
    RatePer per = RatePer::Minute;
    int n = 60;
    int burst = 60;

    bool operator==(const RateLimit &) const = default;
};

struct Policy {
    static constexpr int kDefaultTimeoutMs = 30000;
    static constexpr qint64 kDefaultMaxRequestBytes = 1024 * 1024;
    static constexpr qint64 kDefaultMaxResponseBytes = 10 * 1024 * 1024;

    // No rules means read-only (GET and HEAD on everything); once an allow or ask rule exists,
    // what matches no rule is denied.
    QList<Rule> rules;
    std::optional<RateLimit> rate;
    QStringList schedule;          // e.g. "Mon-Fri 09:00-18:00"; empty = any time
    bool requireReason = false;
    std::optional<QStringList> agents; // nullopt = every agent
    int timeoutMs = kDefaultTimeoutMs;
    qint64 maxRequestBytes = kDefaultMaxRequestBytes;
    qint64 maxResponseBytes = kDefaultMaxResponseBytes;
    QStringList allowHeaders;

    bool operator==(const Policy &) const = default;
};

enum class AuthType { Bearer, Basic, Header, Query };

struct AuthConfig {
    AuthType type = AuthType::Bearer;
    QString header;   // AuthType::Header: the header name, e.g. X-Api-Key
    QString prefix;   // AuthType::Header: put before the secret, e.g. "Token "
    QString param;    // AuthType::Query: the query parameter name
    QString username; // AuthType::Basic: the user; the secret is the password

    bool operator==(const AuthConfig &) const = default;
};

struct ServiceConfig {
    QString description;
    QString baseUrl; // https://host[:port][/prefix], no query or fragment
    bool enabled = true;
    AuthConfig auth;
    QString caFile; // empty = system store only
    QList<QPair<QString, QString>> setHeaders; // fixed headers, in order
    QString testPath;
    Policy policy;
    // Per-agent overrides as written in the file (policy fields that override); the policy issue
    // gives them meaning. Kept as JSON text so the file round-trips.
    std::map<QString, QString> agentPoliciesJson;

    bool operator==(const ServiceConfig &) const = default;
};

struct AgentConfig {
    QString tokenHash;
    QString created;
    QString expires; // empty = never

    bool operator==(const AgentConfig &) const = default;
};

struct RunRef {
    QString env;
    QStringList command;

    bool operator==(const RunRef &) const = default;
};

enum class SecretStoreKind { Keychain, File };

struct Settings {
    static constexpr int kDefaultHttpPort = 47817;

    SecretStoreKind secretStore = SecretStoreKind::Keychain;
    bool httpEnabled = false;
    int httpPort = kDefaultHttpPort;
    int retentionDays = 90;
    bool auditBodies = true;
    qint64 auditBodyCap = 65536;
    QString notificationsJson = QStringLiteral("{}"); // the notifications issue gives it a shape

    bool operator==(const Settings &) const = default;
};

struct Config {
    static constexpr int kVersion = 1;

    std::map<QString, ServiceConfig> services;
    std::map<QString, AgentConfig> agents;
    std::map<QString, RunRef> runRefs;
    Settings settings;

    bool operator==(const Config &) const = default;
};

} // namespace keyward
