#pragma once

#include "config/config.h"
#include "config/configfile.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

namespace keyward {

namespace config_errors {
// (kSyntax and kInvalid are in configfile.h.)
inline constexpr const char *kVersion = "config_version"; // written by a newer Keyward
inline constexpr const char *kIo = "config_io";           // cannot read or write the file
} // namespace config_errors

// The JSON mapping of config.json (DESIGN.md "Files") on top of parseConfigText(), both ways.
// Loading is strict: unknown keys, wrong types and invalid values are errors (code kInvalid)
// naming the JSON pointer of the offending value
// (`/services/github/auth/type: expected one of bearer, basic, header, query`); missing optional
// fields take the defaults of config.h. Error messages never quote a value from the file (a user
// may have pasted a key into the wrong place), only pointers and what was expected.

// Maps parsed JSON to a Config, checking the schema and then validateConfig(). A file without a
// version is refused (kInvalid); one written by a newer Keyward too (kVersion). Version 1 is the
// first; older versions will be migrated in memory here.
Result<Config> configFromJson(const nlohmann::json &json);

// parseConfigText() followed by configFromJson().
Result<Config> parseConfig(const QByteArray &text);

// The JSON of a config: every field present, keys in the order of DESIGN.md's outline, setHeaders
// sorted by name, empty optional strings (caFile, expires) as null. Never contains a secret
// (Config holds none).
nlohmann::ordered_json configToJson(const Config &config);
// One service's object as it appears under /services/<name>.
nlohmann::ordered_json serviceToJson(const ServiceConfig &service);

// The file text: configToJson() pretty-printed with 2 spaces and a final newline. Deterministic:
// equal configs give equal bytes, and parseConfig(serializeConfig(c)) == c up to setHeaders order.
QByteArray serializeConfig(const Config &config);

// Checks the values of a config built in memory (the checks loading applies after the schema):
// names, base URLs, auth fields against the auth type, fixed headers, rules, schedules, numbers
// in range. The error (code kInvalid) names the JSON pointer the value has in config.json.
Result<void> validateConfig(const Config &config);

// Reads and parses `path`. A missing file is not an error: it gives the default, empty Config.
// Error messages start with the file path.
Result<Config> loadConfigFile(const QString &path);

// An agent's override object (the text of /services/<s>/agentPolicies/<agent>): the policy fields
// it holds, read by the same parser as a service's /policy and held to the same value checks
// (except the credential-header check on allowHeaders, which needs the service's auth and is made
// by validateConfig()). `fields` lists the keys present, in config.json's names and order (rules,
// rate, schedule, requireReason, agents, timeoutMs, maxRequestBytes, maxResponseBytes,
// allowHeaders); fields not listed hold Policy's defaults. Errors (code kInvalid) name the JSON
// pointer inside the override object.
struct PolicyOverride {
    Policy policy;
    QStringList fields;
};
Result<PolicyOverride> policyOverrideFromJson(const QString &text);

// Writes `config` to `path` atomically (QSaveFile) after copying the previous file, if any, to
// `<path>.bak`; creates the directory with mode 0700 and gives both files mode 0600. Refuses a
// config that fails validateConfig() without touching anything.
Result<void> saveConfigFile(const QString &path, const Config &config);

} // namespace keyward
