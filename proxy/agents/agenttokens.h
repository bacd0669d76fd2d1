#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QString>

namespace keyward {

// Agent tokens (DESIGN.md "CLI": `keyward agent add NAME [--expires 90d]`): what an HTTP agent
// presents as `Authorization: Bearer kwa_...` and what names it in policy and audit.
//
// A token is `kwa_` (so secret scanners find leaked ones) followed by 32 random bytes from
// randombytes_buf in unpadded base64url: 47 characters. config.json keeps only
// `sha256:<lowercase hex>` of the whole token: with 256 bits of entropy a token cannot be guessed
// from its hash, so a plain SHA-256 is enough (a slow password hash protects low-entropy secrets
// and would only slow every request down).

inline constexpr const char *kAgentTokenPrefix = "kwa_";
inline constexpr qsizetype kAgentTokenBytes = 47;

namespace agent_errors {
inline constexpr const char *kUnauthorized = "unauthorized";
} // namespace agent_errors

// A new token and the config entry that recognizes it.
struct IssuedAgentToken {
    QByteArray token;   // shown to the user once, then wiped
    AgentConfig config; // tokenHash, created = now (RFC 3339 UTC), expires (empty = never)
};

// Issues a new token at `now`, valid until `expires` (an invalid QDateTime = never).
IssuedAgentToken issueAgentToken(const QDateTime &now, const QDateTime &expires = QDateTime());

// "sha256:<64 lowercase hex>" of `token`.
QString agentTokenHash(QByteArrayView token);

// `kwa_` + 43 base64url characters.
bool isWellFormedAgentToken(QByteArrayView token);

// RFC 3339 UTC with seconds, as `created` and `expires` are stored: 2026-11-26T09:00:00Z.
QString formatAgentTime(const QDateTime &time);

// Whether `agent`'s token has expired at `now`; an `expires` that does not parse counts as expired.
bool agentTokenExpired(const AgentConfig &agent, const QDateTime &now);

// The name of the agent whose token is `token`, or an Error with code "unauthorized":
//   a malformed or unknown token: "invalid token" (nothing about which agents exist);
//   a valid token past its expiry: "agent 'x''s token expired at <time>; ...".
// Hashes are compared in constant time (sodium_memcmp) against every agent. No message ever
// contains the token.
Result<QString> authenticateAgent(const Config &config, QByteArrayView token, const QDateTime &now);

} // namespace keyward
