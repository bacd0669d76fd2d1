#pragma once

#include "clients/clientregistry.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <string>
#include <string_view>
#include <vector>

namespace keyward::clients {

// Finds plaintext secrets in a client's MCP server entries (issue 7 item 4): in `env` values,
// header values (`headers`, Codex `http_headers`), `args` and URLs (`url`, `serverUrl`, URL args:
// query parameters and userinfo). A value is a secret when it
//   - starts with a known key prefix (ghp_, github_pat_, sk_live_, sk-ant-, xoxb-, AKIA, AIza,
//     glpat-, npm_, ... see knownSecretPrefixes()), or
//   - sits under a name matching *TOKEN* *KEY* *SECRET* *PASSWORD* *CREDENTIAL* *AUTH* and is
//     long (kMinEntropyLength) and random-looking (Shannon entropy >= kMinEntropyBits per char).
// Keyward's own entry ("keyward") is skipped. References that are not values (${input:x},
// ${env:X}, {env:X}, $X, paths) are never findings.

enum class SecretPlace { Env, Header, Arg, Url };

struct SecretFinding {
    std::string server;     // the server entry's name
    SecretPlace place = SecretPlace::Env;
    std::string name;       // env var, header name, arg flag (or "args[i]"), query parameter or "userinfo"
    KeyPath valuePath;      // the key path of the JSON string holding the secret (args: its index as a key)
    std::string secret;     // the secret itself; in memory only, never printed or logged
    QString reason;         // "known prefix ghp_" / "high-entropy value under a *TOKEN* name"
};

inline constexpr int kMinEntropyLength = 16;
inline constexpr double kMinEntropyBits = 3.0;

// The prefixes a value is recognized by, longest first.
const std::vector<std::string> &knownSecretPrefixes();

// Shannon entropy of `value` in bits per character.
double shannonEntropy(std::string_view value);

// Whether `name` (any case) is a name secrets go under (*TOKEN*, *KEY*, ...).
bool isSecretName(std::string_view name);

// Never the value: its first 4 characters, an ellipsis and its length, e.g. "ghp_…(40 chars)".
QString maskSecret(const std::string &secret);

// "env", "header", "arg", "url".
QString secretPlaceName(SecretPlace place);

// Every finding in `document`'s servers map of `client`, in server then field order.
std::vector<SecretFinding> scanDocument(const ClientDescriptor &client, const nlohmann::json &document);

// The findings in one server entry named `server` at `entryPath`.
std::vector<SecretFinding> scanServer(const std::string &server, const KeyPath &entryPath, const nlohmann::json &entry);

} // namespace keyward::clients
